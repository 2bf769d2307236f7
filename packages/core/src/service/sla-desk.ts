import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { AppError } from '../errors/app-error.ts';
import { cancelJob, scheduleJob } from '../jobs/jobs.service.ts';
import type { StoredRecord } from '../modules/manifest.ts';
import { recordMatchesFilter } from '../records/stored-record.ts';
import { updateRecordIn } from '../records/update-record.ts';
import { deskPrincipal } from './desk-principal.ts';
import { DONE_STATUSES } from './service.objects.ts';
import {
  appendEvents,
  dueTickets,
  findPolicy,
  findTicketSla,
  listPolicies,
  lockTicketSla,
  type PolicyRow,
  policyVersions,
  type StoredEventData,
  saveClocks,
  ticketBasics,
  ticketEvents,
  ticketsUnderPolicy,
} from './sla.repository.ts';
import { type Clock, computeClocks, type PolicySnapshot, type SlaEvent, summarize } from './sla-clocks.ts';

/**
 * The desk's side of SLA clocks: events appended to a ticket's log as it changes, the clocks rebuilt from the log
 * (sla-clocks.ts), stored, summed up on the ticket (`slaStatus`, `slaDueAt`, written through the record engine as
 * the desk, so a warning or breach is a record event), and a job at the next warning or deadline.
 */

/** The job at a ticket's next warning or deadline (one a ticket, key `sla:<ticket id>`, replaced as it moves). */
export const SLA_DUE_TASK = 'rabita:sla-due';
/** A page of tickets moved to a policy's new version (or off a disabled one). */
export const SLA_POLICY_TASK = 'rabita:sla-policy-apply';
/** The one-minute sweep that catches a lost deadline job. */
export const SLA_SWEEP_TASK = 'rabita:sla-sweep';

/** Tickets moved in the writing transaction when a policy changes; the rest by a job, a page at a time. */
const INLINE_TICKETS = 100;
const SWEEP_LIMIT = 500;
/** The sweep leaves jobs this long to run on time before it steps in. */
const SWEEP_GRACE_MS = 60_000;

const SLA_FIELDS = new Set(['slaStatus', 'slaDueAt', 'updatedAt']);

/** The snapshot a policy gives with a calendar's definition: what its version stores. */
export function snapshotOf(policy: PolicyRow, calendar: PolicySnapshot['calendar']): PolicySnapshot {
  return {
    policyId: policy.id,
    version: policy.version,
    targets: policy.targets,
    businessTime: policy.businessTime,
    calendar,
    pauseStatuses: policy.pauseStatuses,
    warn: policy.warn,
  };
}

/** The first enabled policy, by position, whose condition the ticket matches (none: null). */
async function matchPolicy(trx: Tx, workspaceId: string, ticketId: string): Promise<PolicyRow | null> {
  const desk = deskPrincipal(workspaceId);
  for (const policy of await listPolicies(trx, workspaceId)) {
    if (!policy.enabled) continue;
    if (policy.condition === null || policy.condition === undefined) return policy;
    // A condition naming a field since removed is refused while compiling, before any SQL runs: the policy is
    // passed over rather than failing the ticket's write.
    const meets = await recordMatchesFilter(
      trx,
      desk,
      workspaceId,
      'tickets',
      ticketId,
      policy.condition,
    ).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'validation_failed') return false;
      throw error;
    });
    if (meets) return policy;
  }
  return null;
}

/** A ticket's log as the fold reads it, each policy event with the snapshot it names. */
async function loadEvents(trx: Tx, workspaceId: string, ticketId: string): Promise<SlaEvent[]> {
  const stored = await ticketEvents(trx, workspaceId, ticketId);
  const keys = stored.flatMap((e) =>
    e.kind === 'policy' && e.policyId && e.version !== null
      ? [{ policyId: e.policyId, version: e.version }]
      : [],
  );
  const snapshots = new Map(
    (await policyVersions(trx, workspaceId, keys)).map((s) => [`${s.policyId}:${s.version}`, s]),
  );
  return stored.map((e): SlaEvent => {
    if (e.kind !== 'policy') return e;
    const policy = e.policyId ? (snapshots.get(`${e.policyId}:${e.version}`) ?? null) : null;
    return { kind: 'policy', at: e.at, policy };
  });
}

