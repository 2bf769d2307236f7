import type { Database, Tx } from '@rabita/db';
import type { Labels, RoleKey } from '@rabita/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Task } from 'graphile-worker';
import type { Migration, RawBuilder } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import type { SecretBox } from '../auth/secret-box.ts';
import type { ErrorStatuses } from '../errors/app-error.ts';
import type { RecordEvent } from '../events/record-event.ts';
import type { RouteDeps } from '../http/route-kit.ts';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import type { Permissions } from '../roles/permissions.ts';
import type { ModuleSettingsDecl, SettingsReader } from './settings.ts';

/**
 * What a module contributes to Rabita, declared in one file (`<module>/<module>.module.ts`). The server, the
 * worker and the record engine iterate the list of manifests (`modules/index.ts`); nothing else knows a module
 * by name. Every part is optional.
 */
export interface ModuleManifest {
  /** Stable, lower-case name (`sales`, `webhooks`). */
  key: string;
  /**
   * The environment variables the module reads and the settings object it makes of them (`defineSettings`, in
   * `<module>.settings.ts`). They are read with the platform's in one pass at start-up, every problem listed
   * before the process exits; routes and tasks read the result with `deps.settings.of(decl)`.
   */
  settings?: ModuleSettingsDecl<unknown> | undefined;
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
  /**
   * Which of the module's tasks may run for minutes or hold much memory (an import's reader, a re-index, a rescore
   * of every lead). The worker runs them in slots of their own (`RABITA_WORKER_LONG_CONCURRENCY`), so they never
   * keep the quick jobs (workflow steps, SLA deadlines, sends) waiting.
   */
  longTasks?: readonly string[] | undefined;
  /** Recurring jobs, in the worker's crontab format (one line each). */
  crontab?: readonly string[] | undefined;
  /**
   * Long-running work the worker process keeps going beside its job slots (a mailbox's IDLE connection would hold
   * a slot for hours): started with the job worker, stopped before it.
   */
  services?: readonly BackgroundService[] | undefined;
  /** Steps run inside the transaction that creates a workspace, in manifest order. */
  seeds?: readonly WorkspaceSeed[] | undefined;
  /** Entries a module adds to records' timelines. */
  timelineSources?: readonly TimelineSource[] | undefined;
  /** Record-data read surfaces the module serves, walked by the hidden-field test. */
  readSurfaces?: readonly string[] | undefined;
  /**
   * Mail the module takes in: each new message a mailbox sync stores from outside the workspace (a customer
   * writing to a shared mailbox), handed over inside the storing transaction, so taking it and storing it succeed
   * or fail together.
   */
  mailIntakes?: readonly MailIntake[] | undefined;
  /**
   * The module's entries in the reports' metrics catalogue (pipeline by stage, SLA compliance…): each a report
   * definition with its name and formula in words, which users run and copy into their own reports.
   */
  reportMetrics?: readonly ReportMetric[] | undefined;
  /** Faster answers to some aggregates over the module's objects, from totals the module keeps. */
  aggregateShortcuts?: readonly AggregateShortcut[] | undefined;
  /**
   * What a web form may make of the module's objects (a lead, a ticket): the fields such a form may ask for and
   * how a clean submission becomes records. The form engine (sales `web-forms.*`) keeps the forms, their spam
   * protection and submissions; it calls the target and never touches the target's tables.
   */
  formTargets?: readonly FormTarget[] | undefined;
  /**
   * Things that happen in the module which are not record writes (a web form submitted, an email received, a call
   * ended), announced with `announce` (events/module-events.ts) inside the transaction they happen in. Workflows
   * can start on them; announcing a key no module declares is a programming error.
   */
  moduleEvents?: readonly ModuleEventDef[] | undefined;
  /** Code run for each announced module event, in the announcing transaction (workflows start their runs). */
  moduleEventListeners?: readonly ModuleEventListener[] | undefined;
}

