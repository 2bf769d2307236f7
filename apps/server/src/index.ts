export { type AppDeps, buildApp } from './app.ts';
export {
  type Config,
  ConfigError,
  environmentHelp,
  environmentTable,
  environmentVariables,
  loadConfig,
  PLATFORM_VARIABLES,
} from './config.ts';
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
export { isWebProcess, serveWebProcess } from './web-processes.ts';
