import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import { callTimelineEntry } from './calls.timeline.ts';

/** A call's line on a record's timeline, shaped as `GET /objects/{object}/{id}/timeline` gives it. */
export type CallTimelineEntry = { kind: 'call'; id: string; at: string } & Record<string, unknown>;

const notFound = () => new AppError('not_found', 'That call is not on that record’s timeline.');

/**
 * One call's entry on a record's timeline, for the record page focused on a call whose entry is not among the
 * timeline's first page: the same entry, through the same gate (the record readable, its phones shown), without
 * reading the timeline down to it. 404 when the call is not on that record's timeline for this reader.
 */
export async function getCallTimelineEntry(
  ctx: ServiceContext,
  callId: string,
  record: { object: string; recordId: string },
): Promise<CallTimelineEntry> {
  if (!isUuid(callId) || !isUuid(record.recordId)) throw notFound();
  const item = await inWorkspace(ctx, (trx, ws) =>
    callTimelineEntry(trx, { ...ctx.principal, workspaceId: ws }, record, callId),
  );
  if (!item) throw notFound();
  return { ...item.data, kind: 'call', id: item.id, at: new Date(item.at).toISOString() };
}