/** One metric of the catalogue (see `ModuleManifest.reportMetrics`). */
export interface ReportMetric {
  /** `module.metric`, such as `sales.winRate`. */
  key: string;
  names: Labels;
  /** How it is computed, in words a user checks it by. */
  formula: Labels;
  /** A report definition (the reports module's `ReportDefinition`; checked when the registry is built). */
  definition: { object: string } & Record<string, unknown>;
  /** Each measure's name in every language, by place (its `label` in the definition is the English one). */
  measureNames?: (Labels | null)[] | undefined;
}

/** A kind of module event (see `ModuleManifest.moduleEvents`). */
export interface ModuleEventDef {
  /** `module.event`, such as `sales.formSubmitted`. */
  key: string;
  /**
   * The object of the record the event is about (`people` for a received email), `*` when it varies (a form's
   * target), absent when it is about no record.
   */
  object?: string | undefined;
  /** The names its payload holds (readable in workflow expressions as `trigger.payload.<name>`). */
  payload: readonly string[];
}

/** One announced module event. */
export interface ModuleEvent {
  key: string;
  /** This occurrence's own id: announcing the same occurrence twice starts nothing new. */
  id: string;
  /** The record it is about, when it is about one. */
  record?: { object: string; id: string } | undefined;
  /** Only what any reader of the record may see: never values of the record's fields (runs read those through roles). */
  payload: Readonly<Record<string, unknown>>;
  /** The member whose action it was (a form or an inbound email has none). */
  actorUserId?: string | null | undefined;
  /** The automation that led to it, if any (so loops stop). */
  cause?: WriteCause | undefined;
}

/** Code run for each module event (see `ModuleManifest.moduleEventListeners`). */
export interface ModuleEventListener {
  name: string;
  handle(ctx: { trx: Tx; workspaceId: string }, event: ModuleEvent): Promise<void>;
}

/** One field a web form may ask for, as the form engine shows and checks it. */
export interface FormTargetField {
  /** The name the form posts it under (an object's field key, or a name of the target's own such as `email`). */
  key: string;
  /** How it is typed in one box: `text`, `longText`, `number`, `email`, `phone`, `url` or `select`. */
  type: string;
  labels: Labels;
  /** Must be filled whenever it is on a form. */
  required: boolean;
  /** Must be on every form of the target (the record cannot be made without it). */
  mustAsk: boolean;
  options?: { value: string; labels: Labels }[] | undefined;
  /**
   * The record field its value ends up in (`people.emails` for a ticket form's `email`), so a reader whose role
   * hides that field does not see the value in the form's submissions either; the target object's field of the
   * same key when absent.
   */
  storedAs?: { object: string; field: string } | undefined;
}

/** What the form engine hands a target with a clean submission. */
export interface FormSubmission {
  trx: Tx;
  workspaceId: string;
  /** The form's own principal: no person, holding exactly the target's `rights`. */
  principal: Principal;
  form: { id: string; name: string; locale: 'en' | 'ar' | 'fa' };
  /** The submission being turned into records (the write's cause, for loops and audit). */
  submissionId: string;
  /** The submission's values by field key: trimmed, non-empty, only fields the form asks for. */
  values: Readonly<Record<string, string>>;
  utm: { source: string | null; medium: string | null; campaign: string | null };
}

/**
 * A kind of record a web form makes (`ModuleManifest.formTargets`). The form engine asks `fields` what a form
 * may ask for, checks forms and submissions against them, and for a clean submission calls `create` in the
 * submission's transaction, as the form's principal (created through the record engine, so hooks, audit, search,
 * assignment and SLA apply as for any write).
 */
