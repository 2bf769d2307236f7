import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  callsSettings,
  defineSettings,
  emailSettings,
  envSchema,
  envVariable,
  MODULES,
  type ModuleManifest,
  webhooksSettings,
  workflowsSettings,
} from '@rabita/core';
import { describe, expect, it } from 'vitest';
import { ConfigError, environmentHelp, environmentTable, loadConfig } from './config.ts';

function problemsOf(env: Record<string, string>, modules?: readonly ModuleManifest[]): string[] {
  try {
    loadConfig(env, '/srv/rabita', modules);
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
    expect(config.moduleSettings.of(webhooksSettings)).toEqual({ allowPrivate: false });
    expect(config.moduleSettings.of(workflowsSettings)).toEqual({ stepsPerMinute: 6000, smtp: undefined });
    expect(config.moduleSettings.of(emailSettings)).toMatchObject({
      allowPrivate: false,
      parseThreads: undefined,
    });
    expect(config.moduleSettings.of(callsSettings)).toEqual({ allowPrivate: false });
    expect(Object.isFrozen(config.moduleSettings.of(emailSettings))).toBe(true);
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
        RABITA_WEB_PROCESSES: '3',
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
    const { moduleSettings, ...platform } = config;
    expect(platform).toEqual({
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
      dbPoolSize: 20,
      webProcesses: 3,
      dbStatementCache: 0,
      trustProxy: true,
      sessionIdleHours: 12,
      sessionMaxDays: 7,
      invitationDays: 3,
    });
    // The modules' variables, read in the same pass, reach each module's settings.
    expect(moduleSettings.of(workflowsSettings)).toMatchObject({ stepsPerMinute: 1200, smtp: undefined });
    expect(moduleSettings.of(webhooksSettings)).toEqual({ allowPrivate: true });
    expect(moduleSettings.of(emailSettings)).toMatchObject({ allowPrivate: true, parseThreads: 3 });
    expect(moduleSettings.of(callsSettings)).toEqual({ allowPrivate: true });
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
    ['RABITA_WEB_PROCESSES', '65'],
    ['RABITA_WEB_PROCESSES', '-1'],
    ['DATABASE_URL', 'not a url'],
  ])('refuses %s=%s', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
  });

  it('reads RABITA_WEB_PROCESSES: 1 by default, 0 as one per core', () => {
    expect(loadConfig({}).webProcesses).toBe(1);
    expect(loadConfig({ RABITA_WEB_PROCESSES: '0' }).webProcesses).toBe(os.availableParallelism());
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
    expect(config.moduleSettings.of(workflowsSettings).smtp).toEqual({
      url: 'smtps://crm:secret@mail.example.com:465',
      from: 'Rabita <crm@example.com>',
    });
    expect(loadConfig({}).moduleSettings.of(workflowsSettings).smtp).toBeUndefined();
    expect(problemsOf({ RABITA_SMTP_URL: 'http://mail.example.com' })[0]).toContain(
      'RABITA_SMTP_URL must be an smtp:// or smtps:// address',
    );
    expect(problemsOf({ RABITA_SMTP_FROM: 'not an address' })[0]).toContain('RABITA_SMTP_FROM must be');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', RABITA_OPEN_SIGNUP: '' }).port).toBe(3000);
  });
});

/** A module of this test's own that declares two variables, as a shipped one would. */
const greeterSettings = defineSettings({
  variables: {
    greeting: envVariable({
      name: 'RABITA_GREETER_GREETING',
      schema: envSchema.checkedText((v) => v.length <= 20, 'must be 20 characters at most'),
      default: 'Salaam',
      description: 'What the greeter says.',
    }),
    times: envVariable({
      name: 'RABITA_GREETER_TIMES',
      schema: envSchema.int(1, 5, 'the default is 1'),
      default: 1,
      description: 'How often it says it.',
    }),
  },
  build: (v) => ({ line: Array.from({ length: v.times }, () => v.greeting).join(' ') }),
});
const greeter: ModuleManifest = { key: 'greeter', settings: greeterSettings };
const withGreeter = [...MODULES, greeter];

