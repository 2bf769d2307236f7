// Proves the test Dovecot the email module's tests run against: LMTP delivery, IMAP reading with imapflow, IDLE,
// the doveadm edge cases (UIDVALIDITY change, expunge behind a client's back), special-use folders, and a clean stop.
import { stat } from 'node:fs/promises';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dovecot, startDovecot } from './dovecot-harness.ts';

const ARABIC_SUBJECT = 'مرحبا بكم في رابطة';

/** A raw message with CRLF line ends; the subject goes as given (encode it first when it is not ASCII). */
function rawMessage(subject: string, body: string): string {
  return [
    'From: Sender <sender@example.test>',
    'To: alice@localhost',
    `Subject: ${subject}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@example.test>`,
    'Date: Thu, 04 Dec 2025 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
}

/** An RFC 2047 encoded word, as mail clients send a non-ASCII subject. */
const encodedWord = (text: string) => `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;

/** imapflow answers `false` when the server refuses a command; a test wants the answer or a failure. */
function answered<T>(value: T | false, what: string): T {
  if (value === false) throw new Error(`the server refused ${what}`);
  return value;
}

function rejectAfter(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms));
}

describe('the test Dovecot', () => {
  let dovecot: Dovecot;
  const clients: ImapFlow[] = [];

  /** A logged-in imapflow client (closed after the tests); IDLE only when a test asks for it. */
  async function login(user = 'alice', password = 'secret'): Promise<ImapFlow> {
    const client = new ImapFlow({
      host: dovecot.host,
      port: dovecot.imapPort,
      secure: false,
      auth: { user, pass: password },
      logger: false,
      disableAutoIdle: true,
    });
    await client.connect();
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    dovecot = await startDovecot();
  });

  afterAll(async () => {
    for (const client of clients) await client.logout().catch(() => {});
    await dovecot?.stop();
  });

  it('delivers by LMTP and reads both messages back over IMAP, the Arabic subject decoded', async () => {
    await dovecot.deliver('alice', rawMessage('Plain hello', 'first'));
    const encoded = rawMessage(encodedWord(ARABIC_SUBJECT), 'ثانية');
    expect(encoded).toContain('Subject: =?UTF-8?B?');
    await dovecot.deliver('alice', Buffer.from(encoded, 'utf8'));

    const client = await login();
    await client.mailboxOpen('INBOX');
    const messages = [];
    for await (const message of client.fetch('1:*', { envelope: true, uid: true })) messages.push(message);
    expect(messages.map((m) => m.envelope?.subject)).toEqual(['Plain hello', ARABIC_SUBJECT]);
    expect(messages.map((m) => m.envelope?.to?.[0]?.address)).toEqual(['alice@localhost', 'alice@localhost']);
  });

  it('an explicit IDLE hears an LMTP delivery as EXISTS within 5 s', async () => {
    const client = await login();
    const mailbox = await client.mailboxOpen('INBOX');
    const before = mailbox.exists;
    const heard = new Promise<number>((resolve) => {
      client.on('exists', (update: { count: number }) => {
        if (update.count > before) resolve(update.count);
      });
    });
    const idling = client.idle();
    const started = Date.now();
    await dovecot.deliver('alice', rawMessage('While idle', 'third'));

    const count = await Promise.race([heard, rejectAfter(5_000, 'EXISTS')]);
    expect(count).toBe(before + 1);
    expect(Date.now() - started).toBeLessThan(5_000);
    await client.logout();
    await idling;
  });

  it('setUidValidity changes the UIDVALIDITY a client sees', async () => {
    const client = await login();
    const before = answered(await client.status('INBOX', { uidValidity: true }), 'STATUS');
    expect(before.uidValidity).toBeTypeOf('bigint');
    expect(before.uidValidity).not.toBe(4242n);

    await dovecot.setUidValidity('alice', 'INBOX', 4242);
    const after = answered(await client.status('INBOX', { uidValidity: true }), 'STATUS');
    expect(after.uidValidity).toBe(4242n);
  });

  it('append stores a message with its flags, and expunge removes it by UID', async () => {
    const uid = await dovecot.append('alice', 'Drafts', rawMessage('A draft', 'draft'), [
      '\\Seen',
      '\\Draft',
    ]);
    const client = await login();
    await client.mailboxOpen('Drafts');
    const appended = answered(
      await client.fetchOne(String(uid), { flags: true, envelope: true }, { uid: true }),
      'FETCH',
    );
    expect(appended.envelope?.subject).toBe('A draft');
    // \\Recent is the server's own (a new message in a session), not a flag anyone stores.
    const flags = [...(appended.flags ?? [])].filter((flag) => flag !== '\\Recent').sort();
    expect(flags).toEqual(['\\Draft', '\\Seen']);
    await client.mailboxClose();

    await dovecot.expunge('alice', 'Drafts', [uid]);
    await client.mailboxOpen('Drafts');
    expect(await client.search({ uid: String(uid) }, { uid: true })).toEqual([]);
  });

  it('lists Sent, Drafts and Trash with their special-use flags', async () => {
    const client = await login();
    const listed = await client.list();
    const specialUse = Object.fromEntries(listed.map((m) => [m.path, m.specialUse]));
    expect(specialUse).toMatchObject({ Sent: '\\Sent', Drafts: '\\Drafts', Trash: '\\Trash' });
  });

  it('addUser gives a new user a mailbox that takes LMTP mail at once', async () => {
    await dovecot.addUser('bob', 'hunter2');
    await dovecot.deliver('bob', rawMessage('For Bob', 'hello bob'));
    const client = await login('bob', 'hunter2');
    const status = answered(await client.status('INBOX', { messages: true }), 'STATUS');
    expect(status.messages).toBe(1);
    expect(dovecot.users.map((u) => u.name)).toEqual(['alice', 'bob']);
    await expect(login('bob', 'wrong')).rejects.toThrow();
  });

  it('doveadm answers with its output', async () => {
    const out = await dovecot.doveadm(['mailbox', 'status', '-u', 'alice', 'messages', 'INBOX']);
    expect(out.trim()).toBe('INBOX messages=3');
  });

  it('two instances started at once get their own ports and folders', async () => {
    const [a, b] = await Promise.all([startDovecot(), startDovecot()]);
    try {
      expect(new Set([a.imapPort, a.lmtpPort, b.imapPort, b.lmtpPort, dovecot.imapPort]).size).toBe(5);
      expect(a.dir).not.toBe(b.dir);
      await a.deliver('alice', rawMessage('Only in a', 'a'));
      const out = await Promise.all(
        [a, b].map((d) => d.doveadm(['mailbox', 'status', '-u', 'alice', 'messages', 'INBOX'])),
      );
      expect(out.map((o) => o.trim())).toEqual(['INBOX messages=1', 'INBOX messages=0']);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('stop leaves no Dovecot process and no folder behind', async () => {
    const pids = await dovecot.processIds();
    expect(pids.length).toBeGreaterThan(1);
    for (const client of clients.splice(0)) await client.logout().catch(() => {});

    await dovecot.stop();
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    expect(await dovecot.processIds()).toEqual([]);
    await expect(stat(dovecot.dir)).rejects.toThrow(/ENOENT/);
  });
});
