import type { Database } from '@rabita/db';
import type { TaskList } from 'graphile-worker';
import { deleteExpiredSessions, type SessionPolicy } from '../auth/sessions.service.ts';
import { runPendingImports } from '../imports/imports.service.ts';
import { runPendingReindexes } from '../search/reindex.service.ts';
import { deliverDueWebhooks } from '../webhooks/webhook-delivery.ts';

/** Recurring jobs, in graphile-worker's crontab format. */
export const CRONTAB = [
  '0 * * * * rabita:cleanup ?max=1',
  '* * * * * rabita:webhook-deliver ?max=1',
  '* * * * * rabita:search-reindex ?max=1',
  '* * * * * rabita:import ?max=1',
].join('\n');

/** Every background task Rabita runs, keyed by name. Modules add theirs here. */
export function createTaskList(deps: {
  db: Database;
  session: SessionPolicy;
  webhooksAllowPrivate?: boolean | undefined;
}): TaskList {
  return {
    /** Rebuilds search documents of objects whose searchable fields changed (queued by metadata changes). */
    'rabita:search-reindex': async (_payload, helpers) => {
      const batches = await runPendingReindexes(deps.db);
      if (batches > 0) helpers.logger.info(`search: ${batches} reindex batches`);
    },
    /** Sends due webhook deliveries (queued by each write once it commits, and every minute for retries). */
    'rabita:webhook-deliver': async (_payload, helpers) => {
      const sent = await deliverDueWebhooks(deps.db, { allowPrivate: deps.webhooksAllowPrivate ?? false });
      if (sent > 0) helpers.logger.info(`webhooks: ${sent} deliveries attempted`);
    },
    /** Runs queued imports, and resumes any whose runner died (queued by each upload, and every minute). */
    'rabita:import': async (_payload, helpers) => {
      const ran = await runPendingImports(deps.db);
      if (ran > 0) helpers.logger.info(`imports: ${ran} run`);
    },
    /** Hourly housekeeping: expired sessions and spent rate-limit counters. */
    'rabita:cleanup': async (_payload, helpers) => {
      const sessions = await deleteExpiredSessions(deps.db, deps.session);
      const limits = await deps.db
        .deleteFrom('rateLimits')
        .where('expire', '<', String(Date.now()))
        .executeTakeFirst();
      helpers.logger.info(
        `cleanup: ${sessions} sessions, ${Number(limits.numDeletedRows)} rate-limit counters`,
      );
    },
  };
}
