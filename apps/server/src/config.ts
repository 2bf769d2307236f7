import path from 'node:path';
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
  /** Workflow steps one workspace may run a minute; more wait for the next minute (one busy tenant cannot starve the rest). */
  readonly workflowStepsPerMinute: number;
  readonly dbPoolSize: number;
  /** Statements each database connection keeps prepared (0: none). */
  readonly dbStatementCache: number;
  readonly trustProxy: boolean;
  readonly sessionIdleHours: number;
  readonly sessionMaxDays: number;
  readonly invitationDays: number;
  /** Lets webhooks call private, loopback and link-local addresses (off: only public ones). */
  readonly webhooksAllowPrivate: boolean;
  /** Lets connected mailboxes reach private, loopback and link-local mail servers (off: only public ones). */
  readonly mailAllowPrivate: boolean;
  /** Lets phone connections (AMI, ARI) reach private, loopback and link-local hosts (off: only public ones). */
  readonly callsAllowPrivate: boolean;
  /** Threads parsing synced mail in a worker process; 0 parses in the sync's own thread; unset: the cores but one. */
  readonly mailParseThreads: number | undefined;
  /** The SMTP server workflow emails go through (`smtp://user:pass@host:587`, `smtps://…`); none: they fail. */
  readonly smtpUrl: string | undefined;
  /** The From address of workflow emails (the default is `rabita@` the SMTP server's host). */
  readonly smtpFrom: string | undefined;
  /** The 32-byte key that encrypts secrets at rest (TOTP secrets); else one kept in `<dataDir>/secret-key`. */
  readonly secretKey: Buffer | undefined;
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

const bool = (name: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      const v = value.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false (got "${value}")` });
      return z.NEVER;
    });

/** Optional text, trimmed, that must pass a check (else the sentence). */
const checkedText = (valid: (value: string) => boolean, message: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      if (valid(value.trim())) return value.trim();
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    });

const int = (name: string, min: number, max: number, hint: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a whole number from ${min} to ${max} (got "${value}"); ${hint}`,
        });
        return z.NEVER;
      }
      return n;
    });

const url = (name: string, protocols: string[], hint: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      let parsed: URL | undefined;
      try {
        parsed = new URL(value);
      } catch {
        parsed = undefined;
      }
      if (!parsed || !protocols.includes(parsed.protocol)) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} is not a valid ${protocols.join(' or ')} URL; ${hint}`,
        });
        return z.NEVER;
      }
      return value;
    });

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  PORT: int('PORT', 1, 65535, 'set it to a free port such as 3000, or unset it'),
  HOST: z.string().optional(),
  DATABASE_URL: url(
    'DATABASE_URL',
    ['postgres:', 'postgresql:'],
    'use the form postgres://user:password@host:5432/database, or unset it to use the embedded database',
  ),
  RABITA_DATA: z.string().optional(),
  RABITA_OPEN_SIGNUP: bool('RABITA_OPEN_SIGNUP'),
  RABITA_PUBLIC_URL: url(
    'RABITA_PUBLIC_URL',
    ['http:', 'https:'],
    'set it to the address people use to reach Rabita, such as https://crm.example.com',
  ),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      if ((LOG_LEVELS as readonly string[]).includes(value)) return value as Config['logLevel'];
      ctx.addIssue({
        code: 'custom',
        message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${value}")`,
      });
      return z.NEVER;
    }),
  RABITA_IN_PROCESS_WORKER: bool('RABITA_IN_PROCESS_WORKER'),
  RABITA_WORKER_CONCURRENCY: int('RABITA_WORKER_CONCURRENCY', 1, 100, 'the default is 4'),
  RABITA_WORKER_LONG_CONCURRENCY: int('RABITA_WORKER_LONG_CONCURRENCY', 1, 100, 'the default is 1'),
  RABITA_WORKFLOW_STEPS_PER_MINUTE: int(
    'RABITA_WORKFLOW_STEPS_PER_MINUTE',
    1,
    1_000_000,
    'the default is 6000',
  ),
  RABITA_DB_POOL_SIZE: int('RABITA_DB_POOL_SIZE', 1, 500, 'the default is 10'),
  RABITA_DB_STATEMENT_CACHE: int(
    'RABITA_DB_STATEMENT_CACHE',
    0,
    5_000,
    'the default is 200; 0 behind a pooler in transaction mode',
  ),
  RABITA_TRUST_PROXY: bool('RABITA_TRUST_PROXY'),
  RABITA_SESSION_IDLE_HOURS: int('RABITA_SESSION_IDLE_HOURS', 1, 24 * 365, 'the default is 168 (a week)'),
  RABITA_SESSION_MAX_DAYS: int('RABITA_SESSION_MAX_DAYS', 1, 365, 'the default is 30'),
  RABITA_INVITATION_DAYS: int('RABITA_INVITATION_DAYS', 1, 90, 'the default is 7'),
  RABITA_WEBHOOKS_ALLOW_PRIVATE: bool('RABITA_WEBHOOKS_ALLOW_PRIVATE'),
  RABITA_MAIL_ALLOW_PRIVATE: bool('RABITA_MAIL_ALLOW_PRIVATE'),
  RABITA_CALLS_ALLOW_PRIVATE: bool('RABITA_CALLS_ALLOW_PRIVATE'),
  RABITA_MAIL_PARSE_THREADS: int(
    'RABITA_MAIL_PARSE_THREADS',
    0,
    256,
    'the default is one fewer than the CPU cores on four cores or more, else 0; 0 parses mail in the sync thread',
  ),
  RABITA_SMTP_URL: checkedText(
    (v) => URL.canParse(v) && ['smtp:', 'smtps:'].includes(new URL(v).protocol),
    'RABITA_SMTP_URL must be an smtp:// or smtps:// address, e.g. smtp://user:password@mail.example.com:587',
  ),
  RABITA_SMTP_FROM: checkedText(
    (v) => /^[^\s<>@]+@[^\s<>@]+$/.test(v) || /^[^<>]*<[^\s<>@]+@[^\s<>@]+>$/.test(v),
    'RABITA_SMTP_FROM must be an email address, e.g. crm@example.com or "Rabita <crm@example.com>"',
  ),
  RABITA_SECRET_KEY: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      const v = value.trim();
      const key = /^[0-9a-f]{64}$/i.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
      if (key.length !== 32) {
        ctx.addIssue({
          code: 'custom',
          message:
            'RABITA_SECRET_KEY must be 32 bytes, as 64 hex digits or base64 (make one with `openssl rand -hex 32`)',
        });
        return z.NEVER;
      }
      return key;
    }),
});

