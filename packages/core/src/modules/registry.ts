import type { TaskList } from 'graphile-worker';
import type { Migration } from 'kysely';
import { COMMON_ERROR_STATUSES, type ErrorStatuses } from '../errors/app-error.ts';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import type {
  ActionGrant,
  AggregateShortcut,
  BackgroundService,
  EventSubscriber,
  FormTarget,
  MailIntake,
  ModuleEventDef,
  ModuleEventListener,
  ModuleManifest,
  RecordHooks,
  ReportMetric,
  RoutePlugin,
  TaskDeps,
  TimelineSource,
  WorkspaceSeed,
} from './manifest.ts';

/** Everything the installed modules declare, merged once: what the server, worker and engine iterate. */
export interface Registry {
  modules: readonly ModuleManifest[];
  routes: readonly RoutePlugin[];
  pages: readonly RoutePlugin[];
  objects: readonly ObjectDef[];
  /** Objects whose records a module keeps (`ObjectDef.keptBy`): object key → the module's key, and what they read. */
  keptObjects: ReadonlyMap<string, { module: string; readsFrom?: ObjectDef['readsFrom'] }>;
  migrations: Record<string, Migration>;
  actions: readonly string[];
  grants: readonly ActionGrant[];
  errors: Readonly<Record<string, number>>;
  hooks: ReadonlyMap<string, readonly RecordHooks[]>;
  subscribers: readonly EventSubscriber[];
  seeds: readonly WorkspaceSeed[];
  timelineSources: readonly TimelineSource[];
  readSurfaces: readonly string[];
  aggregateShortcuts: readonly AggregateShortcut[];
  mailIntakes: readonly MailIntake[];
  /** What web forms may make, by target object. */
  formTargets: ReadonlyMap<string, FormTarget>;
  /** The module events any module may announce, by key. */
  moduleEvents: ReadonlyMap<string, ModuleEventDef>;
  moduleEventListeners: readonly ModuleEventListener[];
  /** The metrics catalogue, in the modules' order. */
  reportMetrics: readonly ReportMetric[];
  crontab: string;
  services: readonly BackgroundService[];
  /**
   * The tasks the worker runs: all of them, or only the quick ones or only the long ones (each kind has slots of
   * its own; see `ModuleManifest.longTasks`).
   */
  taskList(deps: TaskDeps, slots?: TaskSlots): TaskList;
}

/** The two kinds of job slot a worker keeps. */
export type TaskSlots = 'quick' | 'long';

let installed: Registry | undefined;

function duplicate(kind: string, name: string, module: string): never {
  throw new Error(`Module "${module}" declares ${kind} "${name}", which another module already declares.`);
}

/**
 * Builds the registry from a list of manifests, refusing two modules that declare the same key, object, action,
 * error code, migration, task, form target, module event or environment variable. Pure: nothing is installed.
 */