export interface FormTarget {
  /** The object the form makes a record of (`leads`, `tickets`); a form names its target by it. */
  object: string;
  /** The fields a form of this target may ask for, in the order a new form offers them. */
  fields(trx: Tx, workspaceId: string): Promise<FormTargetField[]>;
  /** The object rights the form's principal holds (read to find records, create to make them). */
  rights: Permissions['objects'];
  /** The target object's field the submission's UTM source is written to, if any (hidden with it). */
  utmSourceField?: string | undefined;
  /**
   * Makes the records a clean submission asks for; returns the id of the target object's record. A refusal is an
   * `AppError` whose `errors` name the form's field keys (the engine prefixes them with `fields.`).
   */
  create(submission: FormSubmission): Promise<string>;
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

/** A message from outside the workspace, as the mailbox sync stored it (see `ModuleManifest.mailIntakes`). */
export interface InboundMail {
  /** The stored message's id (the email module's). */
  id: string;
  threadId: string;
  /** Its Message-ID, without angle brackets. */
  messageId: string;
  /** The mailbox it was found in. */
  mailbox: { id: string; address: string };
  subject: string;
  from: { address: string; name: string | undefined } | undefined;
  to: readonly string[];
  cc: readonly string[];
  /** The text (HTML turned to text when the message has no text part). */
  text: string;
  sentAt: Date;
  /** An auto-reply (`Auto-Submitted`, `Precedence: bulk`, an out-of-office subject): never a person writing. */
  autoReply: boolean;
  /** A delivery report (a bounce). */
  bounce: boolean;
  /** Records the message is linked to, its thread's links included. */
  links: readonly { object: string; recordId: string }[];
}

/** Takes in inbound mail for a module (see `ModuleManifest.mailIntakes`). */
export interface MailIntake {
  name: string;
  take(ctx: { trx: Tx; workspaceId: string }, mail: InboundMail): Promise<void>;
}

/** A module's route plugin, given the composition root's dependencies. */
export type RoutePlugin = FastifyPluginAsyncZod<RouteDeps>;

export interface ActionGrant {
  action: string;
  /** Built-in roles granted the action in a new workspace (`admin` always is). */
  roles: readonly RoleKey[];
}

/** A module's long-running work in the worker process (see `ModuleManifest.services`). */
export interface BackgroundService {
  name: string;
  start(deps: TaskDeps): { stop(): Promise<void> };
}

/**
 * What a task factory and a background service receive from the process that runs jobs: the platform's facts
 * (the database, the public address, the secret box) and every installed module's settings.
 */
export interface TaskDeps {
  db: Database;
  session: { idleHours: number; maxDays: number };
  /** Each installed module's settings (`deps.settings.of(webhooksSettings)`). */
  settings: SettingsReader;
  /** RABITA_PUBLIC_URL, for links in what jobs send (tracked links, surveys, report pages). */
  publicUrl?: string | undefined;
  /** Where work that waits on notifications connects (the database; a LISTEN connection of its own). */
  listen?: { connectionString: string } | undefined;
  /** Opens secrets kept at rest (mailbox passwords); its key is read when first needed. */
  secrets?: { get(): Promise<SecretBox> } | undefined;
  /** Reports what background work does (a skipped message, a mailbox failing). */
  log?:
    | ((level: 'info' | 'warn' | 'error', message: string, detail?: Record<string, unknown>) => void)
    | undefined;
}

/** Why a write happened: a person or key directly, or an automation run (so loops can be stopped). */
export interface WriteCause {
  /** The kind of automation (`workflow`, `sequence`, `sla`, `assignment`, …). */
  kind: string;
  /** The run that made the write. */
  runId: string;
  /** How many automated writes led to this one (0 for a run started by a person's write). */
  depth: number;
  /** What the automation is called (a workflow's name), for histories of writes made with no user. */
  name?: string | undefined;
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
  /**
   * Its after-hooks may write the record again in the same transaction (a summary the module keeps on it, such as
   * a ticket's SLA status): the engine then reads the record back before answering, so the caller sees what was
   * stored rather than what was stored before the hook's own write.
   */
  rewritesAfter?: boolean | undefined;
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
