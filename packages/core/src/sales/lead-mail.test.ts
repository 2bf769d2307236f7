// Leads by email, with a real IMAP server (Dovecot) and the mailbox sync a worker runs: a stranger's Arabic mail to a
// lead mailbox becomes a lead assigned by the rules, with their words as its first note; their next mails join that
// lead; bounces, auto-replies, old mail, customers, members and a mailbox not marked make none; and the routes that
// mark mailboxes check their callers and input, and keep to their workspace.
import { randomBytes, randomUUID } from 'node:crypto';
import { withWorkspace } from '@rabita/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { servicePrincipal } from '../auth/principal.ts';
import { type Dovecot, startDovecot } from '../email/dovecot-harness.ts';
import {
  connectMailbox,
  customerMail,
  deliveryReport,
  startTestSync,
  until,
  workspaceRows,
} from '../email/mail-fixture.ts';
import type { InboundMail } from '../modules/manifest.ts';
import { captureLead } from './lead-capture.service.ts';
import { takeLeadMail } from './lead-mail.service.ts';

const KEY = randomBytes(32);
const SALES = 'Sales <sales@localhost>';

interface Lead {
  id: string;
  name: string;
  email: string | null;
  source: string | null;
  status: string;
  owner: string | null;
}
interface TimelineEntry {
  kind: string;
  id: string;
  subject?: string;
  body?: string;
  type?: string;
  source?: string;
}

const b64 = (s: string) => `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=`;

