import type { Database } from '@rabita/db';
import type { TaskList } from 'graphile-worker';
import { deleteExpiredSessions, type SessionPolicy } from '../auth/sessions.service.ts';

/** Recurring jobs, in graphile-worker's crontab format. */
export const CRONTAB = '0 * * * * rabita:cleanup ?max=1';

/** Every background task Rabita runs, keyed by name. Modules add theirs here. */
export function createTaskList(deps: { db: Database; session: SessionPolicy }): TaskList {
  return {
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
