// A worker process for the workflows crash test (crash.test.ts). It creates the people it is told to (their writes
// start workflow runs), then runs Rabita's job worker with the product's task list, a short heartbeat and whatever
// RABITA_FAILPOINTS arms — so at a failpoint it dies by SIGKILL holding what it held, as `kill -9` leaves it.
import { openDatabase } from '@rabita/db';
import { Logger } from 'graphile-worker';
import pg from 'pg';
import { principalForMember } from '../auth/members.service.ts';
import { startJobWorker } from '../jobs/job-worker.ts';
import { createTaskList } from '../jobs/task-list.ts';
import { MODULES } from '../modules/index.ts';
import { installModules } from '../modules/registry.ts';
import { defaultSettings } from '../modules/settings.ts';
import { createRecord } from '../records/create-record.ts';
import { webhooksSettings } from '../webhooks/webhooks.settings.ts';
import { workflowsSettings } from './workflows.settings.ts';

installModules(MODULES);

const env = process.env;
const url = env.DATABASE_URL!;
const handle = openDatabase(url, { poolSize: 4 });
const pool = new pg.Pool({ connectionString: url, max: 5, application_name: 'rabita-crash-worker' });
pool.on('error', () => {});

const people = JSON.parse(env.CRASH_PEOPLE ?? '[]') as {
  firstName: string;
  jobTitle: string;
  email: string;
}[];
if (people.length > 0) {
  const principal = await principalForMember(handle.db, env.CRASH_USER!, env.CRASH_WORKSPACE!);
  if (!principal) throw new Error('the crash user is not a member of the crash workspace');
  for (const p of people) {
    await createRecord({ db: handle.db, principal }, 'people', {
      firstName: p.firstName,
      jobTitle: p.jobTitle,
      emails: [p.email],
    });
    process.stdout.write(`created ${p.firstName}\n`);
  }
}
process.stdout.write('created\n');

const runner = await startJobWorker({
  pgPool: pool,
  concurrency: Number(env.CRASH_CONCURRENCY ?? '2'),
  taskList: createTaskList({
    db: handle.db,
    session: { idleHours: 24, maxDays: 30 },
    settings: defaultSettings()
      .with(webhooksSettings, { allowPrivate: true })
      .with(workflowsSettings, { smtp: { url: env.CRASH_SMTP_URL!, from: 'crm@rabita.example' } }),
  }),
  crontab: '',
  logger: new Logger(() => (level, message) => {
    if (level === 'error') process.stderr.write(`${level}: ${message}\n`);
  }),
  // Short beats for a test. A pool killed before its first beat reached the table (a failpoint at the first
  // claim can win that race) has no heartbeat row: it is released once its lock is 5 s old, not the product's 15
  // minutes, so such a run cannot stall the test.
  heartbeat: { intervalMs: 300, staleAfterMs: 1200, orphanAfterMs: 5_000 },
  pollInterval: 100,
});
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  runner
    .stop()
    .then(() => Promise.all([pool.end(), handle.close()]))
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
});
