import type { EventSubscriber } from '../modules/manifest.ts';
import { keepCustomerSince } from './customer-since.repository.ts';

/** The deal fields a company's first-won day depends on. */
const SHAPING = ['company', 'status', 'expectedCloseDate'] as const;

/**
 * Keeps every deal's `customerSince` and `repeatSale` inside the writing transaction — single, batch, import or
 * automation alike: a deal won, lost, reopened, moved to another company, its close date changed, deleted or
 * restored brings its company's deals (and its former company's) up to date.
 */
export const customerSinceSubscriber: EventSubscriber = {
  name: 'sales: customer since',
  phase: 'transaction',
  objects: ['deals'],
  kinds: ['created', 'updated', 'deleted', 'restored'],
  async handle(ctx, events) {
    if (!ctx.trx) return;
    const dealIds = new Set<string>();
    const companyIds = new Set<string>();
    for (const e of events) {
      if ((e.kind === 'created' || e.kind === 'updated') && !SHAPING.some((k) => k in e.changes)) continue;
      dealIds.add(e.recordId);
      const company = e.changes.company;
      if (company && typeof company.from === 'string') companyIds.add(company.from);
    }
    await keepCustomerSince(ctx.trx, ctx.workspaceId, [...dealIds], [...companyIds]);
  },
};
