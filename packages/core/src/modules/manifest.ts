import type { Database, Tx } from '@rabita/db';
import type { RoleKey } from '@rabita/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Task } from 'graphile-worker';
import type { Migration, RawBuilder } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import type { ErrorStatuses } from '../errors/app-error.ts';
import type { RecordEvent } from '../events/record-event.ts';
import type { RouteDeps } from '../http/route-kit.ts';
import type { ObjectDef } from '../metadata/metadata.types.ts';

/**
 * What a module contributes to Rabita, declared in one file (`<module>/<module>.module.ts`). The server, the
 * worker and the record engine iterate the list of manifests (`modules/index.ts`); nothing else knows a module
 * by name. Every part is optional.
 */
export interface ModuleManifest {
  /** Stable, lower-case name (`sales`, `webhooks`). */
  key: string;
  /** The module's HTTP route plugins, registered under `/api/v1` (each declares its auth and schemas). */
  routes?: readonly RoutePlugin[] | undefined;
  /** Route plugins registered at the site's root, for public pages outside the API (a web form's page). */
  pages?: readonly RoutePlugin[] | undefined;
  /** Standard objects the module owns (their tables come from its migrations). */
  objects?: readonly ObjectDef[] | undefined;
  /**
   * Migrations the module owns, by permanent name (`<module>-0001-<what>`), applied after the platform's own in
   * name order. Frozen in time: they never import application code.
   */
  migrations?: Record<string, Migration> | undefined;
  /** Workspace-wide actions the module checks, and the built-in roles that get each one in a new workspace. */
  permissions?: readonly ActionGrant[] | undefined;
  /** The module's error codes and their HTTP statuses (its codes are declared on `ErrorStatuses`). */
  errors?: Partial<ErrorStatuses> | undefined;
  /** Code run inside a record write, before or after it, for one object. */
  hooks?: readonly RecordHooks[] | undefined;
  /** Code run for each record event, in the writing transaction or after it commits. */
  subscribers?: readonly EventSubscriber[] | undefined;
  /** Background tasks by name (`module:verb`), run by the job worker. */
  tasks?: Record<string, (deps: TaskDeps) => Task> | undefined;
  /** Recurring jobs, in the worker's crontab format (one line each). */
  crontab?: readonly string[] | undefined;
  /** Steps run inside the transaction that creates a workspace, in manifest order. */
  seeds?: readonly WorkspaceSeed[] | undefined;
  /** Entries a module adds to records' timelines. */
  timelineSources?: readonly TimelineSource[] | undefined;
  /** Record-data read surfaces the module serves, walked by the hidden-field test. */
  readSurfaces?: readonly string[] | undefined;
  /** Faster answers to some aggregates over the module's objects, from totals the module keeps. */
  aggregateShortcuts?: readonly AggregateShortcut[] | undefined;
}

/**
 * A faster answer to some aggregates over one object — from totals the module keeps up to date — tried before the
 * general query. The record engine has already checked the request (fields, metrics, the caller's rights) and
 * asks only when the caller reads every record of the object and gives no filter; the shortcut answers with the
 * same columns as the general query (`k0`, `k1`, `currency` when `money`, `m0`, `m1`, …, largest `m0` first, at
 * most `limit` rows), or undefined when it cannot.
 */
export interface AggregateShortcut {
  object: string;
  query(
    workspaceId: string,
    request: { groupBy: readonly string[]; metrics: readonly { fn: string; field?: string | undefined }[] },
    limit: number,
  ): { query: RawBuilder<Record<string, unknown>>; money: boolean } | undefined;
}

/** A module's route plugin, given the composition root's dependencies. */
export type RoutePlugin = FastifyPluginAsyncZod<RouteDeps>;

export interface ActionGrant {
  action: string;
  /** Built-in roles granted the action in a new workspace (`admin` always is). */
  roles: readonly RoleKey[];
}

/** What a task factory receives from the process that runs jobs. */
export interface TaskDeps {
  db: Database;
  session: { idleHours: number; maxDays: number };
  webhooksAllowPrivate: boolean;
  /** Outgoing email (workflows' sendEmail): the SMTP server's URL and From address, when the operator set one. */
  smtp?: { url: string; from: string | undefined } | undefined;
  /** Workflow steps a workspace may run a minute (RABITA_WORKFLOW_STEPS_PER_MINUTE); unlimited when absent. */
  workflowStepsPerMinute?: number | undefined;
}

