import type { EventSubscriber } from '../modules/manifest.ts';
import { stopEnrolmentsOf } from './sequences.service.ts';

/** A deal won or lost stops the enrolments made for it, in the same transaction as the change. */
export const dealClosedStopsSequences: EventSubscriber = {
  name: 'email:deal-closed-stops-sequences',
  phase: 'transaction',
  objects: ['deals'],
  kinds: ['updated'],
  async handle(ctx, events) {
    if (!ctx.trx) return;
    for (const event of events) {
      const status = event.changes.status?.to;
      if (status === 'won' || status === 'lost')
        await stopEnrolmentsOf(ctx.trx, ctx.workspaceId, { dealId: event.recordId }, 'deal_closed');
    }
  },
};
