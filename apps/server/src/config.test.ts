import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv/rabita');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults when nothing is set', () => {
    const config = loadConfig({}, '/srv/rabita');
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: path.resolve('/srv/rabita/data'),
      openSignup: false,
      publicUrl: 'http://localhost:3000',
      inProcessWorker: true,
      logLevel: 'info',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every variable it knows', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgres://u:p@db:5432/rabita',
        RABITA_DATA: 'var/rabita',
        RABITA_OPEN_SIGNUP: 'yes',
        RABITA_PUBLIC_URL: 'https://crm.example.com/',
        LOG_LEVEL: 'debug',
        RABITA_IN_PROCESS_WORKER: 'false',
        RABITA_WORKER_CONCURRENCY: '4',
        RABITA_WORKER_LONG_CONCURRENCY: '2',
        RABITA_WORKFLOW_STEPS_PER_MINUTE: '1200',
        RABITA_DB_POOL_SIZE: '20',
        RABITA_DB_STATEMENT_CACHE: '0',
        RABITA_TRUST_PROXY: 'true',
        RABITA_SESSION_IDLE_HOURS: '12',
        RABITA_SESSION_MAX_DAYS: '7',
        RABITA_INVITATION_DAYS: '3',
        RABITA_WEBHOOKS_ALLOW_PRIVATE: 'true',
        RABITA_MAIL_ALLOW_PRIVATE: 'true',
        RABITA_CALLS_ALLOW_PRIVATE: 'true',
        RABITA_MAIL_PARSE_THREADS: '3',
      },
      '/srv/rabita',
    );
    expect(config).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://u:p@db:5432/rabita',
      dataDir: '/srv/rabita/var/rabita',
      openSignup: true,
      publicUrl: 'https://crm.example.com',
      logLevel: 'debug',
      inProcessWorker: false,
      workerConcurrency: 4,
      workerLongConcurrency: 2,
      workflowStepsPerMinute: 1200,
      dbPoolSize: 20,
      dbStatementCache: 0,
      trustProxy: true,
      sessionIdleHours: 12,
      sessionMaxDays: 7,
      invitationDays: 3,
      webhooksAllowPrivate: true,
      mailAllowPrivate: true,
      callsAllowPrivate: true,
      mailParseThreads: 3,
    });
  });

  it('lists every malformed variable at once, each with its fix', () => {
    const problems = problemsOf({
      PORT: 'abc',
      DATABASE_URL: 'mysql://x',
      RABITA_OPEN_SIGNUP: 'maybe',
      LOG_LEVEL: 'loud',
      RABITA_PUBLIC_URL: 'ftp://x',
    });
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/PORT must be a whole number from 1 to 65535 \(got "abc"\)/);
    expect(problems.join('\n')).toMatch(
      /DATABASE_URL is not a valid postgres: or postgresql: URL; use the form/,
    );
    expect(problems.join('\n')).toMatch(/RABITA_OPEN_SIGNUP must be true or false \(got "maybe"\)/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL must be one of/);
    expect(problems.join('\n')).toMatch(/RABITA_PUBLIC_URL is not a valid http: or https: URL/);
  });

  it.each([
    ['PORT', '0'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '3.5'],
    ['PORT', '9'.repeat(400)],
    ['RABITA_WORKER_CONCURRENCY', '0'],
    ['RABITA_DB_POOL_SIZE', 'many'],
    ['DATABASE_URL', 'not a url'],
  ])('refuses %s=%s', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
  });

  it('reads RABITA_SECRET_KEY as 32 bytes of hex or base64, and refuses any other length', () => {
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ RABITA_SECRET_KEY: hex }).secretKey?.toString('hex')).toBe(hex);
    const base64 = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ RABITA_SECRET_KEY: base64 }).secretKey).toEqual(Buffer.alloc(32, 7));
    expect(loadConfig({}).secretKey).toBeUndefined();
    expect(problemsOf({ RABITA_SECRET_KEY: 'short' })[0]).toContain('RABITA_SECRET_KEY must be 32 bytes');
  });

  it('reads RABITA_SMTP_URL and RABITA_SMTP_FROM, and refuses what is not an SMTP address or an email', () => {
    const config = loadConfig({
      RABITA_SMTP_URL: 'smtps://crm:secret@mail.example.com:465',
      RABITA_SMTP_FROM: 'Rabita <crm@example.com>',
    });
    expect(config).toMatchObject({
      smtpUrl: 'smtps://crm:secret@mail.example.com:465',
      smtpFrom: 'Rabita <crm@example.com>',
    });
    expect(loadConfig({}).smtpUrl).toBeUndefined();
    expect(problemsOf({ RABITA_SMTP_URL: 'http://mail.example.com' })[0]).toContain(
      'RABITA_SMTP_URL must be an smtp:// or smtps:// address',
    );
    expect(problemsOf({ RABITA_SMTP_FROM: 'not an address' })[0]).toContain('RABITA_SMTP_FROM must be');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', RABITA_OPEN_SIGNUP: '' }).port).toBe(3000);
  });
});