/** A ticket's clocks as of `now`, from its log, nothing written. */
export async function currentClocks(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
  now: Date,
): Promise<Clock[]> {
  return computeClocks(await loadEvents(trx, workspaceId, ticketId), now);
}

/**
 * Rebuilds a ticket's clocks from its log as of now, stores them, schedules (or cancels) its job at the next
 * warning or deadline, and writes the ticket's `slaStatus`/`slaDueAt` when they changed. Call with the ticket's
 * SLA row locked (`lockTicketSla`).
 */
export async function refreshTicketSla(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
  now = new Date(),
): Promise<Clock[]> {
  const clocks = await currentClocks(trx, workspaceId, ticketId, now);
  const summary = summarize(clocks);
  const dues = clocks
    .filter((c) => c.state === 'running')
    .flatMap((c) => [c.warnAt, c.breachedAt ? null : c.deadline])
    .filter((d): d is Date => d !== null && d.getTime() > now.getTime())
    .map((d) => d.getTime());
  const ticket = await ticketBasics(trx, workspaceId, ticketId);
  // A deleted ticket's clocks are kept (a restore finds them) but nothing falls due for it.
  const live = ticket !== undefined && !ticket.deleted;
  const nextDueAt = live && dues.length > 0 ? new Date(Math.min(...dues)) : null;
  await saveClocks(trx, workspaceId, ticketId, clocks, { ...summary, nextDueAt }, now);
  const key = `sla:${ticketId}`;
  if (nextDueAt) await scheduleJob(trx, { task: SLA_DUE_TASK, key, runAt: nextDueAt, payload: { ticketId } });
  else await cancelJob(trx, { task: SLA_DUE_TASK, key });

  if (live && ticket.slaStatus !== null) {
    const dueChanged = (ticket.slaDueAt?.getTime() ?? null) !== (summary.dueAt?.getTime() ?? null);
    if (ticket.slaStatus !== summary.status || dueChanged)
      // An empty patch: the tickets' beforeUpdate hook copies the summary in (`slaFieldsFor`).
      await updateRecordIn(trx, deskPrincipal(workspaceId), 'tickets', ticketId, {}, 'system');
  }
  return clocks;
}

/** The SLA fields a desk write (an empty patch) should carry: the ticket's stored summary, when it differs. */
export async function slaFieldsFor(
  trx: Tx,
  workspaceId: string,
  current: StoredRecord,
): Promise<Record<string, unknown>> {
  const row = await findTicketSla(trx, workspaceId, current.id);
  if (!row) return {};
  const fields: Record<string, unknown> = {};
  if (current.slaStatus !== row.status) fields.slaStatus = row.status;
  const due = row.dueAt ? new Date(row.dueAt).toISOString() : null;
  const before = current.slaDueAt ? new Date(String(current.slaDueAt)).toISOString() : null;
  if (due !== before) fields.slaDueAt = due;
  return fields;
}

/**
 * After a ticket is created or updated: its events (created, a status or priority change), the policy it now
 * matches when that changed (an open ticket only; a done one keeps its policy), and its clocks rebuilt. A write
 * that changed only the SLA fields does nothing.
 */
