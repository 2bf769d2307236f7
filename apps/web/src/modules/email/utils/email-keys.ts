/** Query keys of the email module. */
export const emailKeys = {
  all: ['email'] as const,
  mailboxes: ['email', 'mailboxes'] as const,
  skipped: (mailboxId: string) => ['email', 'skipped', mailboxId] as const,
  threads: ['email', 'thread'] as const,
  thread: (threadId: string) => ['email', 'thread', threadId] as const,
  /** The newest emails on a record's timeline, polled to notice new mail (mail has no live events). */
  newest: (object: string, id: string) => ['email', 'newest', object, id] as const,
  outbox: ['email', 'outbox'] as const,
  templates: ['email', 'templates'] as const,
  signature: ['email', 'signature'] as const,
  /** A template's numbers over a range of days (the range's first instant names it). */
  stats: (templateId: string, from: string) => ['email', 'stats', templateId, from] as const,
  suppressions: ['email', 'suppressions'] as const,
  sequences: ['email', 'sequences'] as const,
  enrolments: (sequenceId: string) => ['email', 'enrolments', sequenceId] as const,
};
