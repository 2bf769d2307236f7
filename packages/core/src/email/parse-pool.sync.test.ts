import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { lazySecretBox } from '../auth/secret-box.ts';
import { type Dovecot, startDovecot } from './dovecot-harness.ts';
import { syncMailbox } from './imap-sync.ts';
import { connectMailbox, customerMail, until, workspaceRows } from './mail-fixture.ts';
import { type MessageParser, startParsePool } from './parse-pool.ts';

const KEY = randomBytes(32);

// The sync with parse threads whose task crashes on marked messages (parse-worker.fixture.ts): a batch holding
// messages that end their thread, exhaust its heap or never finish is stored whole, those messages headers-only.
describe('mailbox sync with parse threads that fail on some messages', () => {
  let t: TestApp;
  let dovecot: Dovecot;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let parser: MessageParser;
  const logged: { message: string; detail?: Record<string, unknown> }[] = [];
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const rows = workspaceRows(
    () => t.handle.db,
    () => admin.workspaceId,
  );

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'sara', password: 'sara-password' }] });
    t = await createTestApp({
      RABITA_OPEN_SIGNUP: 'true',
      RABITA_MAIL_ALLOW_PRIVATE: 'true',
      RABITA_SECRET_KEY: KEY.toString('hex'),
    });
    admin = await signUp(t.app);
    parser = startParsePool({
      threads: 2,
      worker: new URL('./parse-worker.fixture.ts', import.meta.url),
      heapMb: 32,
      // From when a thread takes the message; long enough for a busy machine to fill 32 MiB first.
      timeoutMs: 10_000,
      log: (message, detail) => logged.push({ message, detail }),
    });
  }, 60_000);
  afterAll(async () => {
    await parser?.close();
    await t?.close();
    await dovecot?.stop();
  });

  it('stores every message of the batch in order, reading those whose thread failed headers-only, and logs them', async () => {
    const kinds = ['ok', 'exit', 'ok', 'oom', 'ok', 'hang', 'ok'];
    for (const [i, kind] of kinds.entries())
      await dovecot.deliver(
        'sara',
        customerMail({
          from: `Maryam <maryam${i}@customer.example>`,
          to: 'sara@localhost',
          subject: `پیام ${i} ${kind}`,
          text: `متن ${i}`,
          id: `m${i}`,
          date: new Date(Date.now() - (kinds.length - i) * 60_000),
          headers: kind === 'ok' ? [] : [`X-Test-Crash: ${kind}`],
        }),
      );
    const mailboxId = await connectMailbox(
      (method, url, body) => call(method, url, body),
      dovecot,
      undefined,
      { name: 'sara', password: 'sara-password', address: 'sara@localhost.example' },
    );
    const abort = new AbortController();
    const running = syncMailbox(
      {
        db: t.handle.db,
        secrets: lazySecretBox(async () => KEY),
        allowPrivate: true,
        maxMessageBytes: 40 * 1024 * 1024,
        pollMs: 60_000,
        parser,
        log: (message, detail) => logged.push({ message, detail }),
      },
      admin.workspaceId,
      mailboxId,
      abort.signal,
    );
    try {
      await until('the initial sync', async () => {
        const m = (await call('GET', `/mailboxes/${mailboxId}`)).json() as {
          status: string;
          progress: { done: number };
        };
        return m.status === 'ready' && m.progress.done >= kinds.length ? m : undefined;
      });
    } finally {
      abort.abort();
      await running;
    }
    expect(logged.filter((l) => l.message !== 'message read headers-only')).toEqual([]);
    const stored = await rows<{ message_id: string; subject: string; body_text: string }>(
      `select message_id, subject, body_text from email_messages order by message_id`,
    );
    expect(stored.map((m) => [m.message_id, m.subject, m.body_text.trim()])).toEqual(
      kinds.map((kind, i) => [
        `m${i}@customer.example`,
        `پیام ${i} ${kind}`,
        kind === 'ok' ? `متن ${i}` : '',
      ]),
    );
    expect(await rows(`select uid from email_skips`)).toEqual([]);
    const headersOnly = logged.filter((l) => l.message === 'message read headers-only');
    expect(headersOnly.map((l) => [l.detail?.folder, l.detail?.reason])).toEqual(
      expect.arrayContaining([
        ['INBOX', expect.stringMatching(/the parse thread stopped/)],
        ['INBOX', expect.stringMatching(/more memory than a parse thread may use/)],
        ['INBOX', expect.stringMatching(/took longer than 10 s/)],
      ]),
    );
    expect(headersOnly).toHaveLength(3);
    for (const l of headersOnly) expect(l.detail).toMatchObject({ mailboxId, uid: expect.any(String) });
  }, 90_000);
});
