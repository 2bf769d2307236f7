import { defineSettings, envSchema, envVariable, type SettingsOf } from '../modules/settings.ts';

/** What the operator sets for mail (read at start-up; `deps.settings.of(emailSettings)`). */
export const emailSettings = defineSettings({
  variables: {
    allowPrivate: envVariable({
      name: 'RABITA_MAIL_ALLOW_PRIVATE',
      schema: envSchema.bool(),
      default: false,
      description:
        'Lets mailboxes reach private, loopback and link-local mail servers, and received mail’s images be fetched from such addresses; off, only public ones.',
    }),
    parseThreads: envVariable({
      name: 'RABITA_MAIL_PARSE_THREADS',
      schema: envSchema.int(
        0,
        256,
        'the default is one fewer than the CPU cores on four cores or more, else 0; 0 parses mail in the sync thread',
      ),
      defaultText: 'the CPU cores but one on four cores or more, else 0',
      description:
        'Threads parsing synced mail in each process that runs jobs; 0 parses it in the sync’s own thread.',
    }),
  },
  build: (v) => ({
    allowPrivate: v.allowPrivate,
    /** Threads parsing synced mail (0: the sync's own thread; unset: `defaultParseThreads()`). */
    parseThreads: v.parseThreads,
    /** Messages larger than this keep their headers and a "too large" note. */
    maxMessageBytes: 40 * 1024 * 1024,
    /** How often the sync polls a folder it cannot IDLE on. */
    pollMs: 120_000,
    /** How often the sync compares a folder's UIDs with the server's (the sync's own default when unset). */
    reconcileMs: undefined as number | undefined,
  }),
});

export type EmailSettings = SettingsOf<typeof emailSettings>;
