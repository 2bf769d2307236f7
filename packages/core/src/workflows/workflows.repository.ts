import type { Database, Tx } from '@rabita/db';
import { type Kysely, sql } from 'kysely';
import type { RunStatus, WorkflowDefinition, WorkflowSettings } from './definition.ts';

// The workflows module's SQL. Its tables belong to its own migration, so they are written by column name
// without the generated types (executor first, as every repository).

const raw = (executor: Database | Tx) => executor.withoutPlugins() as unknown as Kysely<unknown>;

export interface WorkflowRow {
  id: string;
  name: string;
  description: string | null;
  enabled: boolean;
  draft: WorkflowDefinition;
  settings: WorkflowSettings;
  owner_user_id: string | null;
  current_version: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface VersionRow {
  workflow_id: string;
  version: number;
  definition: WorkflowDefinition;
  settings: WorkflowSettings;
  published_by: string | null;
  published_at: Date;
}

export interface RunRow {
  id: string;
  workflow_id: string;
  version: number;
  trigger_key: string;
  trigger_object: string | null;
  trigger_record_id: string | null;
  trigger: Record<string, unknown>;
  status: RunStatus;
  reason: string | null;
  depth: number;
  started_by: string | null;
  current_step: string | null;
  outputs: Record<string, unknown>;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  error: string | null;
}

export interface StepRunRow {
  id: string;
  run_id: string;
  sequence: number;
  step_id: string;
  step_type: string;
  status: string;
  attempt: number;
  input: unknown;
  output: unknown;
  error: string | null;
  idempotency_key: string | null;
  started_at: Date;
  finished_at: Date | null;
}

const WORKFLOW_COLUMNS = sql`id, name, description, enabled, draft, settings, owner_user_id, current_version, created_at, updated_at`;

export async function insertWorkflow(
  trx: Tx,
  w: {
    workspaceId: string;
    id: string;
    name: string;
    description: string | null;
    draft: WorkflowDefinition;
    settings: WorkflowSettings;
    ownerUserId: string | null;
  },
): Promise<WorkflowRow> {
  const { rows } = await sql<WorkflowRow>`
    insert into workflows (workspace_id, id, name, description, draft, settings, owner_user_id)
    values (${w.workspaceId}, ${w.id}, ${w.name}, ${w.description}, ${JSON.stringify(w.draft)}::jsonb,
            ${JSON.stringify(w.settings)}::jsonb, ${w.ownerUserId})
    returning ${WORKFLOW_COLUMNS}`.execute(raw(trx));
  return rows[0]!;
}

export async function selectWorkflows(trx: Tx, workspaceId: string): Promise<WorkflowRow[]> {
  const { rows } = await sql<WorkflowRow>`
    select ${WORKFLOW_COLUMNS} from workflows
    where workspace_id = ${workspaceId} and deleted_at is null order by created_at, id`.execute(raw(trx));
  return rows;
}

export async function selectWorkflow(
  trx: Tx,
  workspaceId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<WorkflowRow | undefined> {
  const { rows } = await sql<WorkflowRow>`
    select ${WORKFLOW_COLUMNS} from workflows
    where workspace_id = ${workspaceId} and id = ${id} and deleted_at is null
    ${options.lock ? sql`for update` : sql``}`.execute(raw(trx));
  return rows[0];
}

export async function updateWorkflowRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  patch: {
    name?: string | undefined;
    description?: string | null | undefined;
    enabled?: boolean | undefined;
    draft?: WorkflowDefinition | undefined;
    settings?: WorkflowSettings | undefined;
    currentVersion?: number | undefined;
    deleted?: boolean | undefined;
  },
): Promise<WorkflowRow | undefined> {
  const sets = [sql`updated_at = now()`];
  if (patch.name !== undefined) sets.push(sql`name = ${patch.name}`);
  if (patch.description !== undefined) sets.push(sql`description = ${patch.description}`);
  if (patch.enabled !== undefined) sets.push(sql`enabled = ${patch.enabled}`);
  if (patch.draft !== undefined) sets.push(sql`draft = ${JSON.stringify(patch.draft)}::jsonb`);
  if (patch.settings !== undefined) sets.push(sql`settings = ${JSON.stringify(patch.settings)}::jsonb`);
  if (patch.currentVersion !== undefined) sets.push(sql`current_version = ${patch.currentVersion}`);
  if (patch.deleted) sets.push(sql`deleted_at = now(), enabled = false`);
  const { rows } = await sql<WorkflowRow>`
    update workflows set ${sql.join(sets)}
    where workspace_id = ${workspaceId} and id = ${id} and deleted_at is null
    returning ${WORKFLOW_COLUMNS}`.execute(raw(trx));
  return rows[0];
}

export async function insertVersion(
  trx: Tx,
  v: {
    workspaceId: string;
    workflowId: string;
    version: number;
    definition: WorkflowDefinition;
    settings: WorkflowSettings;
    publishedBy: string | null;
  },
): Promise<void> {
  await sql`
    insert into workflow_versions (workspace_id, workflow_id, version, definition, settings, published_by)
    values (${v.workspaceId}, ${v.workflowId}, ${v.version}, ${JSON.stringify(v.definition)}::jsonb,
            ${JSON.stringify(v.settings)}::jsonb, ${v.publishedBy})`.execute(raw(trx));
}

export async function selectVersions(
  trx: Tx,
  workspaceId: string,
  workflowId: string,
): Promise<VersionRow[]> {
  const { rows } = await sql<VersionRow>`
    select workflow_id, version, definition, settings, published_by, published_at from workflow_versions
    where workspace_id = ${workspaceId} and workflow_id = ${workflowId} order by version desc`.execute(
    raw(trx),
  );
  return rows;
}

export async function selectVersion(
  trx: Tx,
  workspaceId: string,
  workflowId: string,
  version: number,
): Promise<VersionRow | undefined> {
  const { rows } = await sql<VersionRow>`
    select workflow_id, version, definition, settings, published_by, published_at from workflow_versions
    where workspace_id = ${workspaceId} and workflow_id = ${workflowId} and version = ${version}`.execute(
    raw(trx),
  );
  return rows[0];
}

/**
 * The workspace's enabled workflows with a published version, each with that version and its owner's role's
 * permissions (null when the owner is no longer a member): the trigger's query.
 */
export async function selectActiveWorkflows(
  trx: Tx,
  workspaceId: string,
): Promise<(VersionRow & { owner_user_id: string | null; owner_permissions: unknown })[]> {
  const { rows } = await sql<VersionRow & { owner_user_id: string | null; owner_permissions: unknown }>`
    select v.workflow_id, v.version, v.definition, v.settings, v.published_by, v.published_at, w.owner_user_id,
           r.permissions as owner_permissions
    from workflows w
      join workflow_versions v on v.workspace_id = w.workspace_id and v.workflow_id = w.id
        and v.version = w.current_version
      left join memberships m on m.workspace_id = w.workspace_id and m.user_id = w.owner_user_id
      left join roles r on r.workspace_id = m.workspace_id and r.id = m.role_id
    where w.workspace_id = ${workspaceId} and w.enabled and w.deleted_at is null
      and w.current_version is not null`.execute(raw(trx));
  return rows;
}

/** Inserts a run unless one exists for the workflow and trigger key; the new run's id, or undefined. */
export async function insertRun(
  trx: Tx,
  r: {
    workspaceId: string;
    id: string;
    workflowId: string;
    version: number;
    triggerKey: string;
    triggerObject: string | null;
    triggerRecordId: string | null;
    trigger: Record<string, unknown>;
    status: RunStatus;
    reason: string | null;
    depth: number;
    startedBy: string | null;
    currentStep: string | null;
  },
): Promise<string | undefined> {
  const terminal = r.status === 'skipped' || r.status === 'succeeded';
  const { rows } = await sql<{ id: string }>`
    insert into workflow_runs (workspace_id, id, workflow_id, version, trigger_key, trigger_object,
      trigger_record_id, trigger, status, reason, depth, started_by, current_step, finished_at)
    values (${r.workspaceId}, ${r.id}, ${r.workflowId}, ${r.version}, ${r.triggerKey}, ${r.triggerObject},
      ${r.triggerRecordId}, ${JSON.stringify(r.trigger)}::jsonb, ${r.status}, ${r.reason}, ${r.depth},
      ${r.startedBy}, ${r.currentStep}, ${terminal ? sql`now()` : null})
    on conflict (workspace_id, workflow_id, trigger_key) do nothing
    returning id`.execute(raw(trx));
  return rows[0]?.id;
}

/** A queued run's reason while it waits for an earlier run of its workflow on the same record (concurrency `queue`). */
export const HELD = 'queued behind an earlier run';

/**
 * Serialises the runs of one workflow on one record (until the transaction ends): the trigger that decides whether
 * a new run waits, and the end of a run that starts the next waiting one, take it in turn, so none is left waiting.
 */
export async function lockRecordRuns(trx: Tx, workflowId: string, recordId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`workflow-runs:${workflowId}:${recordId}`}, 0))`.execute(
    raw(trx),
  );
}

/**
 * A record's standing with a workflow: whether a run of it is active (queued, running, waiting), whether one ever
 * finished (succeeded or failed), and whether the last finished within the cool-down.
 */
export async function enrolmentOf(
  trx: Tx,
  workspaceId: string,
  workflowId: string,
  recordId: string,
  cooldownMinutes: number,
): Promise<{ active: boolean; finished: boolean; inCooldown: boolean }> {
  const { rows } = await sql<{ active: boolean; finished: boolean; in_cooldown: boolean }>`
    select
      coalesce(bool_or(status in ('queued', 'running', 'waiting')), false) as active,
      coalesce(bool_or(status in ('succeeded', 'failed')), false) as finished,
      coalesce(bool_or(status in ('succeeded', 'failed')
        and finished_at > now() - make_interval(mins => ${cooldownMinutes})), false) as in_cooldown
    from workflow_runs
    where workspace_id = ${workspaceId} and workflow_id = ${workflowId} and trigger_record_id = ${recordId}`.execute(
    raw(trx),
  );
  const r = rows[0]!;
  return { active: r.active, finished: r.finished, inCooldown: r.in_cooldown };
}

/** The oldest run of the workflow on the record still held behind an earlier one, unless another is active. */
export async function nextHeldRun(
  trx: Tx,
  workspaceId: string,
  workflowId: string,
  recordId: string,
): Promise<string | undefined> {
  const { rows } = await sql<{ id: string; held: boolean }>`
    select id, reason is not distinct from ${HELD} as held from workflow_runs
    where workspace_id = ${workspaceId} and workflow_id = ${workflowId} and trigger_record_id = ${recordId}
      and status in ('queued', 'running', 'waiting')
    order by (reason is not distinct from ${HELD}), created_at, id`.execute(raw(trx));
  const first = rows[0];
  return first?.held ? first.id : undefined;
}

const RUN_COLUMN_NAMES = [
  'id',
  'workflow_id',
  'version',
  'trigger_key',
  'trigger_object',
  'trigger_record_id',
  'trigger',
  'status',
  'reason',
  'depth',
  'started_by',
  'current_step',
  'outputs',
  'created_at',
  'started_at',
  'finished_at',
  'error',
];
const RUN_COLUMNS = sql.raw(RUN_COLUMN_NAMES.join(', '));
const RUN_COLUMNS_OF_R = sql.raw(RUN_COLUMN_NAMES.map((c) => `r.${c}`).join(', '));

export async function selectRun(
  trx: Tx,
  workspaceId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<RunRow | undefined> {
  const { rows } = await sql<RunRow>`
    select ${RUN_COLUMNS} from workflow_runs where workspace_id = ${workspaceId} and id = ${id}
    ${options.lock ? sql`for update` : sql``}`.execute(raw(trx));
  return rows[0];
}

/**
 * What a step needs to begin, in one statement: the run (locked), the version it runs on, and its workflow's name
 * and owner (undefined once the workflow is deleted). Inner joins: a run's version is a foreign key and workflows
 * are only marked deleted; `for update of` the run alone, the form a Citus cluster routes to the workspace's shard.
 */
export async function selectRunToStep(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<
  | {
      run: RunRow;
      version: Pick<VersionRow, 'definition' | 'settings'>;
      workflow: Pick<WorkflowRow, 'name' | 'owner_user_id'> | undefined;
    }
  | undefined
> {
  const { rows } = await sql<
    RunRow & {
      definition: WorkflowDefinition;
      version_settings: WorkflowSettings;
      workflow_name: string;
      workflow_owner: string | null;
      workflow_deleted: boolean;
    }
  >`
    select ${RUN_COLUMNS_OF_R}, v.definition, v.settings as version_settings, w.name as workflow_name,
      w.owner_user_id as workflow_owner, w.deleted_at is not null as workflow_deleted
    from workflow_runs as r
    join workflow_versions as v
      on v.workspace_id = r.workspace_id and v.workflow_id = r.workflow_id and v.version = r.version
    join workflows as w on w.workspace_id = r.workspace_id and w.id = r.workflow_id
    where r.workspace_id = ${workspaceId} and r.id = ${id}
    for update of r`.execute(raw(trx));
  const row = rows[0];
  if (!row) return undefined;
  const { definition, version_settings, workflow_name, workflow_owner, workflow_deleted, ...run } = row;
  return {
    run,
    version: { definition, settings: version_settings },
    workflow: workflow_deleted ? undefined : { name: workflow_name, owner_user_id: workflow_owner },
  };
}

/** A workflow's sealed inbound webhook secret, if it has one. */
export async function selectHookSecret(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<string | undefined> {
  const { rows } = await sql<{ hook_secret: string | null }>`
    select hook_secret from workflows where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
  return rows[0]?.hook_secret ?? undefined;
}

