import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  declaredVariables,
  envSchema,
  envVariable,
  MODULES,
  type ModuleManifest,
  type ModuleSettings,
  readEnvironment,
} from '@rabita/core';
import { DEFAULT_STATEMENT_CACHE } from '@rabita/db';
import { z } from 'zod';

/** Everything Rabita reads from its environment, parsed once at boot and frozen. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** External PostgreSQL; when absent the embedded one starts in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly openSignup: boolean;
  readonly publicUrl: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly inProcessWorker: boolean;
  /** Quick job slots (workflow steps, SLA deadlines, sends, webhooks). */
  readonly workerConcurrency: number;
  /** Slots for long jobs (imports, re-indexing, rescoring every lead), apart from the quick ones. */
  readonly workerLongConcurrency: number;
  readonly dbPoolSize: number;
  /** Processes serving HTTP (`rabita start`); above 1 they are children of a process that keeps the database and jobs. */
  readonly webProcesses: number;
  /** Statements each database connection keeps prepared (0: none). */
  readonly dbStatementCache: number;
  readonly trustProxy: boolean;
  readonly sessionIdleHours: number;
  readonly sessionMaxDays: number;
  readonly invitationDays: number;
  /** The 32-byte key that encrypts secrets at rest (TOTP secrets); else one kept in `<dataDir>/secret-key`. */
  readonly secretKey: Buffer | undefined;
  /**
   * Each module's settings, from the variables its manifest declares (`settings`), read in the same pass:
   * `moduleSettings.of(webhooksSettings)`. Routes and tasks get them as `deps.settings.of`.
   */
  readonly moduleSettings: ModuleSettings;
}

/** A configuration problem: `problems` holds one sentence per bad variable, each naming the fix. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The platform's own variables, by the name `loadConfig` reads them under; the modules declare theirs. */
export const PLATFORM_VARIABLES = {
  port: envVariable({
    name: 'PORT',
    schema: envSchema.int(1, 65535, 'set it to a free port such as 3000, or unset it'),
    default: 3000,
    description: 'The port the HTTP server listens on.',
  }),
  host: envVariable({
    name: 'HOST',
    schema: envSchema.text(),
    default: '127.0.0.1',
    description: 'The address it listens on (`0.0.0.0`: every interface).',
  }),
  databaseUrl: envVariable({
    name: 'DATABASE_URL',
    schema: envSchema.url(
      ['postgres:', 'postgresql:'],
      'use the form postgres://user:password@host:5432/database, or unset it to use the embedded database',
    ),
    defaultText: 'none: the embedded PostgreSQL in the data folder',
    description: 'An external PostgreSQL 15+ (`postgres://user:password@host:5432/database`).',
  }),
  dataDir: envVariable({
    name: 'RABITA_DATA',
    schema: envSchema.text(),
    default: 'data',
    description: 'The data folder (embedded database, secret key, lock), relative to the working folder.',
  }),
  openSignup: envVariable({
    name: 'RABITA_OPEN_SIGNUP',
    schema: envSchema.bool(),
    default: false,
    description: 'Lets anyone sign up with a workspace of their own after the first account.',
  }),
  publicUrl: envVariable({
    name: 'RABITA_PUBLIC_URL',
    schema: envSchema.url(
      ['http:', 'https:'],
      'set it to the address people use to reach Rabita, such as https://crm.example.com',
    ),
    defaultText: 'http://localhost:PORT',
    description:
      'The address people and jobs reach Rabita at (links in mail, passkeys, secure cookies when https).',
  }),
  logLevel: envVariable({
    name: 'LOG_LEVEL',
    schema: envSchema.oneOf(LOG_LEVELS),
    default: 'info',
    description: `How much the server logs: ${LOG_LEVELS.join(', ')}.`,
  }),
  inProcessWorker: envVariable({
    name: 'RABITA_IN_PROCESS_WORKER',
    schema: envSchema.bool(),
    default: true,
    description:
      '`rabita start` runs the job worker too (false on web servers beside `rabita worker` processes).',
  }),
  workerConcurrency: envVariable({
    name: 'RABITA_WORKER_CONCURRENCY',
    schema: envSchema.int(1, 100, 'the default is 4'),
    default: 4,
    description: 'Quick job slots per process (workflow steps, SLA deadlines, sends, webhook deliveries).',
  }),
  workerLongConcurrency: envVariable({
    name: 'RABITA_WORKER_LONG_CONCURRENCY',
    schema: envSchema.int(1, 100, 'the default is 1'),
    default: 1,
    description:
      'Slots for long jobs (imports, re-indexing, rescoring, report exports), apart from the quick ones.',
  }),
  dbPoolSize: envVariable({
    name: 'RABITA_DB_POOL_SIZE',
    schema: envSchema.int(1, 500, 'the default is 10'),
    default: 10,
    description: 'Database connections the server’s pool holds at most.',
  }),
  webProcesses: envVariable({
    name: 'RABITA_WEB_PROCESSES',
    schema: envSchema.int(0, 64, 'the default is 1; 0 starts one per core'),
    default: 1,
    description:
      'Processes `rabita start` serves HTTP from on this machine, sharing its port (0: one per core; each holds its own database pool).',
  }),
  dbStatementCache: envVariable({
    name: 'RABITA_DB_STATEMENT_CACHE',
    schema: envSchema.int(0, 5_000, 'the default is 200; 0 behind a pooler in transaction mode'),
    default: DEFAULT_STATEMENT_CACHE,
    description: 'Statements each database connection keeps prepared; 0 behind a pooler in transaction mode.',
  }),
  trustProxy: envVariable({
    name: 'RABITA_TRUST_PROXY',
    schema: envSchema.bool(),
    default: false,
    description: 'Believes a reverse proxy’s `X-Forwarded-*` headers (client address, https).',
  }),
  sessionIdleHours: envVariable({
    name: 'RABITA_SESSION_IDLE_HOURS',
    schema: envSchema.int(1, 24 * 365, 'the default is 168 (a week)'),
    default: 168,
    description: 'A session unused this many hours ends.',
  }),
  sessionMaxDays: envVariable({
    name: 'RABITA_SESSION_MAX_DAYS',
    schema: envSchema.int(1, 365, 'the default is 30'),
    default: 30,
    description: 'A session ends this many days after sign-in, however active.',
  }),
  invitationDays: envVariable({
    name: 'RABITA_INVITATION_DAYS',
    schema: envSchema.int(1, 90, 'the default is 7'),
    default: 7,
    description: 'Days an invitation link stays valid.',
  }),
  secretKey: envVariable({
    name: 'RABITA_SECRET_KEY',
    schema: z
      .string()
      .optional()
      .transform((value, ctx) => {
        const v = value?.trim();
        if (!v) return undefined;
        const key = /^[0-9a-f]{64}$/i.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
        if (key.length !== 32) {
          ctx.addIssue({
            code: 'custom',
            message: 'must be 32 bytes, as 64 hex digits or base64 (make one with `openssl rand -hex 32`)',
          });
          return z.NEVER;
        }
        return key;
      }),
    defaultText: 'one kept in RABITA_DATA/secret-key',
    description:
      'The 32-byte key sealing secrets at rest (hex or base64); servers sharing a database share it.',
  }),
};

