/**
 * Query keys of the inbox. Everything under `all` is read again when tickets change (the module's live handler),
 * so a ticket another agent takes leaves "Unassigned" and the counts follow.
 */
export const inboxKeys = {
  all: ['service', 'inbox'] as const,
  list: (filter: string, order: string) => ['service', 'inbox', 'list', filter, order] as const,
  count: (filter: string) => ['service', 'inbox', 'count', filter] as const,
  /** Who else has a ticket open (polled; not under `all`, record events do not change it). */
  presence: (ticketId: string) => ['service', 'presence', ticketId] as const,
};
