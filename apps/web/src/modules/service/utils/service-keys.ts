/** Query keys of the service module. */
export const serviceKeys = {
  conversations: ['service', 'conversation'] as const,
  /** A ticket's conversation, its pages newest first. */
  conversation: (ticketId: string) => ['service', 'conversation', ticketId] as const,
  calendars: ['service', 'calendars'] as const,
  policies: ['service', 'sla-policies'] as const,
};
