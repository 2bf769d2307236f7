// The `rabita` command's program: its commands and their options (`main.ts`, the entry, loads it).
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  createImport,
  createUserWithWorkspace,
  DEMO_SIZES,
  type DemoSize,
  ENCODINGS,
  exportRecords,
  generateDemo,
  getImport,
  isAppError,
  operatorPrincipal,
  resetMfaByEmail,
  restoreBackup,
  restoreWorkspaceArchive,
  runImport,
  runningEmbeddedUrl,
  toCsv,
  toXlsx,
  writeBackup,
  writeWorkspaceArchive,
} from '@rabita/core';
import { createPool, openDatabase } from '@rabita/db';
import {
  type Config,
  createLogger,
  environmentHelp,
  isUserFacing,
  isWebProcess,
  loadConfig,
  StartupError,
  serveWebProcess,
  startDatabase,
  startRabita,
  startWorker,
} from '@rabita/server';
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import { stopOnSignal } from './shutdown.ts';

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

const program = new Command('rabita')
  .description('Rabita, the self-hostable CRM')
  .version('0.1.0')
  .showHelpAfterError()
  .addHelpText('after', (context) => (context.error ? '' : environmentHelp()));

program
  .command('start')
  .description('start the server (and the job worker unless RABITA_IN_PROCESS_WORKER=false)')
  .action(async () => {
    const config = configFromEnv();
    const log = createLogger(config);
    if (isWebProcess()) {
      // One of `rabita start`'s web processes (RABITA_WEB_PROCESSES above 1): it serves HTTP only.
      let stop = async () => {};
      const requestStop = stopOnSignal(log, () => stop());
      stop = await serveWebProcess(config, log, () => requestStop());
      return;
    }
    let giveUp: (error: Error) => void = () => {};
    const running = await startRabita(config, log, (error) => giveUp(error)).catch(fail);
    giveUp = stopOnSignal(log, running.stop);
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

user
  .command('reset-mfa')
  .description('remove the two-step sign-in of a person who lost their authenticator and recovery codes')
  .requiredOption('--email <email>', 'sign-in email')
  .action(async (options: { email: string }) => {
    const config = configFromEnv();
    const log = createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
    const database = await startDatabase(config, log).catch(fail);
    const handle = openDatabase(database.connectionString, { poolSize: 2 });
    try {
      const removed = await resetMfaByEmail(handle.db, options.email);
      process.stdout.write(
        removed
          ? `Two-step sign-in removed for ${options.email}; they sign in with their password and set it up again.\n`
          : `${options.email} has no account, or no two-step sign-in.\n`,
      );
    } catch (error) {
      await handle.close();
      await database.stop();
      fail(error);
    }
    await handle.close();
    await database.stop();
  });

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

/** Opens the database for a one-off command (migrating it first), and closes everything after `fn`. */
async function withDatabase<T>(fn: (handle: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  const config = configFromEnv();
  const log = createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const database = await startDatabase(config, log).catch(fail);
  const handle = openDatabase(database.connectionString, { poolSize: 3 });
  try {
    return await fn(handle);
  } finally {
    await handle.close();
    await database.stop();
  }
}

function checkWorkspaceId(id: string): void {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
    fail(new StartupError('--workspace must be a workspace id (a UUID).'));
}

program
  .command('import')
  .description('import a CSV or XLSX file into an object of a workspace, with a progress bar')
  .argument('<file>', 'the CSV or XLSX file')
  .requiredOption('--workspace <id>', 'the workspace id')
  .option(
    '--object <name>',
    'the object to import into (people, companies, or a custom object); leave it out to restore a workspace archive (.zip) into an empty workspace',
  )
  .option('--match-by <field>', 'match existing records by this field (e.g. emails)')
  .addOption(
    new Option('--on-match <action>', 'what to do with a matched row')
      .choices(['skip', 'update', 'create'])
      .default('skip'),
  )
  .option('--dry-run', 'count what would happen and list rejects, writing nothing')
  .addOption(
    new Option('--calendar <calendar>', 'the calendar dates are written in')
      .choices(['gregory', 'persian', 'islamic-umalqura'])
      .default('gregory'),
  )
  .option('--mapping <json>', 'column mapping as JSON {"header": "fieldKey"} (default: suggested)')
  .addOption(
    new Option('--encoding <encoding>', 'the file’s encoding (default: detected)').choices([...ENCODINGS]),
  )
  .action(
    async (
      file: string,
      options: {
        workspace: string;
        object?: string;
        matchBy?: string;
        onMatch: 'skip' | 'update' | 'create';
        dryRun?: boolean;
        calendar: 'gregory' | 'persian' | 'islamic-umalqura';
        mapping?: string;
        encoding?: (typeof ENCODINGS)[number];
      },
    ) => {
      checkWorkspaceId(options.workspace);
      if (!fs.existsSync(file)) fail(new StartupError(`There is no file ${file}.`));
      const object = options.object;
      if (!object) {
        if (!/\.zip$/i.test(file))
          fail(
            new StartupError(
              'Say which object to import into with --object (only a .zip archive needs none).',
            ),
          );
        const counts = await withDatabase(async ({ db }) =>
          restoreWorkspaceArchive({ db, principal: await operatorPrincipal(db, options.workspace) }, file),
        ).catch(fail);
        const summary = Object.entries(counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ');
        process.stdout.write(`Restored ${summary} into workspace ${options.workspace}.\n`);
        return;
      }
      let mapping: Record<string, string> | undefined;
      try {
        mapping = options.mapping ? (JSON.parse(options.mapping) as Record<string, string>) : undefined;
      } catch {
        fail(new StartupError('--mapping must be JSON, such as {"Email": "emails"}.'));
      }
      const view = await withDatabase(async ({ db }) => {
        const principal = await operatorPrincipal(db, options.workspace);
        const { id } = await createImport(
          { db, principal },
          { name: path.basename(file), stream: fs.createReadStream(file) },
          {
            object,
            mapping,
            matchBy: options.matchBy,
            onMatch: options.onMatch,
            dryRun: options.dryRun === true,
            dateCalendar: options.calendar,
            encoding: options.encoding,
          },
        );
        const bar = new cliProgress.SingleBar(
          {
            format: ' importing [{bar}] {value}/{total} rows, {speed} rows/s, {eta_formatted} left',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        const started = Date.now();
        let barStarted = false;
        await runImport(db, options.workspace, id, {
          onProgress: (done, total) => {
            if (!process.stderr.isTTY) return;
            if (!barStarted) {
              bar.start(total, 0, { speed: 0 });
              barStarted = true;
            }
            bar.update(done, { speed: Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)) });
          },
        });
        if (barStarted) bar.stop();
        return getImport({ db, principal }, id);
      }).catch(fail);
      const c = view.counts;
      process.stdout.write(
        `${view.dryRun ? 'Dry run: would create' : 'Created'} ${c.created}, ${view.dryRun ? 'update' : 'updated'} ${c.updated}, skipped ${c.skipped}, rejected ${c.rejected} of ${view.rowsTotal ?? 0} rows (import ${view.id}, ${view.status}).\n`,
      );
      for (const r of view.firstRejects) process.stdout.write(`  row ${r.row}: ${r.reason}\n`);
      if (view.status === 'failed') fail(new StartupError(view.error ?? 'The import failed.'));
    },
  );

program
  .command('export')
  .description(
    'export an object’s records to CSV or XLSX (by the file’s extension), or without --object the whole workspace as a zip archive',
  )
  .argument('<file>', 'the file to write (.csv, .xlsx, or .zip for the whole workspace)')
  .requiredOption('--workspace <id>', 'the workspace id')
  .option('--object <name>', 'the object to export (leave out for the whole workspace)')
  .option('--filter <json>', 'a filter, as for GET /objects/{object}')
  .action(async (file: string, options: { workspace: string; object?: string; filter?: string }) => {
    checkWorkspaceId(options.workspace);
    const object = options.object;
    if (!object) {
      const written = await withDatabase(async ({ db }) =>
        writeWorkspaceArchive(
          { db, principal: await operatorPrincipal(db, options.workspace) },
          fs.createWriteStream(file),
        ),
      ).catch(fail);
      process.stdout.write(`Exported ${written.objects.length} objects, metadata and timeline to ${file}.\n`);
      return;
    }
    let filter: unknown;
    try {
      filter = options.filter ? JSON.parse(options.filter) : undefined;
    } catch {
      fail(new StartupError('--filter must be JSON.'));
    }
    const count = await withDatabase(async ({ db }) => {
      const principal = await operatorPrincipal(db, options.workspace);
      const { fields, pages } = await exportRecords({ db, principal }, object, { filter });
      const bar = new cliProgress.SingleBar(
        { format: ' exporting {value} records', hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      if (process.stderr.isTTY) bar.start(0, 0);
      let n = 0;
      async function* counted() {
        for await (const page of pages) {
          n += page.length;
          if (process.stderr.isTTY) bar.update(n);
          yield page;
        }
      }
      const out = /\.xlsx$/i.test(file) ? toXlsx(fields, counted(), object) : toCsv(fields, counted());
      await pipeline(out, fs.createWriteStream(file));
      if (process.stderr.isTTY) bar.stop();
      return n;
    }).catch(fail);
    process.stdout.write(`Exported ${count} ${object} records to ${file}.\n`);
  });

program
  .command('backup')
  .description('write an online backup of the whole database, consistent to one instant, to a file')
  .argument('<file>', 'the backup file to write (a zip)')
  .action(async (file: string) => {
    const config = configFromEnv();
    const log = createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
    // A running Rabita holds the embedded database: copy it live rather than waiting for its lock.
    const live = config.databaseUrl ? undefined : await runningEmbeddedUrl(config.dataDir);
    const database = live
      ? { connectionString: live, stop: async () => {} }
      : await startDatabase(config, log).catch(fail);
    try {
      const manifest = await writeBackup(database.connectionString, file);
      const rows = manifest.tables.reduce((sum, t) => sum + t.rows, 0);
      process.stdout.write(
        `Backed up ${manifest.tables.length} tables (${rows} rows, schema ${manifest.migrations.at(-1)}) to ${file}.\n`,
      );
    } catch (error) {
      await database.stop();
      fail(error);
    }
    await database.stop();
  });

program
  .command('restore')
  .description('restore a backup into an empty data folder (RABITA_DATA) or empty database (DATABASE_URL)')
  .argument('<file>', 'the backup file written by rabita backup')
  .action(async (file: string) => {
    const config = configFromEnv();
    if (!fs.existsSync(file)) fail(new StartupError(`There is no file ${file}.`));
    const log = createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
    const database = await startDatabase(config, log).catch(fail);
    try {
      const manifest = await restoreBackup(database.connectionString, file);
      const rows = manifest.tables.reduce((sum, t) => sum + t.rows, 0);
      process.stdout.write(`Restored ${manifest.tables.length} tables (${rows} rows) from ${file}.\n`);
    } catch (error) {
      await database.stop();
      fail(error);
    }
    await database.stop();
  });

await program.parseAsync(process.argv);