/** Why a write happened: a person or key directly, or an automation run (so loops can be stopped). */
export interface WriteCause {
  /** The kind of automation (`workflow`, `sequence`, `sla`, `assignment`, …). */
  kind: string;
  /** The run that made the write. */
  runId: string;
  /** How many automated writes led to this one (0 for a run started by a person's write). */
  depth: number;
}

/** The transaction and caller a hook or in-transaction subscriber runs with. */
export interface WriteContext {
  trx: Tx;
  workspaceId: string;
  principal: Principal;
  /** Set when the write was made by automation. */
  cause?: WriteCause | undefined;
}

/** A record about to be written: its checked values, which a hook may change or add to. */
export interface Draft {
  /** The values being written, by field key, in their stored form. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Sets one field's value (already in stored form). */
  set(fieldKey: string, value: unknown): void;
}

/** A record as stored, every field present (hooks see all fields, whatever the caller's role). */
export type StoredRecord = Record<string, unknown> & { id: string };

/** Hooks for one object. A `before` hook may refuse the write by throwing an `AppError`. */
export interface RecordHooks {
  object: string;
  beforeCreate?(ctx: WriteContext, draft: Draft): Promise<void>;
  beforeUpdate?(ctx: WriteContext, draft: Draft, current: StoredRecord): Promise<void>;
  beforeDelete?(ctx: WriteContext, current: StoredRecord): Promise<void>;
  afterCreate?(ctx: WriteContext, record: StoredRecord): Promise<void>;
  afterUpdate?(ctx: WriteContext, record: StoredRecord, before: StoredRecord): Promise<void>;
  afterDelete?(ctx: WriteContext, record: StoredRecord): Promise<void>;
}

/**
 * Receives record events. `transaction` subscribers run inside the writing transaction (outbox rows, derived
 * data: a failure rolls the write back); `afterCommit` subscribers run once it has committed (fan-out that may
 * be lost on a crash and must not fail the write; durable follow-up work belongs in a job queued in-transaction).
 */
export interface EventSubscriber {
  name: string;
  phase: 'transaction' | 'afterCommit';
  /** Objects whose events it wants (all when absent). */
  objects?: readonly string[] | undefined;
  /** Event kinds it wants (all when absent). */
  kinds?: readonly RecordEvent['kind'][] | undefined;
  /**
   * Called with the events of one write (one for a single write; all of a bulk write's, in order). For
   * `afterCommit` subscribers `ctx.trx` is absent: open a transaction of your own.
   */
  handle(ctx: SubscriberContext, events: readonly RecordEvent[]): Promise<void>;
}

export interface SubscriberContext {
  db: Database;
  /** The writing transaction (`transaction` subscribers only). */
  trx?: Tx | undefined;
  workspaceId: string;
}

/** A step of creating a workspace (the default pipeline, starter data). */
export interface WorkspaceSeed {
  name: string;
  run(trx: Tx, workspace: { id: string; defaultLocale: string; defaultCurrency: string }): Promise<void>;
}

/** One entry a timeline source found: its id, its exact time (ISO 8601 UTC with microseconds), its data. */
export interface TimelineItem {
  id: string;
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, so entries order and page exactly. */
  at: string;
  /** The entry's own fields (sources without an `object` only; record entries are shown through the gate). */
  data?: Record<string, unknown> | undefined;
}

/**
 * Entries a module adds to records' timelines (activities linked to a person, tasks on a deal, emails). A source
 * whose entries are records of an `object` only finds which records belong where, newest first: their fields
 * reach the caller through the record engine's gate, so a hidden field or another owner's record never shows.
 */
export interface TimelineSource {
  /** The entry kind shown (`change`, `activity`, `task`, `email`). */
  kind: string;
  /** The object whose records the entries are (absent for entries that are not records, such as changes). */
  object?: string | undefined;
  /**
   * Up to `page.limit` entries for the subject record, newest first, strictly before `page.before` when given;
   * null when this source has nothing for records of that object or for this reader.
   */
  entries(
    trx: Tx,
    subject: {
      reader: Principal;
      workspaceId: string;
      object: string;
      recordId: string;
      objects: readonly ObjectDef[];
    },
    page: { limit: number; before?: { at: string; id: string } | undefined },
  ): Promise<TimelineItem[]> | null;
  /** The entry's fields from its record as the reader may see it (a hidden field is absent from `view`). */
  present?(view: Record<string, unknown>): Record<string, unknown>;
}
