import { ApiError, call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { recordKeys } from '../../records/utils/record-keys.ts';

export type CaseSettings = components['schemas']['CaseSettings'];
export type Complaint = components['schemas']['Complaint'];
export type TicketReturn = components['schemas']['TicketReturn'];
export type ReturnState = TicketReturn['state'];
export type ComplaintDetails = Pick<
  Complaint,
  'category' | 'rootCause' | 'compensationAmount' | 'compensationCurrency' | 'compensationNote'
>;
export interface NewReturnLine {
  product: string;
  orderRef: string | null;
  quantity: number;
  reasonCode: string;
  note: string | null;
}

const byId = (id: string) => ({ params: { path: { id } } });

/** Complaints and returns: the desk's case settings, a ticket's complaint, its return's lines, photos and moves. */
export const casesApi = {
  settings: () => call(client.GET('/api/v1/service/cases/settings')),
  putSettings: (body: CaseSettings) => call(client.PUT('/api/v1/service/cases/settings', { body })),
  complaint: (id: string) => call(client.GET('/api/v1/tickets/{id}/complaint', byId(id))),
  putComplaint: (id: string, body: ComplaintDetails) =>
    call(client.PUT('/api/v1/tickets/{id}/complaint', { ...byId(id), body })),
  ofTicket: (id: string) => call(client.GET('/api/v1/tickets/{id}/return', byId(id))),
  addLine: (id: string, body: NewReturnLine) =>
    call(client.POST('/api/v1/tickets/{id}/return/lines', { ...byId(id), body })),
  removeLine: (lineId: string) => call(client.DELETE('/api/v1/service/return-lines/{id}', byId(lineId))),
  move: (id: string, to: ReturnState, note: string | null) =>
    call(client.POST('/api/v1/tickets/{id}/return/moves', { ...byId(id), body: { to, note } })),
  /** Multipart, so by fetch: one part named `file`. */
  addPhoto: async (lineId: string, file: File) => {
    const form = new FormData();
    form.append('file', file);
    const response = await fetch(`/api/v1/service/return-lines/${lineId}/photos`, {
      method: 'POST',
      body: form,
      credentials: 'same-origin',
    });
    const body = await response.json();
    if (!response.ok) throw new ApiError(response.status, body);
    return body as components['schemas']['ReturnPhoto'];
  },
  removePhoto: (photoId: string) => call(client.DELETE('/api/v1/service/return-photos/{id}', byId(photoId))),
  photoUrl: (photoId: string) => `/api/v1/service/return-photos/${photoId}`,
};

/** Under the ticket's record key, so whatever reads the ticket again (a reply, a resolution) reads these too. */
export const casesKeys = {
  settings: ['service', 'case-settings'] as const,
  complaint: (id: string) => [...recordKeys.detail('tickets', id), 'complaint'] as const,
  ofTicket: (id: string) => [...recordKeys.detail('tickets', id), 'return'] as const,
};
