import { randomBytes } from 'node:crypto';
import { withWorkspace } from '@rabita/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, countStatements, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { MODULES } from '../modules/index.ts';
import type { ModuleManifest } from '../modules/manifest.ts';
import { type Dovecot, startDovecot } from './dovecot-harness.ts';
import {
  internalAddresses,
  linkMessageToRecord,
  type Stored,
  type StoreItem,
  type StoreMailbox,
  storeMessage,
  storeMessages,
} from './email-store.ts';
import { connectMailbox, customerMail, startTestSync, until, workspaceRows } from './mail-fixture.ts';
import { type ParsedMessage, parseMessage } from './message-parse.ts';

const KEY = randomBytes(32);
const HOUR = 3_600_000;

/**
 * A module taking mail in: it refuses one subject (as a module might fail on one message), links mail whose
 * subject is "Open" to a record of the workspace (as the service desk links a ticket it opens), and notes the
 * links each message reaches it with.
 */
const seen = new Map<string, string[]>();
const opens = new Map<string, string>();
const probe: ModuleManifest = {
  key: 'store-batch-probe',
  mailIntakes: [
    {
      name: 'store-batch-probe',
      async take(ctx, mail) {
        if (mail.subject === 'poison') throw new Error('refused by the probe');
        seen.set(
          `${ctx.workspaceId}/${mail.messageId}`,
          mail.links.map((l) => `${l.object}:${l.recordId}`),
        );
        const record = opens.get(ctx.workspaceId);
        if (mail.subject === 'Open' && record)
          await linkMessageToRecord(ctx.trx, ctx.workspaceId, mail, { object: 'companies', id: record });
      },
    },
  ],
};

const parse = (raw: string) => parseMessage(Buffer.from(raw), { maxBytes: 1e7, maxAttachmentBytes: 1e7 });

/** One workspace with its mailbox, its people and what it stored, as the comparisons read it. */
interface Side {
  admin: Awaited<ReturnType<typeof signUp>>;
  mailbox: StoreMailbox;
  call: ReturnType<typeof apiCaller>;
  rows: ReturnType<typeof workspaceRows>;
}

