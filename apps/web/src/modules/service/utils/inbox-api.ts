import { call, client, type RecordData } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { INBOX_ORDERS, type InboxOrder } from './inbox-views.ts';

export type TicketViewers = components['schemas']['TicketViewers'];
/** A ticket as the inbox lists it, with its requester's and assignee's names. */
export type InboxTicket = RecordData & {
  _expanded?: Record<string, { id: string; title: string | null } | null> | undefined;
};

/** Rows of an inbox page. */
export const INBOX_PAGE = 50;
/** The fields a row shows (and sorts by). */
const FIELDS = 'number,subject,requester,status,priority,owner,slaDueAt,slaStatus,createdAt';

const patchTicket = (ticketId: string, body: Record<string, unknown>) =>
  call(
    client.PATCH('/api/v1/objects/{object}/{id}', {
      params: { path: { object: 'tickets', id: ticketId } },
      body,
    }),
  );

/** The inbox's routes through the typed client. */
export const inboxApi = {
  /** A page of a view's tickets in an order (time left, or priority then time left), from `cursor` (keyset). */
  page: async (filter: string, order: InboxOrder, cursor: string | undefined) =>
    (await call(
      client.GET('/api/v1/objects/{object}', {
        params: {
          path: { object: 'tickets' },
          query: {
            limit: INBOX_PAGE,
            sort: INBOX_ORDERS[order],
            filter,
            fields: FIELDS,
            expand: 'requester,owner',
            ...(cursor ? { cursor } : {}),
          },
        },
      }),
    )) as { data: InboxTicket[]; nextCursor?: string | null },
  count: (filter: string) =>
    call(
      client.GET('/api/v1/objects/{object}/count', {
        params: { path: { object: 'tickets' }, query: { filter } },
      }),
    ),
  assign: (ticketId: string, owner: string) =>
    call(
      client.PATCH('/api/v1/objects/{object}/{id}', {
        params: { path: { object: 'tickets', id: ticketId } },
        body: { owner },
      }),
    ),
  /** Moves a ticket to a status; resolving it may say whether it was resolved at first contact. */
  setStatus: (ticketId: string, status: string, fcrDisposition?: string) =>
    patchTicket(ticketId, { status, ...(fcrDisposition ? { fcrDisposition } : {}) }),
  /** The agent's word on first-contact resolution (`fcrDisposition`), on its own. */
  setDisposition: (ticketId: string, fcrDisposition: string) => patchTicket(ticketId, { fcrDisposition }),
  viewers: (ticketId: string) =>
    call(client.GET('/api/v1/tickets/{id}/presence', { params: { path: { id: ticketId } } })),
  heartbeat: (ticketId: string, replying: boolean) =>
    call(
      client.POST('/api/v1/tickets/{id}/presence', {
        params: { path: { id: ticketId } },
        body: { replying },
      }),
    ),
};