describe('leads by email through a lead mailbox', () => {
  let t: TestApp;
  let dovecot: Dovecot;
  let sync: { stop(): Promise<void> };
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let rep: { userId: string; cookie: string };
  let salesBox: string;
  let infoBox: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const rows = workspaceRows(
    () => t.handle.db,
    () => admin.workspaceId,
  );
  const leads = async () => ((await call('GET', '/objects/leads?limit=100')).json() as { data: Lead[] }).data;
  const leadOf = (email: string) =>
    until(`the lead of ${email}`, async () => (await leads()).find((l) => l.email === email));
  const timeline = async (id: string, as?: string) =>
    (
      (await call('GET', `/objects/leads/${id}/timeline?limit=50`, undefined, as)).json() as {
        data: TimelineEntry[];
      }
    ).data;
  const stored = async () =>
    Number((await rows<{ n: string }>('select count(*) as n from email_messages'))[0]!.n);
  /** Waits for `n` more messages to be stored than `before`. */
  const storedMore = (before: number, n: number) =>
    until(`${n} more messages stored`, async () => ((await stored()) >= before + n ? true : undefined));
  beforeAll(async () => {
    dovecot = await startDovecot({
      users: [
        { name: 'sales', password: 'pw' },
        { name: 'info', password: 'pw' },
      ],
    });
    t = await createTestApp({
      RABITA_MAIL_ALLOW_PRIVATE: 'true',
      RABITA_SECRET_KEY: KEY.toString('hex'),
      RABITA_OPEN_SIGNUP: 'true',
    });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    rep = await joinByInvitation(t.app, admin.cookie, {
      email: `rep.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'member',
      name: 'Rep',
    });
    const rule = await call('POST', '/assignment-rules', {
      name: 'Mail leads',
      strategy: 'fixed',
      condition: { field: 'source', op: 'eq', value: 'email' },
      pool: [{ userId: rep.userId }],
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const shared = (name: string) =>
      connectMailbox(call, dovecot, undefined, {
        name,
        password: 'pw',
        address: `${name}@localhost`,
        kind: 'shared',
      });
    salesBox = await shared('sales');
    infoBox = await shared('info');
    const marked = await call('PUT', `/sales/lead-mailboxes/${salesBox}`, {});
    expect(marked.statusCode, marked.body).toBe(200);
    sync = startTestSync(t.handle.db, KEY, { pollMs: 500 });
  }, 90_000);
  afterAll(async () => {
    await sync?.stop();
    await t?.close();
    await dovecot?.stop();
  });

  it('makes an Arabic lead from a stranger’s mail, assigned by the rules, with their words as its first note', async () => {
    await dovecot.deliver(
      'sales',
      customerMail({
        from: `${b64('خالد العتيبي')} <Khalid@Buyer.example>`,
        to: SALES,
        id: 'khalid-first',
        subject: 'طلب عرض سعر لعشرين جهازاً',
        text: 'السلام عليكم،\nنرغب في عرض سعر لعشرين جهازاً.\n\nفي الاثنين، ١ ديسمبر، كتب فريق المبيعات <sales@localhost>:\n> رسالة سابقة\n',
      }),
    );
    const lead = await leadOf('khalid@buyer.example');
    expect(lead).toMatchObject({ name: 'خالد العتيبي', source: 'email', status: 'new', owner: rep.userId });
    const assignment = (await call('GET', `/leads/${lead.id}/assignment`)).json() as {
      assignment: { ownerId: string; reason: string } | null;
    };
    expect(assignment.assignment).toMatchObject({ ownerId: rep.userId, reason: 'fixed owner in Mail leads' });
    // The rep it went to sees the note (quoted history cut) and the mail itself on the lead's timeline.
    const entries = await timeline(lead.id, rep.cookie);
    expect(entries.find((e) => e.kind === 'activity')).toMatchObject({
      type: 'note',
      subject: 'طلب عرض سعر لعشرين جهازاً',
      body: 'السلام عليكم،\nنرغب في عرض سعر لعشرين جهازاً.',
    });
    expect(entries.filter((e) => e.kind === 'email')).toHaveLength(1);
    // Written by Rabita itself, so its history says so.
    expect(entries.filter((e) => e.kind === 'change').at(-1)).toMatchObject({ source: 'system' });
  });

  it('links the sender’s later mail, a reply or a new thread, to the same lead', async () => {
    const lead = await leadOf('khalid@buyer.example');
    await dovecot.deliver(
      'sales',
      customerMail({
        from: 'khalid@buyer.example',
        to: SALES,
        subject: 'Re: طلب عرض سعر لعشرين جهازاً',
        text: 'ونحتاج التركيب أيضاً.',
        inReplyTo: '<khalid-first@customer.example>',
      }),
    );
    await dovecot.deliver(
      'sales',
      customerMail({ from: 'KHALID@buyer.example', to: SALES, subject: 'سؤال آخر', text: 'ما مدة الضمان؟' }),
    );
    await until('three mails on the lead', async () =>
      (await timeline(lead.id)).filter((e) => e.kind === 'email').length === 3 ? true : undefined,
    );
    expect((await leads()).filter((l) => l.email?.toLowerCase() === 'khalid@buyer.example')).toHaveLength(1);
    expect((await timeline(lead.id)).filter((e) => e.kind === 'activity')).toHaveLength(1);
  });

  it('makes no lead from a bounce, an auto-reply, old mail, a customer, a member or a mailbox not marked', async () => {
    const before = (await leads()).length;
    const count = await stored();
    const person = await call('POST', '/objects/people', {
      firstName: 'Customer',
      emails: ['customer@known.example'],
    });
    expect(person.statusCode, person.body).toBe(201);
    await dovecot.deliver('sales', deliveryReport('sales@localhost', 'gone@nowhere.example'));
    await dovecot.deliver(
      'sales',
      customerMail({
        from: 'away@stranger.example',
        to: SALES,
        subject: 'خارج المكتب',
        text: 'أنا في إجازة.',
        headers: ['Auto-Submitted: auto-replied'],
      }),
    );
    await dovecot.deliver(
      'sales',
      customerMail({
        from: 'old@stranger.example',
        to: SALES,
        subject: 'Last week',
        text: 'From before the mailbox made leads.',
        date: new Date(Date.now() - 7 * 86_400_000),
      }),
    );
    await dovecot.deliver(
      'sales',
      customerMail({ from: 'customer@known.example', to: SALES, subject: 'Invoice', text: 'A question.' }),
    );
    await dovecot.deliver(
      'sales',
      customerMail({ from: admin.email, to: SALES, subject: 'Internal', text: 'From a member.' }),
    );
    await dovecot.deliver(
      'info',
      customerMail({
        from: 'newcomer@stranger.example',
        to: 'info@localhost',
        subject: 'Hi',
        text: 'Hello.',
      }),
    );
    await storedMore(count, 6);
    expect(await leads()).toHaveLength(before);
    // The customer's mail is theirs (linked to their person by the email module), not a lead's.
    const links = await rows<{ object_key: string }>(
      `select l.object_key from email_links l join email_messages m on m.id = l.message_id
       where m.from_address = 'customer@known.example'`,
    );
    expect(links.map((l) => l.object_key)).toEqual(['people']);
  });

  it('makes one lead of a message taken twice, and of one contact captured twice at once', async () => {
    const [message] = await rows<{ id: string; thread_id: string }>(
      `select id, thread_id from email_messages where from_address = 'newcomer@stranger.example'`,
    );
    // The message as the sync would hand it over, had its mailbox been a lead mailbox.
    const mail: InboundMail = {
      id: message!.id,
      threadId: message!.thread_id,
      messageId: 'again@customer.example',
      mailbox: { id: salesBox, address: 'sales@localhost' },
      subject: 'Hi',
      from: { address: 'newcomer@stranger.example', name: 'Newcomer' },
      to: ['sales@localhost'],
      cc: [],
      text: 'Hello.',
      sentAt: new Date(),
      autoReply: false,
      bounce: false,
      links: [],
    };
    const before = (await leads()).length;
    for (let i = 0; i < 2; i++)
      await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
        takeLeadMail({ trx, workspaceId: admin.workspaceId }, mail),
      );
    expect(await leads()).toHaveLength(before + 1);

    const principal = servicePrincipal(admin.workspaceId, {
      id: randomUUID(),
      key: 'calls',
      name: 'Calls',
      permissions: {
        actions: [],
        objects: { leads: { read: true, create: true, update: false, delete: false } },
      },
    });
    const capture = () =>
      withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
        captureLead(trx, principal, { name: 'مریم', phone: '+98 912 345 6789', source: 'phone' }),
      );
    const [a, b] = await Promise.all([capture(), capture()]);
    expect(a.id).toBe(b.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    // The same number written another way finds the same open lead.
    const again = await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      captureLead(trx, principal, { phone: '00989123456789', source: 'phone' }),
    );
    expect(again).toEqual({ id: a.id, created: false });
  });

  it('lets only those who manage lead capture mark mailboxes, with clear errors, in their own workspace', async () => {
    const listed = (await call('GET', '/sales/lead-mailboxes')).json() as { data: unknown[] };
    expect(listed.data).toEqual([
      expect.objectContaining({
        mailboxId: salesBox,
        address: 'sales@localhost',
        enabled: true,
        source: 'email',
        sends: false,
      }),
    ]);
    const put = (body: unknown, id = infoBox, as?: string) =>
      call('PUT', `/sales/lead-mailboxes/${id}`, body, as);
    for (const bad of [
      { source: '' },
      { source: 'a\u0000b' },
      { source: 'x'.repeat(201) },
      { enabled: 'yes' },
      { source: 'email', queue: 'general' },
    ])
      expect((await put(bad)).statusCode, JSON.stringify(bad)).toBe(400);
    expect((await put({}, 'not-a-uuid')).statusCode).toBe(400);
    expect((await put({}, randomUUID())).statusCode).toBe(404);
    const turned = await put({ source: 'صندوق المعلومات', enabled: false });
    expect(turned.statusCode, turned.body).toBe(200);
    expect(turned.json()).toMatchObject({ mailboxId: infoBox, source: 'صندوق المعلومات', enabled: false });

    // A member without sales.forms.manage is refused; so is another workspace, which sees nothing of these.
    expect((await call('GET', '/sales/lead-mailboxes', undefined, rep.cookie)).statusCode).toBe(403);
    expect((await put({}, salesBox, rep.cookie)).statusCode).toBe(403);
    expect((await put({}, salesBox, other.cookie)).statusCode).toBe(404);
    expect(
      (await call('DELETE', `/sales/lead-mailboxes/${salesBox}`, undefined, other.cookie)).statusCode,
    ).toBe(404);
    expect((await call('GET', '/sales/lead-mailboxes', undefined, other.cookie)).json()).toEqual({
      data: [],
    });
    expect((await call('GET', '/sales/lead-mailboxes')).json()).toMatchObject({
      data: [
        { mailboxId: salesBox, enabled: true },
        { mailboxId: infoBox, enabled: false },
      ],
    });

    expect((await call('DELETE', `/sales/lead-mailboxes/${infoBox}`)).statusCode).toBe(204);
    expect((await call('DELETE', `/sales/lead-mailboxes/${infoBox}`)).statusCode).toBe(404);
  });
});
