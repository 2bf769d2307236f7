import { AppError } from '../errors/app-error.ts';
import type { RecordHooks } from '../modules/manifest.ts';
import { assignLead } from './assignment-run.ts';

/**
 * Leads: a new lead goes through the assignment rules; a converted lead is read-only (it links to what it
 * became, and changing it afterwards would make that link lie).
 */
export const leadHooks: RecordHooks = {
  object: 'leads',
  afterCreate: (ctx, record) => assignLead(ctx, record),
  beforeUpdate: async (_ctx, _draft, current) => {
    if (current.status === 'converted')
      throw new AppError(
        'conflict',
        `Lead ${current.id} is converted and read-only; change the records it became.`,
      );
  },
};
