import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';

export type LeadMailbox = components['schemas']['LeadMailbox'];

/** Leads by email: which shared mailboxes' mail from strangers makes leads, and the source they are given. */
export const leadMailApi = {
  list: async () => (await call(client.GET('/api/v1/sales/lead-mailboxes'))).data,
  put: (id: string, body: { enabled: boolean; source: string }) =>
    call(client.PUT('/api/v1/sales/lead-mailboxes/{id}', { params: { path: { id } }, body })),
};

export const leadMailKeys = { list: ['leads-module', 'lead-mailboxes'] as const };
