import { createUserWithWorkspace, DEMO_SIZES, type DemoSize, generateDemo, isAppError } from '@rabita/core';
import { createPool, openDatabase } from '@rabita/db';
import {
  type Config,
  createLogger,
  isUserFacing,
  type Log,
  loadConfig,
  StartupError,
  startDatabase,
  startRabita,
  startWorker,
} from '@rabita/server';
import cliProgress from 'cli-progress';
import closeWithGrace from 'close-with-grace';
import { Command, Option } from 'commander';

/** Prints one sentence for a problem the user can fix, and exits non-zero without a stack trace. */
function fail(error: unknown): never {
  if (isUserFacing(error) || isAppError(error)) {
    process.stderr.write(`Rabita cannot continue: ${error.message}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`Rabita stopped on an unexpected error: ${message}\n`);
  }
  process.exit(1);
}

function configFromEnv(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    fail(error);
  }
}

/** Runs until SIGINT/SIGTERM, then calls `stop` once; a second signal or 30 s forces the exit. */
function stopOnSignal(log: Log, stop: () => Promise<void>): void {
  closeWithGrace({ delay: 30_000, logger: false }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'stopping after an unexpected error');
    else log.info({ signal }, 'stopping');
    await stop();
    log.info('stopped');
  });
}

const program = new Command('rabita')
  .description('Rabita, the self-hostable CRM')
  .version('0.1.0')
  .showHelpAfterError();

program
  .command('start')
  .description('start the server (and the job worker unless RABITA_IN_PROCESS_WORKER=false)')
  .action(async () => {
    const config = configFromEnv();
    const log = createLogger(config);
    const running = await startRabita(config, log).catch(fail);
    stopOnSignal(log, running.stop);
  });

program
  .command('worker')
  .description('run job workers only, against DATABASE_URL (scale out by running more of these)')
  .action(async () => {
    const config = configFromEnv();
    if (!config.databaseUrl) {
      fail(
        new StartupError(
          'rabita worker needs DATABASE_URL, because the embedded database belongs to `rabita start`; set DATABASE_URL to your PostgreSQL server.',
        ),
      );
    }
    const log = createLogger(config);
    const database = await startDatabase(config, log).catch(fail);
    const handle = openDatabase(database.connectionString, { poolSize: 4 });
    const runner = await startWorker(config, database.connectionString, handle.db, log).catch(fail);
    log.info('Rabita worker is running');
    stopOnSignal(log, async () => {
      await runner.stop();
      await handle.close();
      await database.stop();
    });
  });

program
  .command('migrate')
  .description('apply pending database migrations, then exit')
  .action(async () => {
    const config = configFromEnv();
    const log = createLogger(config);
    const database = await startDatabase(config, log).catch(fail);
    await database.stop();
    process.stdout.write('The database schema is current.\n');
  });

const user = program.command('user').description('manage accounts');
user
  .command('create')
  .description('create an account, with a new workspace of its own or in an existing one')
  .requiredOption('--email <email>', 'sign-in email')
  .requiredOption('--name <name>', 'display name')
  .addOption(
    new Option('--password <password>', 'password (at least 8 characters)')
      .env('RABITA_USER_PASSWORD')
      .makeOptionMandatory(),
  )
  .option('--workspace <id>', 'add to this existing workspace instead of creating one')
  .option('--workspace-name <name>', 'name of the new workspace')
  .option('--role <role>', 'role in an existing workspace', 'member')
  .action(
    async (options: {
      email: string;
      name: string;
      password: string;
      workspace?: string;
      workspaceName?: string;
      role: string;
    }) => {
      const config = configFromEnv();
      if (options.password.length < 8)
        fail(new StartupError('The password must have at least 8 characters; choose a longer one.'));
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(options.email.trim()))
        fail(new StartupError(`"${options.email}" is not an email address; pass one with --email.`));
      if (options.workspace && !/^[0-9a-f-]{36}$/i.test(options.workspace))
        fail(new StartupError('--workspace must be a workspace id (a UUID).'));
      const log = createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
      const database = await startDatabase(config, log).catch(fail);
      const handle = openDatabase(database.connectionString, { poolSize: 2 });
      try {
        const created = await createUserWithWorkspace(handle.db, {
          email: options.email,
          password: options.password,
          name: options.name,
          workspaceId: options.workspace,
          workspaceName: options.workspaceName,
          role: options.role,
        });
        process.stdout.write(
          `Created ${options.email} as ${created.role} of workspace ${created.workspaceId}.\n`,
        );
      } catch (error) {
        await handle.close();
        await database.stop();
        fail(error);
      }
      await handle.close();
      await database.stop();
    },
  );

program
  .command('demo')
  .description('load a realistic demo workspace in English, Arabic and Persian (deterministic from --seed)')
  .addOption(
    new Option('--size <size>', 'S (10k people), M (1M people) or L')
      .choices(Object.keys(DEMO_SIZES))
      .default('S'),
  )
  .option('--seed <n>', 'random seed', '20261122')
  .option('--email <email>', 'the demo admin’s sign-in email', 'demo@example.com')
  .addOption(
    new Option('--password <password>', 'the demo admin’s password')
      .env('RABITA_DEMO_PASSWORD')
      .default('rabita-demo'),
  )
  .action(async (options: { size: DemoSize; seed: string; email: string; password: string }) => {
    const config = configFromEnv();
    if (!/^\d{1,9}$/.test(options.seed)) fail(new StartupError('--seed must be a whole number.'));
    const log = createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
    const database = await startDatabase(config, log).catch(fail);
    const handle = openDatabase(database.connectionString, { poolSize: 2 });
    const owner = createPool(database.connectionString, 2, 'rabita-demo');
    const bar = new cliProgress.SingleBar(
      { format: ' {step} [{bar}] {value}/{total}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let current = '';
    const started = Date.now();
    try {
      const result = await generateDemo({
        owner,
        db: handle.db,
        size: options.size,
        seed: Number(options.seed),
        email: options.email,
        password: options.password,
        onProgress: (step, done, total) => {
          if (!process.stderr.isTTY) return;
          if (step !== current) {
            if (current) bar.stop();
            current = step;
            bar.start(total, done, { step: step.padEnd(10) });
          } else bar.update(done);
        },
      });
      if (current) bar.stop();
      const counts = Object.entries(result.counts)
        .map(([k, v]) => `${v.toLocaleString('en')} ${k}`)
        .join(', ');
      process.stdout.write(
        `Loaded ${counts} into workspace ${result.workspaceId} in ${((Date.now() - started) / 1000).toFixed(1)} s.\nSign in as ${options.email}.\n`,
      );
    } catch (error) {
      if (current) bar.stop();
      await owner.end();
      await handle.close();
      await database.stop();
      fail(error);
    }
    await owner.end();
    await handle.close();
    await database.stop();
  });

await program.parseAsync(process.argv);
