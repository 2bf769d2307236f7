// Test support for the email module's tests (imported only by tests): the database rows of a workspace, waiting
// for a condition, the mailbox sync as a worker runs it, and connecting a Dovecot user as a mailbox.
import type { Database } from '@rabita/db';
import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { lazySecretBox } from '../auth/secret-box.ts';
import type { TaskDeps } from '../modules/manifest.ts';
import type { SmtpReceiver } from '../workflows/smtp-receiver.ts';
import type { Dovecot } from './dovecot-harness.ts';
import { startMailSync } from './sync-supervisor.ts';

/** Runs SQL in a workspace as the application does (row-level security applies) and returns its rows. */
export function workspaceRows(db: () => Database, workspaceId: () => string) {
  return <T>(text: string) =>
    withWorkspace(
      db(),
      workspaceId(),
      async (trx) => (await sql.raw<T>(text).execute(trx.withoutPlugins())).rows,
    );
}

/** Polls `probe` until it answers something, or fails naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The mailbox sync a worker runs, quick to notice changes, with the test's secret key. */
export function startTestSync(db: Database, key: Buffer, mail: Partial<NonNullable<TaskDeps['mail']>> = {}) {
  return startMailSync(
    {
      db,
      session: { idleHours: 1, maxDays: 1 },
      webhooksAllowPrivate: false,
      secrets: lazySecretBox(async () => key),
      mail: { allowPrivate: true, maxMessageBytes: 40 * 1024 * 1024, pollMs: 1000, ...mail },
      log: (level, message, detail) => {
        if (process.env.RABITA_TEST_LOG) console.log(level, message, detail);
      },
    },
    { tickMs: 300 },
  );
}

/** Connects a Dovecot user as a personal mailbox sending through the SMTP peer; its id. */
export async function connectMailbox(
  call: (
    method: 'POST',
    url: string,
    body: unknown,
  ) => Promise<{ statusCode: number; body: string; json(): unknown }>,
  dovecot: Dovecot,
  smtp: SmtpReceiver,
  user: { name: string; password: string; address: string; displayName?: string },
): Promise<string> {
  const r = await call('POST', '/mailboxes', {
    name: user.displayName ?? user.name,
    address: user.address,
    kind: 'personal',
    imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'none' },
    smtp: { host: '127.0.0.1', port: Number(new URL(smtp.url).port), security: 'none' },
    username: user.name,
    secret: user.password,
  });
  expect(r.statusCode, r.body).toBe(201);
  return (r.json() as { id: string }).id;
}