export function buildRegistry(manifests: readonly ModuleManifest[]): Registry {
  const keys = new Set<string>();
  const objects = new Map<string, ObjectDef>();
  const migrations: Record<string, Migration> = {};
  const grants: ActionGrant[] = [];
  const errors: Record<string, number> = { ...COMMON_ERROR_STATUSES };
  const hooks = new Map<string, RecordHooks[]>();
  const taskFactories = new Map<string, ModuleManifest['tasks'] & object>();
  const taskNames = new Set<string>();
  const longTasks = new Set<string>();
  const formTargets = new Map<string, FormTarget>();
  const moduleEvents = new Map<string, ModuleEventDef>();
  const metricKeys = new Set<string>();
  const variables = new Set<string>();
  for (const m of manifests) {
    if (keys.has(m.key)) duplicate('the key', m.key, m.key);
    keys.add(m.key);
    for (const o of m.objects ?? []) {
      if (objects.has(o.key)) duplicate('the object', o.key, m.key);
      if (o.keptBy !== undefined && o.keptBy !== m.key)
        throw new Error(
          `Module "${m.key}" declares ${o.key} kept by "${o.keptBy}": a module keeps only its own.`,
        );
      objects.set(o.key, o);
    }
    for (const [name, migration] of Object.entries(m.migrations ?? {})) {
      if (name in migrations) duplicate('the migration', name, m.key);
      migrations[name] = migration;
    }
    for (const g of m.permissions ?? []) {
      if (grants.some((x) => x.action === g.action)) duplicate('the action', g.action, m.key);
      grants.push(g);
    }
    for (const [code, status] of Object.entries(m.errors ?? {})) {
      if (code in errors) duplicate('the error code', code, m.key);
      errors[code] = status as number;
    }
    for (const target of m.formTargets ?? []) {
      if (formTargets.has(target.object)) duplicate('the form target', target.object, m.key);
      formTargets.set(target.object, target);
    }
    for (const e of m.moduleEvents ?? []) {
      if (moduleEvents.has(e.key)) duplicate('the module event', e.key, m.key);
      moduleEvents.set(e.key, e);
    }
    for (const metric of m.reportMetrics ?? []) {
      if (metricKeys.has(metric.key)) duplicate('the report metric', metric.key, m.key);
      metricKeys.add(metric.key);
    }
    for (const v of m.settings?.variables ?? []) {
      if (variables.has(v.name)) duplicate('the environment variable', v.name, m.key);
      variables.add(v.name);
    }
    for (const h of m.hooks ?? []) hooks.set(h.object, [...(hooks.get(h.object) ?? []), h]);
    if (m.tasks) {
      for (const name of Object.keys(m.tasks)) {
        if (taskNames.has(name)) duplicate('the task', name, m.key);
        taskNames.add(name);
      }
      taskFactories.set(m.key, m.tasks);
    }
    for (const name of m.longTasks ?? []) {
      if (!m.tasks || !(name in m.tasks))
        throw new Error(`Module "${m.key}" marks "${name}" as a long task but declares no such task.`);
      longTasks.add(name);
    }
  }
  const list = [...manifests];
  return {
    modules: list,
    routes: list.flatMap((m) => m.routes ?? []),
    pages: list.flatMap((m) => m.pages ?? []),
    objects: [...objects.values()].sort((a, b) => (a.position ?? 1000) - (b.position ?? 1000)),
    keptObjects: new Map(
      [...objects.values()].flatMap((o) =>
        o.keptBy ? [[o.key, { module: o.keptBy, readsFrom: o.readsFrom }] as const] : [],
      ),
    ),
    migrations,
    actions: grants.map((g) => g.action),
    grants,
    errors,
    hooks,
    subscribers: list.flatMap((m) => m.subscribers ?? []),
    seeds: list.flatMap((m) => m.seeds ?? []),
    timelineSources: list.flatMap((m) => m.timelineSources ?? []),
    readSurfaces: list.flatMap((m) => m.readSurfaces ?? []),
    aggregateShortcuts: list.flatMap((m) => m.aggregateShortcuts ?? []),
    mailIntakes: list.flatMap((m) => m.mailIntakes ?? []),
    formTargets,
    moduleEvents,
    moduleEventListeners: list.flatMap((m) => m.moduleEventListeners ?? []),
    reportMetrics: list.flatMap((m) => m.reportMetrics ?? []),
    crontab: list.flatMap((m) => m.crontab ?? []).join('\n'),
    services: list.flatMap((m) => m.services ?? []),
    taskList(deps, slots) {
      const tasks: TaskList = {};
      for (const factories of taskFactories.values())
        for (const [name, make] of Object.entries(factories))
          if (slots === undefined || (slots === 'long') === longTasks.has(name)) tasks[name] = make(deps);
      return tasks;
    },
  };
}

/**
 * Installs the modules this process runs (the composition root does it once, before serving or working; tests
 * may install a list with a module of their own). Installing again replaces the list.
 */
export function installModules(manifests: readonly ModuleManifest[]): Registry {
  installed = buildRegistry(manifests);
  return installed;
}

/** The installed modules, merged, or nothing before they are installed (a unit test of a pure part). */
export function installedRegistry(): Registry | undefined {
  return installed;
}

/** The installed modules, merged. */
export function registry(): Registry {
  if (!installed)
    throw new Error("Rabita's modules are not installed: call installModules(MODULES) at start-up.");
  return installed;
}

/** The HTTP status of an error code, as its module declared it (500 for a code no module declares). */
export function statusOfCode(code: string): number {
  return registry().errors[code] ?? 500;
}

export type { ErrorStatuses };
