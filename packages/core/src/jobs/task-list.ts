import type { Database } from '@rabita/db';
import type { TaskList } from 'graphile-worker';
import type { SessionPolicy } from '../auth/sessions.service.ts';
import type { TaskDeps } from '../modules/manifest.ts';
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
  secrets?: TaskDeps['secrets'];
  mail?: TaskDeps['mail'];
  calls?: TaskDeps['calls'];
  log?: TaskDeps['log'];
}): TaskList {
  return registry().taskList(taskDeps(deps));
}

/** The dependencies tasks and background services get, from what the process was started with. */
export function taskDeps(deps: Parameters<typeof createTaskList>[0]): TaskDeps {
  return {
    db: deps.db,
    session: deps.session,
    webhooksAllowPrivate: deps.webhooksAllowPrivate ?? false,
    smtp: deps.smtp,
    workflowStepsPerMinute: deps.workflowStepsPerMinute,
    secrets: deps.secrets,
    mail: deps.mail,
    calls: deps.calls,
    log: deps.log,
  };
}

/** Starts every installed module's background services; the returned function stops them all. */
export function startServices(deps: TaskDeps): () => Promise<void> {
  const running = registry().services.map((s) => ({ name: s.name, handle: s.start(deps) }));
  return async () => {
    await Promise.all(running.map((r) => r.handle.stop()));
  };
}