export async function setHookSecret(trx: Tx, workspaceId: string, id: string, sealed: string): Promise<void> {
  await sql`update workflows set hook_secret = ${sealed}, updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
}

/** Of `addresses` (lower-cased), how many emails this workflow sent each since `since`. */
export async function emailsSentSince(
  trx: Tx,
  workspaceId: string,
  workflowId: string,
  addresses: readonly string[],
  since: Date,
): Promise<Map<string, number>> {
  const { rows } = await sql<{ address: string; n: number }>`
    select address, count(*)::int as n from workflow_email_sends
    where workspace_id = ${workspaceId} and workflow_id = ${workflowId}
      and address = any(${addresses}::text[]) and sent_at > ${since}
    group by address`.execute(raw(trx));
  return new Map(rows.map((r) => [r.address, r.n]));
}

export async function insertEmailSends(
  trx: Tx,
  s: { workspaceId: string; workflowId: string; runId: string; stepId: string; addresses: readonly string[] },
): Promise<void> {
  if (s.addresses.length === 0) return;
  await sql`
    insert into workflow_email_sends (workspace_id, workflow_id, address, run_id, step_id)
    select w.id, ${s.workflowId}, a, ${s.runId}, ${s.stepId}
    from workspaces w cross join unnest(${s.addresses}::text[]) as a where w.id = ${s.workspaceId}`.execute(
    raw(trx),
  );
}

/** An assign step's round-robin turn, locked until the step's transaction ends (0 the first time). */
export async function lockAssignTurn(trx: Tx, workspaceId: string, workflowId: string, stepId: string) {
  await sql`insert into workflow_assign_turns (workspace_id, workflow_id, step_id) values
    (${workspaceId}, ${workflowId}, ${stepId}) on conflict do nothing`.execute(raw(trx));
  const { rows } = await sql<{ turn: string }>`
    select turn::text from workflow_assign_turns
    where workspace_id = ${workspaceId} and workflow_id = ${workflowId} and step_id = ${stepId}
    for update`.execute(raw(trx));
  return BigInt(rows[0]!.turn);
}

export async function setAssignTurn(
  trx: Tx,
  workspaceId: string,
  workflowId: string,
  stepId: string,
  turn: bigint,
) {
  await sql`update workflow_assign_turns set turn = ${turn.toString()}::bigint
    where workspace_id = ${workspaceId} and workflow_id = ${workflowId} and step_id = ${stepId}`.execute(
    raw(trx),
  );
}

/**
 * How many steps the workspace's runs started in the last minute (the throttle's count), counted no further than
 * `cap`: the throttle only asks whether the limit is reached, so a busy workspace's step never counts its whole
 * minute.
 */
export async function stepsInLastMinute(trx: Tx, workspaceId: string, cap: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from (
      select 1 from workflow_step_runs
      where workspace_id = ${workspaceId} and started_at > now() - interval '1 minute' limit ${cap}
    ) recent`.execute(raw(trx));
  return rows[0]?.n ?? 0;
}