describe('module settings read with the configuration', () => {
  it('parses a module’s declared variables into its typed settings, with their defaults when unset', () => {
    expect(loadConfig({}, '/srv', withGreeter).moduleSettings.of(greeterSettings)).toEqual({
      line: 'Salaam',
    });
    const config = loadConfig(
      { RABITA_GREETER_GREETING: ' Dorood ', RABITA_GREETER_TIMES: '2' },
      '/srv',
      withGreeter,
    );
    expect(config.moduleSettings.of(greeterSettings)).toEqual({ line: 'Dorood Dorood' });
    // An empty variable counts as unset, as the platform's do.
    expect(
      loadConfig({ RABITA_GREETER_TIMES: '' }, '/srv', withGreeter).moduleSettings.of(greeterSettings),
    ).toEqual({ line: 'Salaam' });
  });

  it('lists a module’s bad variables with the platform’s, each a sentence naming the variable and the fix', () => {
    let problems: string[] = [];
    try {
      loadConfig(
        {
          PORT: 'abc',
          RABITA_GREETER_TIMES: '9',
          RABITA_GREETER_GREETING: 'x'.repeat(21),
          RABITA_WEBHOOKS_ALLOW_PRIVATE: 'perhaps',
        },
        '/srv',
        withGreeter,
      );
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      'PORT must be a whole number from 1 to 65535 (got "abc"); set it to a free port such as 3000, or unset it',
      'RABITA_WEBHOOKS_ALLOW_PRIVATE must be true or false (got "perhaps")',
      'RABITA_GREETER_GREETING must be 20 characters at most',
      'RABITA_GREETER_TIMES must be a whole number from 1 to 5 (got "9"); the default is 1',
    ]);
  });

  it('reads only the variables of the modules it is given, and says so when asked for another’s', () => {
    const config = loadConfig({ RABITA_GREETER_TIMES: 'many' }, '/srv');
    expect(() => config.moduleSettings.of(greeterSettings)).toThrow(
      /No settings were read for the module declaring RABITA_GREETER_GREETING, RABITA_GREETER_TIMES/,
    );
  });

  it('cuts a huge value short in its problem, and reads NUL bytes and lone surrogates as bad values', () => {
    const [huge] = problemsOf({ RABITA_GREETER_TIMES: '7'.repeat(100_000) }, withGreeter);
    expect(huge).toMatch(/^RABITA_GREETER_TIMES must be a whole number from 1 to 5 \(got "7{80}…"\)/);
    expect(huge!.length).toBeLessThan(200);
    expect(problemsOf({ RABITA_GREETER_TIMES: '1\u0000' }, withGreeter)[0]).toContain('RABITA_GREETER_TIMES');
    expect(problemsOf({ RABITA_MAIL_ALLOW_PRIVATE: '\uD800' })[0]).toContain(
      'RABITA_MAIL_ALLOW_PRIVATE must be true or false',
    );
  });

  it('refuses a module that declares a variable the platform or another module already reads', () => {
    const clash = (name: string): ModuleManifest => ({
      key: 'clash',
      settings: defineSettings({
        variables: { x: envVariable({ name, schema: envSchema.bool(), description: 'x' }) },
        build: (v) => v,
      }),
    });
    expect(() => loadConfig({}, '/srv', [...MODULES, clash('PORT')])).toThrow(
      'module "clash" declares the variable PORT, which the platform already declares.',
    );
    expect(() => loadConfig({}, '/srv', [...MODULES, clash('RABITA_SMTP_URL')])).toThrow(
      'module "clash" declares the variable RABITA_SMTP_URL, which module "workflows" already declares.',
    );
  });

  it('keeps the variable names operators already use', () => {
    const names = environmentTable()
      .match(/^\| `[A-Z_]+`/gm)
      ?.map((cell) => cell.slice(3, -1));
    expect(names).toEqual(
      expect.arrayContaining([
        'RABITA_WEBHOOKS_ALLOW_PRIVATE',
        'RABITA_MAIL_ALLOW_PRIVATE',
        'RABITA_CALLS_ALLOW_PRIVATE',
        'RABITA_MAIL_PARSE_THREADS',
        'RABITA_SMTP_URL',
        'RABITA_SMTP_FROM',
        'RABITA_WORKFLOW_STEPS_PER_MINUTE',
      ]),
    );
  });

  it('describes every variable in `rabita --help`, a module’s included', () => {
    const help = environmentHelp(withGreeter);
    expect(help).toContain('RABITA_GREETER_TIMES\n      How often it says it. Default: 1.');
    expect(help).toContain('RABITA_MAIL_PARSE_THREADS');
  });

  it('matches the settings table in docs/OPERATIONS.md', () => {
    const doc = fs.readFileSync(new URL('../../../docs/OPERATIONS.md', import.meta.url), 'utf8');
    const table = doc.match(/<!-- settings-table -->\n([\s\S]*?)\n<!-- \/settings-table -->/)?.[1];
    // On a change, paste the expected table (this test's failure shows it) between the two markers.
    expect(table).toBe(environmentTable());
  });
});