export async function onTicketWritten(
  trx: Tx,
  workspaceId: string,
  record: StoredRecord,
  before?: StoredRecord,
): Promise<void> {
  if (before && Object.keys(record).every((k) => SLA_FIELDS.has(k) || same(record[k], before[k]))) return;
  const row = await lockTicketSla(trx, workspaceId, record.id);
  const status = String(record.status);
  const priority = String(record.priority);
  const events: StoredEventData[] = [];
  if (!before) events.push({ kind: 'created', status, priority });
  else {
    if (String(before.status) !== status) events.push({ kind: 'status', status });
    if (String(before.priority) !== priority) events.push({ kind: 'priority', priority });
  }
  if (!DONE_STATUSES.has(status)) {
    const policy = await matchPolicy(trx, workspaceId, record.id);
    const policyId = policy?.id ?? null;
    const version = policy?.version ?? null;
    if (policyId !== row.policyId || version !== row.policyVersion)
      events.push({ kind: 'policy', policyId, version });
  }
  if (events.length === 0) return;
  await appendEvents(trx, workspaceId, record.id, new Date(), events);
  await refreshTicketSla(trx, workspaceId, record.id);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A message that moves clocks: a public reply by a person, or the customer's own message (not automatic). */
export async function onTicketMessage(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
  kind: 'reply' | 'customer',
): Promise<void> {
  await lockTicketSla(trx, workspaceId, ticketId);
  await appendEvents(trx, workspaceId, ticketId, new Date(), [{ kind }]);
  await refreshTicketSla(trx, workspaceId, ticketId);
}

/**
 * Holds a ticket's clocks (every live one paused, whatever the policy's pause statuses) or releases them: a return
 * awaiting its item. Appends the event only when the hold changes.
 */
export async function holdTicketClocks(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
  held: boolean,
): Promise<void> {
  await lockTicketSla(trx, workspaceId, ticketId);
  const last = (await ticketEvents(trx, workspaceId, ticketId)).findLast((e) => e.kind === 'hold');
  if ((last?.kind === 'hold' && last.held) === held) return;
  await appendEvents(trx, workspaceId, ticketId, new Date(), [{ kind: 'hold', held }]);
  await refreshTicketSla(trx, workspaceId, ticketId);
}

/**
 * Moves the tickets under a policy to its current version (or off it when it is disabled or gone): a `policy`
 * event each, clocks rebuilt. Up to `limit` tickets after `after`; returns the last one when there may be more.
 */
export async function applyPolicyToTickets(
  trx: Tx,
  workspaceId: string,
  policy: { id: string; enabled: boolean; version: number } | null,
  policyId: string,
  page: { after: string | null; limit: number },
): Promise<string | null> {
  const ids = await ticketsUnderPolicy(trx, workspaceId, policyId, page.after, page.limit);
  const now = new Date();
  for (const ticketId of ids) {
    const row = await lockTicketSla(trx, workspaceId, ticketId);
    const target =
      policy?.enabled === true ? { policyId, version: policy.version } : { policyId: null, version: null };
    if (row.policyId === target.policyId && row.policyVersion === target.version) continue;
    await appendEvents(trx, workspaceId, ticketId, now, [{ kind: 'policy', ...target }]);
    await refreshTicketSla(trx, workspaceId, ticketId, now);
  }
  return ids.length === page.limit ? (ids.at(-1) ?? null) : null;
}

/** After a policy's write: the first tickets moved now, the rest by a job. */
export async function policyChanged(
  trx: Tx,
  workspaceId: string,
  policy: { id: string; enabled: boolean; version: number } | null,
  policyId: string,
): Promise<void> {
  const more = await applyPolicyToTickets(trx, workspaceId, policy, policyId, {
    after: null,
    limit: INLINE_TICKETS,
  });
  if (more)
    await scheduleJob(trx, {
      task: SLA_POLICY_TASK,
      key: `sla-policy:${policyId}`,
      payload: { policyId, after: more },
    });
}

/** The job that moves the next page of a policy's tickets (`SLA_POLICY_TASK`). */
export async function runPolicyJob(
  db: Database,
  p: { workspaceId: string; policyId: string; after: string },
): Promise<void> {
  await withWorkspace(db, p.workspaceId, async (trx) => {
    const policy = (await findPolicy(trx, p.workspaceId, p.policyId)) ?? null;
    const more = await applyPolicyToTickets(trx, p.workspaceId, policy, p.policyId, {
      after: p.after,
      limit: INLINE_TICKETS * 5,
    });
    if (more)
      await scheduleJob(trx, {
        task: SLA_POLICY_TASK,
        key: `sla-policy:${p.policyId}`,
        payload: { policyId: p.policyId, after: more },
      });
  });
}

/** A ticket's job at its warning or deadline (`SLA_DUE_TASK`): the clocks rebuilt as of now. */
export async function runDueJob(db: Database, p: { workspaceId: string; ticketId: string }): Promise<void> {
  await withWorkspace(db, p.workspaceId, async (trx) => {
    await lockTicketSla(trx, p.workspaceId, p.ticketId);
    await refreshTicketSla(trx, p.workspaceId, p.ticketId);
  });
}

/** The sweep (`SLA_SWEEP_TASK`, every minute): tickets of any workspace whose job should have run, rebuilt. */
export async function sweepDueTickets(db: Database, now = new Date()): Promise<number> {
  const due = await dueTickets(db, new Date(now.getTime() - SWEEP_GRACE_MS), SWEEP_LIMIT);
  for (const { workspace_id, ticket_id } of due)
    await runDueJob(db, { workspaceId: workspace_id, ticketId: ticket_id });
  return due.length;
}