/**
 * Reads the environment into a frozen Config, or throws ConfigError listing every bad variable.
 * `cwd` resolves a relative data folder.
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => issue.message));
  }
  const e = parsed.data;
  const port = e.PORT ?? 3000;
  const config: Config = {
    port,
    host: e.HOST?.trim() || '127.0.0.1',
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(cwd, e.RABITA_DATA?.trim() || 'data'),
    openSignup: e.RABITA_OPEN_SIGNUP ?? false,
    publicUrl: (e.RABITA_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL ?? 'info',
    inProcessWorker: e.RABITA_IN_PROCESS_WORKER ?? true,
    workerConcurrency: e.RABITA_WORKER_CONCURRENCY ?? 4,
    workerLongConcurrency: e.RABITA_WORKER_LONG_CONCURRENCY ?? 1,
    workflowStepsPerMinute: e.RABITA_WORKFLOW_STEPS_PER_MINUTE ?? 6000,
    dbPoolSize: e.RABITA_DB_POOL_SIZE ?? 10,
    dbStatementCache: e.RABITA_DB_STATEMENT_CACHE ?? DEFAULT_STATEMENT_CACHE,
    trustProxy: e.RABITA_TRUST_PROXY ?? false,
    sessionIdleHours: e.RABITA_SESSION_IDLE_HOURS ?? 168,
    sessionMaxDays: e.RABITA_SESSION_MAX_DAYS ?? 30,
    invitationDays: e.RABITA_INVITATION_DAYS ?? 7,
    webhooksAllowPrivate: e.RABITA_WEBHOOKS_ALLOW_PRIVATE ?? false,
    mailAllowPrivate: e.RABITA_MAIL_ALLOW_PRIVATE ?? false,
    callsAllowPrivate: e.RABITA_CALLS_ALLOW_PRIVATE ?? false,
    mailParseThreads: e.RABITA_MAIL_PARSE_THREADS,
    smtpUrl: e.RABITA_SMTP_URL,
    smtpFrom: e.RABITA_SMTP_FROM,
    secretKey: e.RABITA_SECRET_KEY,
  };
  return Object.freeze(config);
}
