import type { Database } from '@rabita/db';
import type { TaskList } from 'graphile-worker';
import type { SessionPolicy } from '../auth/sessions.service.ts';
import { registry } from '../modules/registry.ts';

/** Recurring jobs of every installed module, in graphile-worker's crontab format. */
export function crontab(): string {
  return registry().crontab;
}

/** Every background task of the installed modules, keyed by name. Modules declare theirs in their manifests. */
export function createTaskList(deps: {
  db: Database;
  session: SessionPolicy;
  webhooksAllowPrivate?: boolean | undefined;
  smtp?: { url: string; from: string | undefined } | undefined;
  workflowStepsPerMinute?: number | undefined;
}): TaskList {
  return registry().taskList({
    db: deps.db,
    session: deps.session,
    webhooksAllowPrivate: deps.webhooksAllowPrivate ?? false,
    smtp: deps.smtp,
    workflowStepsPerMinute: deps.workflowStepsPerMinute,
  });
}
