export { type AppDeps, buildApp } from './app.ts';
export { type Config, ConfigError, loadConfig } from './config.ts';
export {
  createLogger,
  isUserFacing,
  type Log,
  type Running,
  StartupError,
  startDatabase,
  startRabita,
  startWorker,
} from './runtime.ts';