describe('storing a fetched batch set-based', () => {
  let t: TestApp;
  let dovecot: Dovecot;
  const sides: Side[] = [];

  /** A workspace with a mailbox that creates people, a customer with a company and one open deal, and one with two. */
  async function side(user: string): Promise<Side> {
    const admin = await signUp(t.app);
    const call = apiCaller(
      () => t.app,
      () => admin.cookie,
    );
    const rows = workspaceRows(
      () => t.handle.db,
      () => admin.workspaceId,
    );
    const id = await connectMailbox(call, dovecot, undefined, {
      name: user,
      password: `${user}-password`,
      address: `${user}@rabita.example`,
    });
    expect((await call('PATCH', `/mailboxes/${id}`, { createPeople: true })).statusCode).toBe(200);
    const company = (await call('POST', '/objects/companies', { name: 'Customer Co' })).json() as {
      id: string;
    };
    const maryam = (
      await call('POST', '/objects/people', {
        firstName: 'Maryam',
        emails: ['maryam@customer.example'],
        company: company.id,
      })
    ).json() as { id: string };
    const omid = (
      await call('POST', '/objects/people', { firstName: 'Omid', emails: ['omid@customer.example'] })
    ).json() as {
      id: string;
    };
    expect(
      (await call('POST', '/objects/deals', { name: 'Renewal', primaryPerson: maryam.id })).statusCode,
    ).toBe(201);
    for (const name of ['Pilot', 'Expansion'])
      expect((await call('POST', '/objects/deals', { name, primaryPerson: omid.id })).statusCode).toBe(201);
    return {
      admin,
      call,
      rows,
      mailbox: { id, address: `${user}@rabita.example`, ownerUserId: admin.userId, createPeople: true },
    };
  }

  const store = (s: Side, items: StoreItem[]) =>
    withWorkspace(t.handle.db, s.admin.workspaceId, async (trx) =>
      storeMessages(trx, s.admin.workspaceId, s.mailbox, items, {
        internal: await internalAddresses(trx, s.admin.workspaceId),
      }),
    );
  /** The same items, each stored on its own in its own transaction (as the sync did before batches). */
  const storeOneByOne = async (s: Side, items: StoreItem[]) => {
    const out: Stored[] = [];
    for (const item of items)
      out.push(
        await withWorkspace(t.handle.db, s.admin.workspaceId, async (trx) =>
          storeMessage(trx, s.admin.workspaceId, s.mailbox, item.location, item.parsed, {
            internal: await internalAddresses(trx, s.admin.workspaceId),
          }),
        ),
      );
    return out;
  };

  /**
   * What a workspace stored, free of its ids: each thread as its messages' Message-IDs with its numbers, each
   * message's links with the record named (a person by address, a company or deal by name), and the locations.
   */
  async function snapshot(s: Side) {
    const threads = await s.rows<{
      ids: string[];
      n: number;
      subject: string;
      first_at: Date;
      last_at: Date;
      p: string[];
    }>(
      `select array_agg(m.message_id order by m.message_id) as ids, t.message_count as n, t.subject, t.first_at,
              t.last_at, (select array_agg(x order by x) from unnest(t.participants) x) as p
       from email_threads t join email_messages m on m.thread_id = t.id
       group by t.workspace_id, t.id order by 1`,
    );
    const links = await s.rows<{ message_id: string; object_key: string; record_id: string; how: string }>(
      `select m.message_id, l.object_key, l.record_id, l.how from email_links l
       join email_messages m on m.workspace_id = l.workspace_id and m.id = l.message_id order by 1, 2`,
    );
    const label = async (object: string, id: string) => {
      const view = (await s.call('GET', `/objects/${object}/${id}`)).json() as Record<string, unknown>;
      return object === 'people'
        ? JSON.stringify((view.emails as { address: string }[]).map((e) => e.address))
        : String(view.name);
    };
    const named = [];
    for (const l of links)
      named.push(`${l.message_id} → ${l.object_key} ${await label(l.object_key, l.record_id)} (${l.how})`);
    const locations = await s.rows<{ uid: string; message_id: string }>(
      `select l.uid::text, m.message_id from email_locations l join email_messages m on m.workspace_id = l.workspace_id and m.id = l.message_id
       order by l.uid`,
    );
    const people = await s.rows<{ n: number }>(`select count(*)::int as n from people`);
    return { threads, links: named.sort(), locations, people: people[0]?.n };
  }

  beforeAll(async () => {
    dovecot = await startDovecot({
      users: [
        { name: 'batch', password: 'batch-password' },
        { name: 'single', password: 'single-password' },
        { name: 'count', password: 'count-password' },
        { name: 'poison', password: 'poison-password' },
      ],
    });
    t = await createTestApp(
      {
        RABITA_OPEN_SIGNUP: 'true',
        RABITA_MAIL_ALLOW_PRIVATE: 'true',
        RABITA_SECRET_KEY: KEY.toString('hex'),
      },
      { modules: [...MODULES, probe] },
    );
    sides.push(await side('batch'), await side('single'));
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await dovecot?.stop();
  });

  it('threads, links and dedupes a batch exactly as storing its messages one by one does', async () => {
    const now = Date.now();
    const mail = (m: Parameters<typeof customerMail>[0]) =>
      parse(customerMail({ to: 'batch@rabita.example', ...m }));
    // Stored before the batch: two separate threads that one message of the batch will bridge.
    const before: ParsedMessage[] = [
      await mail({
        from: 'Maryam <maryam@customer.example>',
        subject: 'Quote',
        text: 'a',
        id: 'x1',
        date: new Date(now - 9 * HOUR),
      }),
      await mail({
        from: 'Omid <omid@customer.example>',
        subject: 'Pilot',
        text: 'b',
        id: 'y1',
        date: new Date(now - 8 * HOUR),
      }),
    ];
    const batch: ParsedMessage[] = [
      // A reply arriving before its parent, which comes later in the same batch.
      await mail({
        from: 'Maryam <maryam@customer.example>',
        subject: 'Re: Invoice',
        text: 'c',
        id: 'r1',
        inReplyTo: '<p1@customer.example>',
        date: new Date(now - 2 * HOUR),
      }),
      // An unknown sender, twice: one person is created and both messages are linked to them.
      await mail({
        from: 'Nima <nima@newcomer.example>',
        subject: 'Hello',
        text: 'd',
        id: 'n1',
        date: new Date(now - 5 * HOUR),
      }),
      await mail({
        from: 'Omid <omid@customer.example>',
        subject: 'Pilot again',
        text: 'e',
        id: 'o1',
        date: new Date(now - 4 * HOUR),
      }),
      await mail({
        from: 'Nima <nima@newcomer.example>',
        subject: 'Re: Hello',
        text: 'f',
        id: 'n2',
        inReplyTo: '<n1@customer.example>',
        date: new Date(now - 3 * HOUR),
      }),
      await mail({
        from: 'Maryam <maryam@customer.example>',
        subject: 'Invoice',
        text: 'g',
        id: 'p1',
        date: new Date(now - 6 * HOUR),
      }),
      // The same Message-ID twice in the batch (a second folder's copy): stored once, with both locations.
      await mail({
        from: 'Maryam <maryam@customer.example>',
        subject: 'Copy',
        text: 'h',
        id: 'd1',
        date: new Date(now - HOUR),
      }),
      await mail({
        from: 'Maryam <maryam@customer.example>',
        subject: 'Copy',
        text: 'h',
        id: 'd1',
        date: new Date(now - HOUR),
      }),
      // Bridges the two stored threads: they merge into the oldest.
      await parse(
        customerMail({
          from: 'Maryam <maryam@customer.example>',
          to: 'batch@rabita.example',
          subject: 'Re: Quote and pilot',
          text: 'i',
          id: 'b1',
          date: new Date(now - 30 * 60_000),
          headers: ['References: <x1@customer.example> <y1@customer.example>'],
        }),
      ),
      // A reply-looking subject without references joins its thread by subject.
      await mail({
        from: 'Omid <omid@customer.example>',
        subject: 'Re: Pilot again',
        text: 'j',
        id: 's1',
        date: new Date(now - 20 * 60_000),
      }),
    ];
    const at = (list: ParsedMessage[], from: number) =>
      list.map((parsed, i) => ({
        parsed,
        location: { folder: 'INBOX', uidValidity: '1', uid: String(from + i) },
      }));
    const [batchSide, singleSide] = sides as [Side, Side];
    await storeOneByOne(batchSide, at(before, 1));
    await storeOneByOne(singleSide, at(before, 1));
    const oldest = (
      await batchSide.rows<{ thread_id: string }>(
        `select thread_id from email_messages where message_id = 'x1@customer.example'`,
      )
    )[0]!.thread_id;

    const batched = await store(batchSide, at(batch, 10));
    const single = await storeOneByOne(singleSide, at(batch, 10));
    expect(batched.map((s) => s.created)).toEqual(single.map((s) => s.created));
    expect(batched.map((s) => s.created)).toEqual([true, true, true, true, true, true, false, true, true]);
    expect(batched[6]!.id).toBe(batched[5]!.id);

    const a = await snapshot(batchSide);
    const b = await snapshot(singleSide);
    expect(a).toEqual(b);
    const threadOf = (id: string) => a.threads.find((th) => th.ids.includes(`${id}@customer.example`))!;
    expect(threadOf('r1').ids).toEqual(['p1@customer.example', 'r1@customer.example']);
    expect(threadOf('r1')).toMatchObject({ n: 2, subject: 'Invoice' });
    expect(threadOf('b1').ids).toEqual(['b1@customer.example', 'x1@customer.example', 'y1@customer.example']);
    expect(threadOf('b1').n).toBe(3);
    expect(threadOf('s1').ids).toEqual(['o1@customer.example', 's1@customer.example']);
    expect(a.people).toBe(3);
    expect(a.links).toContain('n2@customer.example → people ["nima@newcomer.example"] (thread)');
    expect(a.links).toContain('n1@customer.example → people ["nima@newcomer.example"] (address)');
    expect(a.links).toContain('r1@customer.example → deals Renewal (address)');
    expect(a.links).toContain('p1@customer.example → deals Renewal (thread)');
    expect(a.links).toContain('r1@customer.example → companies Customer Co (address)');
    expect(a.links).toContain('o1@customer.example → deals Pilot (suggested)');
    expect(a.locations.filter((l) => l.message_id === 'd1@customer.example').map((l) => l.uid)).toEqual([
      '15',
      '16',
    ]);
    // The bridged threads merged into the oldest.
    const bridged = await batchSide.rows<{ thread_id: string }>(
      `select thread_id from email_messages where message_id = 'b1@customer.example'`,
    );
    expect(bridged[0]!.thread_id).toBe(oldest);
    // Every link moved with its message (a merge finds the links through the merged threads' messages).
    const stray = await batchSide.rows<{ n: number }>(
      `select count(*)::int as n from email_links l join email_messages m on m.workspace_id = l.workspace_id and m.id = l.message_id
       where l.thread_id <> m.thread_id`,
    );
    expect(stray[0]!.n).toBe(0);
    expect((await batchSide.rows<{ n: number }>(`select count(*)::int as n from email_threads`))[0]!.n).toBe(
      a.threads.length,
    );

    // Storing the batch again only finds it stored.
    const again = await store(batchSide, at(batch, 10));
    expect(again.every((s) => !s.created)).toBe(true);
    expect(again.map((s) => s.id)).toEqual(batched.map((s) => s.id));
  });

  it("gives a record a mail intake links a message to to the batch's later messages of its thread", async () => {
    const [batchSide, singleSide] = sides as [Side, Side];
    const items = async () => {
      const mail = (m: Omit<Parameters<typeof customerMail>[0], 'from'>) =>
        parse(customerMail({ from: 'Maryam <maryam@customer.example>', to: 'batch@rabita.example', ...m }));
      return [
        await mail({ subject: 'Open', text: 'a', id: 'open-1', date: new Date(Date.now() - 2 * HOUR) }),
        await mail({ subject: 'Re: Open', text: 'b', id: 'open-2', inReplyTo: '<open-1@customer.example>' }),
      ].map((parsed, i) => ({
        parsed,
        location: { folder: 'INBOX', uidValidity: '1', uid: String(100 + i) },
      }));
    };
    for (const s of sides) {
      const record = (await s.call('POST', '/objects/companies', { name: 'Ticket Co' })).json() as {
        id: string;
      };
      opens.set(s.admin.workspaceId, record.id);
    }
    await store(batchSide, await items());
    await storeOneByOne(singleSide, await items());
    const linksOf = async (s: Side) =>
      (await snapshot(s)).links.filter((l) => l.startsWith('open-') && l.includes('Ticket Co'));
    expect(await linksOf(batchSide)).toEqual([
      'open-1@customer.example → companies Ticket Co (context)',
      'open-2@customer.example → companies Ticket Co (thread)',
    ]);
    expect(await linksOf(batchSide)).toEqual(await linksOf(singleSide));
    const ticket = opens.get(batchSide.admin.workspaceId)!;
    expect(seen.get(`${batchSide.admin.workspaceId}/open-2@customer.example`)).toContain(
      `companies:${ticket}`,
    );
    expect(seen.get(`${singleSide.admin.workspaceId}/open-2@customer.example`)).toContain(
      `companies:${opens.get(singleSide.admin.workspaceId)}`,
    );
  });

  it('stores a batch of 100 in a bounded number of statements', async () => {
    const s = await side('count');
    const people = Array.from({ length: 20 }, (_, i) => `customer${i}@customer.example`);
    for (const address of people)
      expect(
        (await s.call('POST', '/objects/people', { firstName: address.split('@')[0], emails: [address] }))
          .statusCode,
      ).toBe(201);
    const items: StoreItem[] = [];
    for (let i = 0; i < 100; i++)
      items.push({
        location: { folder: 'INBOX', uidValidity: '7', uid: String(i + 1) },
        parsed: await parse(
          customerMail({
            from: people[i % people.length]!,
            to: 'count@rabita.example',
            subject: i % 5 === 4 ? `Re: Subject ${i - 1}` : `Subject ${i}`,
            text: `message ${i}`,
            id: `count-${i}`,
            ...(i % 5 === 4 ? { inReplyTo: `<count-${i - 1}@customer.example>` } : {}),
            date: new Date(Date.now() - (100 - i) * 60_000),
          }),
        ),
      });
    const all = countStatements(t.handle.pool, /./);
    // Each module taking mail in reads its own setting of the mailbox, once for the batch's transaction.
    const intakes = countStatements(t.handle.pool, /from (service_mailboxes|lead_mailboxes)/);
    const before = { all: all.count, intakes: intakes.count };
    const stored = await store(s, items);
    const statements = all.count - before.all;
    expect(stored.filter((x) => x.created)).toHaveLength(100);
    // 25 when this was written, the two intakes' reads included (one-by-one storing took about 15 a message, and
    // each intake read its setting per message: 200 more).
    expect(statements).toBeLessThanOrEqual(32);
    expect(intakes.count - before.intakes).toBe(2);
    const linked = await s.rows<{ n: number }>(
      `select count(distinct message_id)::int as n from email_links`,
    );
    expect(linked[0]!.n).toBe(100);
    const threads = await s.rows<{ n: number }>(`select count(*)::int as n from email_threads`);
    expect(threads[0]!.n).toBe(80);
  });

  it('stores each message of a failing batch on its own and logs the one that fails as skipped', async () => {
    const s = await side('poison');
    const deliver = (subject: string, i: number) =>
      dovecot.deliver(
        'poison',
        Buffer.from(
          customerMail({
            from: 'maryam@customer.example',
            to: 'poison@rabita.example',
            subject,
            text: 't',
            id: `poison-${i}`,
          }),
        ),
      );
    for (const [i, subject] of ['one', 'two', 'poison', 'four', 'five'].entries()) await deliver(subject, i);
    const sync = startTestSync(t.handle.db, KEY);
    try {
      const skips = await until('the skipped message', async () => {
        const rows = await s.rows<{ uid: string; reason: string; message_id: string }>(
          `select uid::text, reason, message_id from email_skips`,
        );
        return rows.length > 0 ? rows : undefined;
      });
      expect(skips).toEqual([
        { uid: '3', reason: 'Not stored: refused by the probe', message_id: 'poison-2@customer.example' },
      ]);
      const stored = await until('the other four messages', async () => {
        const rows = await s.rows<{ message_id: string }>(
          `select message_id from email_messages order by message_id`,
        );
        return rows.length === 4 ? rows : undefined;
      });
      expect(stored.map((r) => r.message_id)).toEqual(
        ['poison-0', 'poison-1', 'poison-3', 'poison-4'].map((id) => `${id}@customer.example`),
      );
    } finally {
      await sync.stop();
    }
  });
});
