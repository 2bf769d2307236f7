import type { TaskList } from 'graphile-worker';
import type { TaskDeps } from '../modules/manifest.ts';
import { registry } from '../modules/registry.ts';
import { defaultSettings, type SettingsReader } from '../modules/settings.ts';

/** Recurring jobs of every installed module, in graphile-worker's crontab format. */
export function crontab(): string {
  return registry().crontab;
}

/** Every background task of the installed modules, keyed by name. Modules declare theirs in their manifests. */
export function createTaskList(deps: TaskDepsInput): TaskList {
  return registry().taskList(taskDeps(deps));
}

/** What a process that runs jobs has to give (every module's defaults when it gives no settings). */
export type TaskDepsInput = Omit<TaskDeps, 'settings'> & { settings?: SettingsReader | undefined };

/** The dependencies tasks and background services get, from what the process was started with. */
export function taskDeps(deps: TaskDepsInput): TaskDeps {
  return {
    db: deps.db,
    session: deps.session,
    settings: deps.settings ?? defaultSettings(),
    publicUrl: deps.publicUrl,
    listen: deps.listen,
    secrets: deps.secrets,
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
