// Test support for the email module's tests (imported only by tests): the database rows of a workspace, waiting
// for a condition, the mailbox sync and job worker as a worker runs them, connecting a Dovecot user as a mailbox, and the mail a
// customer's mail program and a remote mail server write.
import { randomUUID } from 'node:crypto';
import type { Database } from '@rabita/db';
import { withWorkspace } from '@rabita/db';
import { Logger, type Runner } from 'graphile-worker';
import { sql } from 'kysely';
import type pg from 'pg';
import { expect } from 'vitest';
import { anyShard } from '../../../../test/plan.ts';
import { lazySecretBox } from '../auth/secret-box.ts';
import { startJobWorker } from '../jobs/job-worker.ts';
import { registry } from '../modules/registry.ts';
import { defaultSettings } from '../modules/settings.ts';
import type { SmtpReceiver } from '../workflows/smtp-receiver.ts';
import type { Dovecot } from './dovecot-harness.ts';
import { type EmailSettings, emailSettings } from './email.settings.ts';
import { startMailSync } from './sync-supervisor.ts';

/** Runs SQL in a workspace as the application does (row-level security applies) and returns its rows. */
export function workspaceRows(db: () => Database, workspaceId: () => string) {
  return <T>(text: string) =>
    withWorkspace(db(), workspaceId(), async (trx) => {
      await anyShard(trx);
      return (await sql.raw<T>(text).execute(trx.withoutPlugins())).rows;
    });
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
export function startTestSync(db: Database, key: Buffer, mail: Partial<EmailSettings> = {}) {
  return startMailSync(
    {
      db,
      session: { idleHours: 1, maxDays: 1 },
      settings: defaultSettings().with(emailSettings, { allowPrivate: true, pollMs: 1000, ...mail }),
      secrets: lazySecretBox(async () => key),
      log: (level, message, detail) => {
        if (process.env.RABITA_TEST_LOG) console.log(level, message, detail);
      },
    },
    { tickMs: 300 },
  );
}

/**
 * A job worker with every module's tasks (the outbox's sends among them), mail to private addresses allowed and the
 * test's secret key, polling quickly; on `pool` (the owner's, as a worker has).
 */
export function startTestJobWorker(db: Database, pool: pg.Pool, key: Buffer): Promise<Runner> {
  return startJobWorker({
    pgPool: pool,
    concurrency: 2,
    taskList: registry().taskList({
      db,
      session: { idleHours: 1, maxDays: 1 },
      settings: defaultSettings().with(emailSettings, { allowPrivate: true }),
      publicUrl: 'https://crm.example.com',
      secrets: lazySecretBox(async () => key),
    }),
    crontab: '',
    logger: new Logger(() => () => {}),
    pollInterval: 200,
  });
}

/**
 * Connects a Dovecot user as a mailbox (personal unless `kind` says shared), sending through the SMTP peer when
 * one is given; its id.
 */
export async function connectMailbox(
  call: (
    method: 'POST',
    url: string,
    body: unknown,
  ) => Promise<{ statusCode: number; body: string; json(): unknown }>,
  dovecot: Dovecot,
  smtp: SmtpReceiver | undefined,
  user: {
    name: string;
    password: string;
    address: string;
    displayName?: string;
    kind?: 'personal' | 'shared';
  },
): Promise<string> {
  const r = await call('POST', '/mailboxes', {
    name: user.displayName ?? user.name,
    address: user.address,
    kind: user.kind ?? 'personal',
    imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'none' },
    ...(smtp ? { smtp: { host: '127.0.0.1', port: Number(new URL(smtp.url).port), security: 'none' } } : {}),
    username: user.name,
    secret: user.password,
  });
  expect(r.statusCode, r.body).toBe(201);
  return (r.json() as { id: string }).id;
}

/** A customer's mail as their mail program writes it (subject and text in UTF-8, base64). */
export function customerMail(m: {
  from: string;
  subject: string;
  text: string;
  to?: string;
  id?: string;
  inReplyTo?: string;
  date?: Date;
  headers?: string[];
}): string {
  return [
    `From: ${m.from}`,
    `To: ${m.to ?? 'Support <support@localhost>'}`,
    `Subject: =?UTF-8?B?${Buffer.from(m.subject).toString('base64')}?=`,
    `Date: ${(m.date ?? new Date()).toUTCString()}`,
    `Message-ID: <${m.id ?? randomUUID()}@customer.example>`,
    ...(m.inReplyTo ? [`In-Reply-To: ${m.inReplyTo}`, `References: ${m.inReplyTo}`] : []),
    ...(m.headers ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(m.text).toString('base64'),
    '',
  ].join('\r\n');
}

/** The delivery report a remote server sends back for a recipient it does not know. */
export function deliveryReport(to: string, recipient: string): string {
  return [
    'From: Mail Delivery System <mailer-daemon@customer.example>',
    `To: ${to}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${randomUUID()}@mx.customer.example>`,
    'Subject: Undelivered Mail Returned to Sender',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    'The mailbox does not exist.',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.customer.example',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    'Action: failed',
    'Status: 5.1.1',
    '',
    '--B--',
    '',
  ].join('\r\n');
}
