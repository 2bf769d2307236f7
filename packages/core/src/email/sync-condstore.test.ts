// The mailbox sync's use of CONDSTORE and QRESYNC (RFC 7162), against real Dovecots: one offering both, one
// playing a server without QRESYNC, one without either. Each sync runs as a worker runs it, and every IMAP
// command it sends is recorded, so a test can say what a pass cost on the wire.
import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { lazySecretBox } from '../auth/secret-box.ts';
import { type Dovecot, startDovecot } from './dovecot-harness.ts';
import { syncMailbox } from './imap-sync.ts';
import { connectMailbox, customerMail, until, workspaceRows } from './mail-fixture.ts';

const KEY = randomBytes(32);
const POLL_MS = 400;

interface RunningSync {
  /** Every command sent since the sync started, in order (`<tag> <command>`). */
  commands: string[];
  stop(): Promise<void>;
}

describe('mailbox sync with CONDSTORE and QRESYNC against a real Dovecot', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const dovecots: Dovecot[] = [];
  const syncs = new Set<RunningSync>();
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const rows = workspaceRows(
    () => t.handle.db,
    () => admin.workspaceId,
  );

  /** Runs one mailbox's sync as a worker does (quick polls, no reconcile after the first), recording its commands. */
  function runSync(mailboxId: string): RunningSync {
    const commands: string[] = [];
    const abort = new AbortController();
    let failure: unknown;
    const done = syncMailbox(
      {
        db: t.handle.db,
        secrets: lazySecretBox(async () => KEY),
        allowPrivate: true,
        maxMessageBytes: 40 * 1024 * 1024,
        pollMs: POLL_MS,
        reconcileMs: 86_400_000,
        onImapCommand: (command) => commands.push(command),
      },
      admin.workspaceId,
      mailboxId,
      abort.signal,
    ).catch((error: unknown) => {
      failure = error;
    });
    const running: RunningSync = {
      commands,
      async stop() {
        syncs.delete(running);
        abort.abort();
        await done;
        if (failure) throw failure;
      },
    };
    syncs.add(running);
    return running;
  }

  /** The folders' stored state, by path. */
  const folders = async (mailboxId: string) =>
    new Map(
      (
        await rows<{ path: string; uid_validity: string | null; highest_modseq: string | null }>(
          `select path, uid_validity::text, highest_modseq::text from mailbox_folders
           where mailbox_id = '${mailboxId}'`,
        )
      ).map((f) => [f.path, f]),
    );

  /** The folder and UID of each stored location of a message, by its Message-ID. */
  const locations = (messageId: string) =>
    rows<{ folder: string; uid: string; uid_validity: string }>(
      `select l.folder, l.uid::text, l.uid_validity::text from email_locations l
       join email_messages m on m.workspace_id = l.workspace_id and m.id = l.message_id where m.message_id = '${messageId}'`,
    );

  /** Waits until the sync is past its first pass and first poll: messages stored, folders' state kept. */
  async function settled(mailboxId: string, messageIds: string[], withModseq: boolean): Promise<void> {
    await until('the first passes', async () => {
      const stored = await rows(
        `select 1 from email_messages where message_id in (${messageIds.map((id) => `'${id}'`).join(', ')})`,
      );
      const state = await folders(mailboxId);
      const [mailbox] = await rows<{ reconciled: string | null }>(
        `select progress->>'reconciledAt' as reconciled from mailboxes where id = '${mailboxId}'`,
      );
      const kept = ['INBOX', 'Sent'].every(
        (path) => state.get(path) && (state.get(path)!.highest_modseq !== null) === withModseq,
      );
      return stored.length === messageIds.length && kept && mailbox?.reconciled ? true : undefined;
    });
  }

  /** Waits for `polls` more polls (each opens Sent once; the inbox is opened before every IDLE too). */
  async function polls(sync: RunningSync, from: number, count: number): Promise<string[]> {
    return until(`${count} polls`, async () => {
      const since = sync.commands.slice(from);
      return since.filter((c) => /^\S+ EXAMINE Sent\b/.test(c)).length >= count ? since : undefined;
    });
  }

  /** The HIGHESTMODSEQ the server reports for a user's folder now. */
  async function serverModseq(
    dovecot: Dovecot,
    user: string,
    password: string,
    path: string,
  ): Promise<string> {
    const client = new ImapFlow({
      host: dovecot.host,
      port: dovecot.imapPort,
      secure: false,
      doSTARTTLS: false,
      auth: { user, pass: password },
      logger: false,
    });
    await client.connect();
    try {
      const status = await client.status(path, { highestModseq: true });
      if (!status) throw new Error(`the server refused STATUS of ${path}`);
      return String(status.highestModseq);
    } finally {
      await client.logout();
    }
  }

  /** Mail waiting in a user's inbox and Sent before the mailbox is connected (`<id>@customer.example`). */
  async function seed(dovecot: Dovecot, user: string, inbox: string[], sent: string[]): Promise<void> {
    for (const id of inbox)
      await dovecot.deliver(
        user,
        customerMail({ from: 'Leyla <leyla@customer.example>', subject: id, text: id, id }),
      );
    for (const id of sent)
      await dovecot.append(
        user,
        'Sent',
        customerMail({
          from: `${user}@localhost.example`,
          to: 'leyla@customer.example',
          subject: id,
          text: id,
          id,
        }),
      );
  }

  /** The capability list of a logged-in client of the full Dovecot, less the named ones. */
  async function capabilitiesWithout(dovecot: Dovecot, drop: string[]): Promise<string> {
    const client = new ImapFlow({
      host: dovecot.host,
      port: dovecot.imapPort,
      secure: false,
      doSTARTTLS: false,
      auth: { user: 'nadia', pass: 'nadia-password' },
      logger: false,
    });
    await client.connect();
    try {
      return [...client.capabilities.keys()].filter((c) => !drop.includes(c.toUpperCase())).join(' ');
    } finally {
      await client.logout();
    }
  }

  beforeAll(async () => {
    dovecots.push(await startDovecot({ users: [{ name: 'nadia', password: 'nadia-password' }] }));
    t = await createTestApp({
      RABITA_OPEN_SIGNUP: 'true',
      RABITA_MAIL_ALLOW_PRIVATE: 'true',
      RABITA_SECRET_KEY: KEY.toString('hex'),
    });
    admin = await signUp(t.app);
  }, 60_000);
  afterAll(async () => {
    for (const sync of [...syncs]) await sync.stop().catch(() => {});
    await t?.close();
    for (const dovecot of dovecots) await dovecot.stop();
  });

  describe('a server offering QRESYNC', () => {
    let dovecot: Dovecot;
    let mailboxId: string;
    let sync: RunningSync;

    it('answers a quiet poll from HIGHESTMODSEQ alone: no search and no fetch', async () => {
      dovecot = dovecots[0]!;
      await seed(dovecot, 'nadia', ['q1', 'q2', 'q3'], ['s1', 's2']);
      mailboxId = await connectMailbox(call, dovecot, undefined, {
        name: 'nadia',
        password: 'nadia-password',
        address: 'nadia@localhost.example',
      });
      sync = runSync(mailboxId);
      const ids = ['q1', 'q2', 'q3', 's1', 's2'].map((id) => `${id}@customer.example`);
      await settled(mailboxId, ids, true);
      expect(sync.commands.find((c) => /^\S+ ENABLE /.test(c))).toMatch(/\bQRESYNC\b/);

      const from = sync.commands.length;
      const quiet = await polls(sync, from, 2);
      expect(quiet.filter((c) => /\b(SEARCH|FETCH)\b/.test(c))).toEqual([]);
      // Each folder is opened with the stored UIDVALIDITY and HIGHESTMODSEQ, which equal the server's.
      const state = await folders(mailboxId);
      for (const path of ['INBOX', 'Sent']) {
        const folder = state.get(path)!;
        expect(folder.highest_modseq).toBe(await serverModseq(dovecot, 'nadia', 'nadia-password', path));
        const reopened = `EXAMINE ${path} (QRESYNC (${folder.uid_validity} ${folder.highest_modseq}))`;
        expect(
          quiet.some((c) => c.endsWith(reopened)),
          reopened,
        ).toBe(true);
      }
    }, 60_000);

    it('learns expunges from VANISHED and removes only those locations, without reading every UID', async () => {
      const state = await folders(mailboxId);
      const [q2] = await locations('q2@customer.example');
      const [s1] = await locations('s1@customer.example');
      const from = sync.commands.length;
      // One expunged while the inbox idles (pushed), one in Sent (found by the next poll's open).
      await dovecot.expunge('nadia', 'INBOX', [Number(q2!.uid)]);
      await dovecot.expunge('nadia', 'Sent', [Number(s1!.uid)]);
      await until('the expunges', async () =>
        (await locations('q2@customer.example')).length === 0 &&
        (await locations('s1@customer.example')).length === 0
          ? true
          : undefined,
      );
      const since = sync.commands.slice(from);
      expect(since.filter((c) => /SEARCH ALL/.test(c))).toEqual([]);
      expect(since.some((c) => /EXAMINE Sent \(QRESYNC /.test(c))).toBe(true);
      // The other locations stay, and the expunged messages themselves stay (for their links and timelines).
      for (const id of ['q1', 'q3', 's2'])
        expect((await locations(`${id}@customer.example`)).length, id).toBe(1);
      expect(
        await rows(
          `select 1 from email_messages where message_id in ('q2@customer.example', 's1@customer.example')`,
        ),
      ).toHaveLength(2);
      // The stored HIGHESTMODSEQ moved on with the server's.
      const after = await until('the new HIGHESTMODSEQ', async () => {
        const now = await folders(mailboxId);
        return BigInt(now.get('Sent')!.highest_modseq!) > BigInt(state.get('Sent')!.highest_modseq!) &&
          BigInt(now.get('INBOX')!.highest_modseq!) > BigInt(state.get('INBOX')!.highest_modseq!)
          ? now
          : undefined;
      });
      expect(after.get('INBOX')!.highest_modseq).toBe(
        await serverModseq(dovecot, 'nadia', 'nadia-password', 'INBOX'),
      );
    }, 60_000);

    it('re-maps a folder whose UIDVALIDITY changed by Message-ID, and starts its HIGHESTMODSEQ again', async () => {
      await sync.stop();
      const count = async () =>
        (await rows<{ n: number }>(`select count(*)::int as n from email_messages`))[0]!.n;
      const before = await count();
      const old = (await folders(mailboxId)).get('INBOX')!;
      await dovecot.setUidValidity('nadia', 'INBOX', 4242);
      sync = runSync(mailboxId);
      await until('the re-map', async () => {
        const moved = await rows(
          `select 1 from email_locations where folder = 'INBOX' and uid_validity = 4242`,
        );
        const inbox = (await folders(mailboxId)).get('INBOX');
        return moved.length === 2 && inbox?.uid_validity === '4242' && inbox.highest_modseq
          ? true
          : undefined;
      });
      expect(await count()).toBe(before);
      // The first open still named the old pair; once re-mapped, the folder is opened with the new one.
      expect(
        sync.commands.some((c) => c.endsWith(`(QRESYNC (${old.uid_validity} ${old.highest_modseq}))`)),
      ).toBe(true);
      await polls(sync, sync.commands.length, 1);
      expect(sync.commands.some((c) => /EXAMINE INBOX \(QRESYNC \(4242 \d+\)\)/.test(c))).toBe(true);
      // An expunge under the new UIDVALIDITY is learnt the same way.
      const [q3] = await locations('q3@customer.example');
      expect(q3?.uid_validity).toBe('4242');
      const from = sync.commands.length;
      await dovecot.expunge('nadia', 'INBOX', [Number(q3!.uid)]);
      await until('the expunge', async () =>
        (await locations('q3@customer.example')).length === 0 ? true : undefined,
      );
      expect(sync.commands.slice(from).filter((c) => /SEARCH ALL/.test(c))).toEqual([]);
      expect(await locations('q1@customer.example')).toHaveLength(1);
      await sync.stop();
    }, 60_000);
  });

  it('without QRESYNC, skips a quiet poll by HIGHESTMODSEQ and finds an expunge by comparing every UID', async () => {
    const dovecot = await startDovecot({
      users: [{ name: 'omid', password: 'omid-password' }],
      imapCapability: await capabilitiesWithout(dovecots[0]!, ['QRESYNC']),
    });
    dovecots.push(dovecot);
    await seed(dovecot, 'omid', ['c1', 'c2'], []);
    const mailboxId = await connectMailbox(call, dovecot, undefined, {
      name: 'omid',
      password: 'omid-password',
      address: 'omid@localhost.example',
    });
    const sync = runSync(mailboxId);
    await settled(mailboxId, ['c1@customer.example', 'c2@customer.example'], true);
    const enable = sync.commands.find((c) => /^\S+ ENABLE /.test(c));
    expect(enable).toMatch(/\bCONDSTORE\b/);
    expect(enable).not.toMatch(/\bQRESYNC\b/);

    const quiet = await polls(sync, sync.commands.length, 2);
    expect(quiet.filter((c) => /\b(SEARCH|FETCH)\b/.test(c))).toEqual([]);

    const [c1] = await locations('c1@customer.example');
    const from = sync.commands.length;
    await dovecot.expunge('omid', 'INBOX', [Number(c1!.uid)]);
    await until('the expunge', async () =>
      (await locations('c1@customer.example')).length === 0 ? true : undefined,
    );
    expect(sync.commands.slice(from).some((c) => /UID SEARCH ALL/.test(c))).toBe(true);
    expect(sync.commands.some((c) => /QRESYNC/.test(c) && !/ENABLE/.test(c))).toBe(false);
    expect(await locations('c2@customer.example')).toHaveLength(1);
    await sync.stop();
  }, 60_000);

  it('without CONDSTORE either, compares every UID at each poll as before and keeps no HIGHESTMODSEQ', async () => {
    const dovecot = await startDovecot({
      users: [{ name: 'parisa', password: 'parisa-password' }],
      imapCapability: await capabilitiesWithout(dovecots[0]!, ['QRESYNC', 'CONDSTORE']),
    });
    dovecots.push(dovecot);
    await seed(dovecot, 'parisa', ['p1', 'p2'], []);
    const mailboxId = await connectMailbox(call, dovecot, undefined, {
      name: 'parisa',
      password: 'parisa-password',
      address: 'parisa@localhost.example',
    });
    const sync = runSync(mailboxId);
    await settled(mailboxId, ['p1@customer.example', 'p2@customer.example'], false);
    expect(sync.commands.some((c) => /^\S+ ENABLE /.test(c))).toBe(false);
    const polled = await polls(sync, sync.commands.length, 2);
    // Each poll reads every UID of each folder (Sent and the inbox).
    expect(polled.filter((c) => /UID SEARCH ALL/.test(c)).length).toBeGreaterThanOrEqual(2);

    const [p1] = await locations('p1@customer.example');
    await dovecot.expunge('parisa', 'INBOX', [Number(p1!.uid)]);
    await until('the expunge', async () =>
      (await locations('p1@customer.example')).length === 0 ? true : undefined,
    );
    expect(await locations('p2@customer.example')).toHaveLength(1);
    expect([...(await folders(mailboxId)).values()].map((f) => f.highest_modseq)).toEqual([null, null]);
    await sync.stop();
  }, 60_000);
});