/** Runs waiting on any of these records (a wait step or a waitFor step), for record events to wake. */
export async function selectWaitingRuns(
  trx: Tx,
  workspaceId: string,
  recordIds: readonly string[],
): Promise<RunRow[]> {
  const { rows } = await sql<RunRow>`
    select ${RUN_COLUMNS} from workflow_runs
    where workspace_id = ${workspaceId} and trigger_record_id = any(${recordIds}::uuid[]) and status = 'waiting'`.execute(
    raw(trx),
  );
  return rows;
}

/** Marks that the change a waitFor step waits for came; false when the run is no longer waiting on that step. */
export async function markWaitEvent(
  trx: Tx,
  workspaceId: string,
  runId: string,
  stepId: string,
  event: Record<string, unknown>,
): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    update workflow_runs set outputs = jsonb_set(outputs, array[${stepId}, 'event'], ${JSON.stringify(event)}::jsonb)
    where workspace_id = ${workspaceId} and id = ${runId} and status = 'waiting' and current_step = ${stepId}
      and outputs -> ${stepId} ? 'deadline' and not (outputs -> ${stepId} ? 'event')
    returning id`.execute(raw(trx));
  return rows.length > 0;
}

/** The run a workflow already has for a trigger key (trigger keys are unique per workflow). */
export async function selectRunByKey(
  trx: Tx,
  workspaceId: string,
  workflowId: string,
  triggerKey: string,
): Promise<RunRow | undefined> {
  const { rows } = await sql<RunRow>`
    select ${RUN_COLUMNS} from workflow_runs
    where workspace_id = ${workspaceId} and workflow_id = ${workflowId} and trigger_key = ${triggerKey}`.execute(
    raw(trx),
  );
  return rows[0];
}

export async function updateRun(
  trx: Tx,
  workspaceId: string,
  id: string,
  patch: {
    status?: RunStatus | undefined;
    currentStep?: string | null | undefined;
    outputs?: Record<string, unknown> | undefined;
    error?: string | null | undefined;
    reason?: string | null | undefined;
    started?: boolean | undefined;
    finished?: boolean | undefined;
  },
): Promise<void> {
  const sets = [];
  if (patch.status !== undefined) sets.push(sql`status = ${patch.status}`);
  if (patch.currentStep !== undefined) sets.push(sql`current_step = ${patch.currentStep}`);
  if (patch.outputs !== undefined) sets.push(sql`outputs = ${JSON.stringify(patch.outputs)}::jsonb`);
  if (patch.error !== undefined) sets.push(sql`error = ${patch.error}`);
  if (patch.reason !== undefined) sets.push(sql`reason = ${patch.reason}`);
  // `started_at` keeps a run's first start, at the transaction's time taken from a one-row `clock` the update is
  // joined with: a Citus cluster refuses `coalesce(started_at, now())` in an update ("non-IMMUTABLE functions are
  // not allowed in CASE or COALESCE statements"), and runs the `clock` subquery on the coordinator, sending its one
  // value to the shard. One PostgreSQL writes the same `now()` in the same one statement (and row lock); the join
  // is there only when the patch starts the run.
  if (patch.started) sets.push(sql`started_at = coalesce(r.started_at, clock.at)`);
  if (patch.finished === true) sets.push(sql`finished_at = now()`);
  if (patch.finished === false) sets.push(sql`finished_at = null`);
  if (sets.length === 0) return;
  await sql`update workflow_runs as r set ${sql.join(sets)}
    ${patch.started ? sql`from (select now() as at) as clock` : sql``}
    where r.workspace_id = ${workspaceId} and r.id = ${id}`.execute(raw(trx));
}

export interface RunQuery {
  workflowId?: string | undefined;
  recordId?: string | undefined;
  statuses?: readonly string[] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  before?: { createdAt: Date; id: string } | undefined;
  limit: number;
}

/** Runs newest first by (created, id), keyset pages. */
export async function selectRuns(trx: Tx, workspaceId: string, q: RunQuery): Promise<RunRow[]> {
  const { rows } = await sql<RunRow>`
    select ${RUN_COLUMNS} from workflow_runs
    where workspace_id = ${workspaceId}
      ${q.workflowId ? sql`and workflow_id = ${q.workflowId}` : sql``}
      ${q.recordId ? sql`and trigger_record_id = ${q.recordId}` : sql``}
      ${q.statuses && q.statuses.length > 0 ? sql`and status = any(${q.statuses as string[]}::text[])` : sql``}
      ${q.from ? sql`and created_at >= ${q.from}` : sql``}
      ${q.to ? sql`and created_at < ${q.to}` : sql``}
      ${q.before ? sql`and (created_at, id) < (${q.before.createdAt}, ${q.before.id})` : sql``}
    order by created_at desc, id desc
    limit ${q.limit}`.execute(raw(trx));
  return rows;
}

export async function selectStepRuns(trx: Tx, workspaceId: string, runId: string): Promise<StepRunRow[]> {
  const { rows } = await sql<StepRunRow>`
    select id, run_id, sequence, step_id, step_type, status, attempt, input, output, error, idempotency_key,
           started_at, finished_at
    from workflow_step_runs where workspace_id = ${workspaceId} and run_id = ${runId}
    order by sequence`.execute(raw(trx));
  return rows;
}

export async function insertStepRun(
  trx: Tx,
  s: {
    workspaceId: string;
    id: string;
    runId: string;
    stepId: string;
    stepType: string;
    status: string;
    attempt: number;
    input: unknown;
    output: unknown;
    error: string | null;
    idempotencyKey: string | null;
    finished: boolean;
  },
): Promise<void> {
  // An `insert … select` anchored on the workspace's row, not `values` with the next sequence as a subquery: a
  // Citus cluster refuses a subquery in an insert's `values` ("subqueries are not supported within INSERT
  // queries") and pushes this form down to the workspace's shard as one statement. One PostgreSQL writes the same
  // row; its plan gains an index-only probe of `workspaces_pkey` (OPERATIONS.md, the Citus table).
  await sql`
    insert into workflow_step_runs (workspace_id, id, run_id, sequence, step_id, step_type, status, attempt,
      input, output, error, idempotency_key, finished_at)
    select w.id, ${s.id}::uuid, ${s.runId}::uuid,
      (select coalesce(max(sequence), 0) + 1 from workflow_step_runs where workspace_id = ${s.workspaceId} and run_id = ${s.runId}),
      ${s.stepId}::text, ${s.stepType}::text, ${s.status}::text, ${s.attempt}::integer, ${JSON.stringify(s.input ?? null)}::jsonb,
      ${JSON.stringify(s.output ?? null)}::jsonb, ${s.error}::text, ${s.idempotencyKey}::text,
      ${s.finished ? sql`now()` : sql`null::timestamptz`}
    from workspaces w where w.id = ${s.workspaceId}`.execute(raw(trx));
}

export async function finishStepRun(
  trx: Tx,
  workspaceId: string,
  id: string,
  patch: { status: string; output: unknown; error: string | null },
): Promise<void> {
  await sql`
    update workflow_step_runs set status = ${patch.status}, output = ${JSON.stringify(patch.output ?? null)}::jsonb,
      error = ${patch.error}, finished_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
}

/** Runs of a record newest first, for its timeline (keyset by created, id). */
export async function selectRecordRuns(
  trx: Tx,
  workspaceId: string,
  objectKey: string,
  recordId: string,
  page: { limit: number; before?: { at: string; id: string } | undefined },
): Promise<(RunRow & { workflow_name: string; at: string })[]> {
  const { rows } = await sql<RunRow & { workflow_name: string; at: string }>`
    select r.id, r.workflow_id, r.version, r.status, r.reason, r.error, r.created_at, w.name as workflow_name,
           to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
    from workflow_runs r join workflows w on w.workspace_id = r.workspace_id and w.id = r.workflow_id
    where r.workspace_id = ${workspaceId} and r.trigger_object = ${objectKey} and r.trigger_record_id = ${recordId}
      ${page.before ? sql`and (r.created_at, r.id) < (${page.before.at}::timestamptz, ${page.before.id})` : sql``}
    order by r.created_at desc, r.id desc limit ${page.limit}`.execute(raw(trx));
  return rows;
}
