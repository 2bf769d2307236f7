import type { Draft, RecordHooks, StoredRecord } from '../modules/manifest.ts';
import { onTicketStatus } from './csat.service.ts';
import { onTicketStatusNps } from './nps.service.ts';
import { DONE_STATUSES } from './service.objects.ts';
import { onTicketWritten, slaFieldsFor } from './sla-desk.ts';
import { nextTicketNumber } from './tickets.repository.ts';

/**
 * Tickets: each gets the workspace's next number when created; entering `resolved` stamps `resolvedAt`, entering
 * `closed` stamps `closedAt` (and `resolvedAt` when it was skipped); leaving both for an open status clears the
 * stamps and counts a reopening. The stamps are read-only to callers, so they always tell the status's story.
 * Every write also feeds the ticket's SLA log and rebuilds its clocks (sla-desk.ts); the desk's own empty-patch
 * write carries the SLA summary (`slaStatus`, `slaDueAt`) in, so it is a record event like any edit.
 */
export const ticketHooks: RecordHooks = {
  object: 'tickets',
  // The SLA summary is written by the desk after the caller's write: answers read the ticket back.
  rewritesAfter: true,
  beforeCreate: async (ctx, draft) => {
    draft.set('number', String(await nextTicketNumber(ctx.trx, ctx.workspaceId)));
    stampStatus(draft, undefined, new Date().toISOString());
  },
  beforeUpdate: async (ctx, draft, current) => {
    if (Object.keys(draft.values).length === 0)
      for (const [key, value] of Object.entries(await slaFieldsFor(ctx.trx, ctx.workspaceId, current)))
        draft.set(key, value);
    if (!('status' in draft.values)) return;
    stampStatus(draft, current, new Date().toISOString());
  },
  afterCreate: (ctx, record) => onTicketWritten(ctx.trx, ctx.workspaceId, record),
  afterUpdate: async (ctx, record, before) => {
    await onTicketWritten(ctx.trx, ctx.workspaceId, record, before);
    // Entering resolved schedules the satisfaction survey; reopening first cancels it.
    await onTicketStatus(ctx.trx, ctx.workspaceId, record, before);
    // Entering resolved or closed schedules the transactional NPS survey; reopening first cancels it.
    await onTicketStatusNps(ctx.trx, ctx.workspaceId, record, before);
  },
};

function stampStatus(draft: Draft, current: StoredRecord | undefined, now: string) {
  const status = String(draft.values.status ?? current?.status ?? 'new');
  const before = current?.status === undefined ? undefined : String(current.status);
  if (status === before) return;
  if (status === 'resolved') {
    draft.set('resolvedAt', now);
    draft.set('closedAt', null);
  } else if (status === 'closed') {
    if (!current?.resolvedAt) draft.set('resolvedAt', now);
    draft.set('closedAt', now);
  } else if (before !== undefined && DONE_STATUSES.has(before)) {
    draft.set('resolvedAt', null);
    draft.set('closedAt', null);
    draft.set('reopenCount', String(Number(current?.reopenCount ?? 0) + 1));
  }
}
