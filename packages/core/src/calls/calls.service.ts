import type { Tx } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import { hiddenFor } from '../records/access.ts';
import { readRecords } from '../records/gate.ts';
import { type CallRow, listCallsPage, selectCall, selectCallEvents } from './calls.repository.ts';

/** A call as the API shows it: its matched records only when the reader may read them. */
export type CallView = Omit<CallRow, 'matchedNumber'>;

/** The field whose numbers the caller match reads (`phone_numbers`), per object it matches. */
const PHONE_FIELDS: Record<string, string> = { people: 'phones', companies: 'phones', leads: 'phone' };

/**
 * Whether a reader may see which records of an object the number of a call matched: only when their role shows
 * the object's phone numbers, since "this caller's number belongs to that record" would tell them a hidden phone.
 */
export const seesPhonesOf = (reader: Principal, object: string) =>
  !hiddenFor(reader)(object, PHONE_FIELDS[object] ?? 'phones');

/**
 * Keeps of each call's matches (and its single person, company or lead) only records the reader may read and
 * whose phone numbers their role shows.
 */
export async function gateMatches(trx: Tx, reader: Principal, rows: readonly CallRow[]): Promise<CallView[]> {
  const wanted = new Map<string, Set<string>>();
  for (const r of rows)
    for (const m of r.matches) wanted.set(m.object, (wanted.get(m.object) ?? new Set()).add(m.recordId));
  const readable = new Map<string, Set<string>>();
  for (const [object, ids] of wanted) {
    if (!seesPhonesOf(reader, object)) continue;
    const seen = await readRecords(trx, reader, object, [...ids], { fields: ['id'] });
    readable.set(object, new Set(seen.keys()));
  }
  const sees = (object: string, id: string | null) => id !== null && readable.get(object)?.has(id) === true;
  return rows.map(({ matchedNumber: _, ...r }) => ({
    ...r,
    matches: r.matches.filter((m) => sees(m.object, m.recordId)),
    personId: sees('people', r.personId) ? r.personId : null,
    companyId: sees('companies', r.companyId) ? r.companyId : null,
    leadId: sees('leads', r.leadId) ? r.leadId : null,
  }));
}

/** A page of the workspace's calls, newest first, by state, agent or matched record; `next` continues it. */
export async function listCalls(
  ctx: ServiceContext,
  filter: {
    state?: string | undefined;
    agentUserId?: string | undefined;
    object?: string | undefined;
    recordId?: string | undefined;
    cursor?: string | undefined;
    limit: number;
  },
): Promise<{ data: CallView[]; next: string | null }> {
  if (filter.cursor !== undefined && !isUuid(filter.cursor))
    throw new AppError('validation_failed', 'Not a cursor from a previous page.', {
      errors: [{ field: 'cursor', message: 'Not a cursor.' }],
    });
  if ((filter.object === undefined) !== (filter.recordId === undefined))
    throw new AppError('validation_failed', 'Give a record as both its object and its id.', {
      errors: [
        { field: filter.object === undefined ? 'object' : 'recordId', message: 'Needed with the other.' },
      ],
    });
  return inWorkspace(ctx, async (trx, ws) => {
    // A record the reader may not read, or whose phones they may not see, has, for them, no calls.
    if (filter.object && filter.recordId) {
      if (!seesPhonesOf(ctx.principal, filter.object)) return { data: [], next: null };
      const seen = await readRecords(trx, ctx.principal, filter.object, [filter.recordId], {
        fields: ['id'],
      });
      if (!seen.has(filter.recordId)) return { data: [], next: null };
    }
    const rows = await listCallsPage(trx, ws, {
      state: filter.state,
      agentUserId: filter.agentUserId,
      record:
        filter.object && filter.recordId ? { object: filter.object, recordId: filter.recordId } : undefined,
      before: filter.cursor,
      limit: filter.limit + 1,
    });
    const page = rows.slice(0, filter.limit);
    return {
      data: await gateMatches(trx, ctx.principal, page),
      next: rows.length > filter.limit ? page.at(-1)!.id : null,
    };
  });
}

/** One call with its events as received. */
export async function getCall(ctx: ServiceContext, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', 'There is no such call.');
  return inWorkspace(ctx, async (trx, ws) => {
    const row = await selectCall(trx, ws, id);
    if (!row) throw new AppError('not_found', 'There is no such call.');
    const [view] = await gateMatches(trx, ctx.principal, [row]);
    const events = await selectCallEvents(trx, ws, id);
    return { ...view!, events };
  });
}