/**
 * Reads the environment — the platform's variables and every module's in one pass — into a frozen Config, or
 * throws ConfigError listing every bad variable. `cwd` resolves a relative data folder; `modules` are the ones
 * whose settings are read (the same list the app and worker are given).
 */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
  modules: readonly ModuleManifest[] = MODULES,
): Config {
  const read = readEnvironment(env, PLATFORM_VARIABLES, modules);
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  const e = read.platform;
  const config: Config = {
    port: e.port,
    host: e.host,
    databaseUrl: e.databaseUrl,
    dataDir: path.resolve(cwd, e.dataDir),
    openSignup: e.openSignup,
    publicUrl: (e.publicUrl ?? `http://localhost:${e.port}`).replace(/\/+$/, ''),
    logLevel: e.logLevel,
    inProcessWorker: e.inProcessWorker,
    workerConcurrency: e.workerConcurrency,
    workerLongConcurrency: e.workerLongConcurrency,
    dbPoolSize: e.dbPoolSize,
    webProcesses: e.webProcesses === 0 ? availableParallelism() : e.webProcesses,
    dbStatementCache: e.dbStatementCache,
    trustProxy: e.trustProxy,
    sessionIdleHours: e.sessionIdleHours,
    sessionMaxDays: e.sessionMaxDays,
    invitationDays: e.invitationDays,
    secretKey: e.secretKey,
    moduleSettings: read.settings,
  };
  return Object.freeze(config);
}

/** Every variable Rabita reads (the platform's, then each module's), as `rabita --help` and the docs list them. */
export function environmentVariables(modules: readonly ModuleManifest[] = MODULES) {
  return declaredVariables(PLATFORM_VARIABLES, modules).map(({ variable, module }) => ({
    name: variable.name,
    module,
    description: variable.description,
    default: variable.defaultText ?? (variable.default === undefined ? undefined : String(variable.default)),
  }));
}

/** The environment variables as `rabita --help` shows them. */
export function environmentHelp(modules: readonly ModuleManifest[] = MODULES): string {
  const lines = environmentVariables(modules).map(
    (v) => `  ${v.name}\n      ${v.description}${v.default === undefined ? '' : ` Default: ${v.default}.`}`,
  );
  return `\nEnvironment variables (an empty one counts as unset):\n${lines.join('\n')}\n`;
}

/** The environment variables as docs/OPERATIONS.md's table lists them (checked by config.test.ts). */
export function environmentTable(modules: readonly ModuleManifest[] = MODULES): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  return [
    '| Variable | Read by | Default | What it does |',
    '| --- | --- | --- | --- |',
    ...environmentVariables(modules).map(
      (v) =>
        `| \`${v.name}\` | ${v.module ?? 'platform'} | ${v.default === undefined ? '—' : cell(v.default)} | ${cell(v.description)} |`,
    ),
  ].join('\n');
}
