// Tickets by email, with real IMAP (Dovecot) and SMTP peers and a real job worker: a customer's mail to a shared
// desk mailbox opens a ticket in Persian, the agent's reply goes out by email on the customer's thread in their
// language, the customer's answer and their auto-reply land on the ticket as they should, and the ticket number in
// a subject reaches the ticket only from the requester's own address.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Runner } from 'graphile-worker';
import { simpleParser } from 'mailparser';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  ownerPool,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { type Dovecot, startDovecot } from '../email/dovecot-harness.ts';
import {
  customerMail as mail,
  startTestJobWorker,
  startTestSync,
  until,
  workspaceRows,
} from '../email/mail-fixture.ts';
import { visibleText } from '../email/mail-intake.ts';
import { type SmtpReceiver, startSmtpReceiver } from '../workflows/smtp-receiver.ts';
import { languageOf } from './mail-desk.ts';

const KEY = randomBytes(32);

interface Ticket {
  id: string;
  number: number;
  subject: string;
  status: string;
  channel: string;
  language: string | null;
  queue: string;
  requester: string | null;
}
interface Message {
  kind: string;
  body: string;
  automatic: boolean;
  emailMessageId: string | null;
  outboxId: string | null;
}

describe('tickets by email through a shared desk mailbox', () => {
  let t: TestApp;
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;
  let sync: { stop(): Promise<void> };
  let worker: Runner;
  let pool: pg.Pool;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let mailboxId: string;
  const sent: string[] = [];
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const rows = workspaceRows(
    () => t.handle.db,
    () => admin.workspaceId,
  );
  const tickets = async () =>
    (await call('GET', '/objects/tickets?limit=100&sort=number')).json() as { data: Ticket[] };
  const ticketFrom = (subject: string) =>
    until(`the ticket "${subject}"`, async () => (await tickets()).data.find((x) => x.subject === subject));
  const messages = async (id: string) =>
    ((await call('GET', `/tickets/${id}/messages`)).json() as { data: Message[] }).data;
  const stored = async () =>
    Number((await rows<{ n: string }>('select count(*) as n from email_messages'))[0]!.n);

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'support', password: 'pw' }] });
    smtp = await startSmtpReceiver(async (raw) => {
      sent.push(raw);
    });
    t = await createTestApp({
      RABITA_MAIL_ALLOW_PRIVATE: 'true',
      RABITA_SECRET_KEY: KEY.toString('hex'),
      RABITA_PUBLIC_URL: 'https://crm.example.com',
    });
    admin = await signUp(t.app);
    const box = await call('POST', '/mailboxes', {
      name: 'Support',
      address: 'support@localhost',
      kind: 'shared',
      imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'none' },
      smtp: { host: '127.0.0.1', port: Number(new URL(smtp.url).port), security: 'none' },
      username: 'support',
      secret: 'pw',
      readers: [],
    });
    expect(box.statusCode, box.body).toBe(201);
    mailboxId = (box.json() as { id: string }).id;
    const desk = await call('PUT', `/service/mailboxes/${mailboxId}`, { queue: 'general' });
    expect(desk.statusCode, desk.body).toBe(200);
    sync = startTestSync(t.handle.db, KEY, { pollMs: 500 });
    pool = ownerPool(t.url, 4);
    worker = await startWorker();
  }, 90_000);
  const startWorker = () => startTestJobWorker(t.handle.db, pool, KEY);
  afterAll(async () => {
    await worker?.stop();
    await pool?.end();
    await sync?.stop();
    await t?.close();
    await smtp?.close();
    await dovecot?.stop();
  });

  it('opens a Persian ticket from a mail, answers it by email on the thread, and takes the answer and an auto-reply', async () => {
    const subject = 'سفارش ۱۲۳۴ هنوز نرسیده';
    await dovecot.deliver(
      'support',
      mail({
        from: `=?UTF-8?B?${Buffer.from('مریم احمدی').toString('base64')}?= <Maryam@Customer.example>`,
        subject,
        id: 'first',
        text: 'سلام،\nسفارش من هنوز نرسیده است.\n\nدر تاریخ ۱ آذر ۱۴۰۵، پشتیبانی <support@localhost> نوشت:\n> پیام قبلی\n',
      }),
    );
    const ticket = await ticketFrom(subject);
    expect(ticket).toMatchObject({ channel: 'email', language: 'fa', queue: 'general', status: 'new' });
    const person = (await call('GET', `/objects/people/${ticket.requester}`)).json() as Record<
      string,
      unknown
    >;
    expect(person).toMatchObject({ firstName: 'مریم', lastName: 'احمدی' });
    expect(person.emails).toEqual([expect.objectContaining({ address: 'maryam@customer.example' })]);
    const [first] = await messages(ticket.id);
    expect(first).toMatchObject({
      kind: 'customer',
      body: 'سلام،\nسفارش من هنوز نرسیده است.',
      automatic: false,
    });
    expect(first!.emailMessageId).not.toBeNull();

    // The agent's reply, setting pending customer: sent by the worker from the desk mailbox.
    const reply = await call('POST', `/tickets/${ticket.id}/messages`, {
      kind: 'reply',
      body: 'سلام مریم، سفارش شما فردا می‌رسد.',
      status: 'pending_customer',
    });
    expect(reply.statusCode, reply.body).toBe(201);
    expect((reply.json() as Message).outboxId).not.toBeNull();
    const out = await until('the reply by email', async () => {
      const raw = sent.find((r) => r.includes('maryam@customer.example'));
      return raw ? simpleParser(raw) : undefined;
    });
    expect(out.subject).toBe(`Re: ${subject} [#${ticket.number}]`);
    expect(out.from?.value[0]?.address).toBe('support@localhost');
    expect(out.inReplyTo).toBe('<first@customer.example>');
    expect(out.headers.get('content-language')).toBe('fa');
    expect(out.html).toContain('dir="rtl"');
    expect(out.text).toContain('سفارش شما فردا می‌رسد');

    // Their out-of-office on the thread: kept on the ticket as automatic, and the ticket still waits for them.
    await dovecot.deliver(
      'support',
      mail({
        from: 'maryam@customer.example',
        subject: `Re: ${subject} [#${ticket.number}]`,
        text: 'I am away until Saturday.',
        inReplyTo: out.messageId!,
        headers: ['Auto-Submitted: auto-replied'],
      }),
    );
    await until('the auto-reply', async () => ((await messages(ticket.id)).length === 3 ? true : undefined));
    expect((await messages(ticket.id))[0]).toMatchObject({ kind: 'customer', automatic: true });
    expect(((await call('GET', `/objects/tickets/${ticket.id}`)).json() as Ticket).status).toBe(
      'pending_customer',
    );

    // Their real answer wakes the ticket.
    await dovecot.deliver(
      'support',
      mail({
        from: 'maryam@customer.example',
        subject: `Re: ${subject} [#${ticket.number}]`,
        text: 'ممنون، رسید.\n\nOn Tue, Dec 1, 2026 at 10:00 AM Support <support@localhost> wrote:\n> سلام مریم\n',
        inReplyTo: out.messageId!,
      }),
    );
    await until('the answer', async () => ((await messages(ticket.id)).length === 4 ? true : undefined));
    expect((await messages(ticket.id))[0]).toMatchObject({
      kind: 'customer',
      body: 'ممنون، رسید.',
      automatic: false,
    });
    expect(((await call('GET', `/objects/tickets/${ticket.id}`)).json() as Ticket).status).toBe('open');
    expect((await tickets()).data).toHaveLength(1);
  });

  it('reaches a ticket by the number in a subject only from the requester’s own address', async () => {
    const [ticket] = (await tickets()).data;
    await dovecot.deliver(
      'support',
      mail({
        from: 'maryam@customer.example',
        subject: `یک سؤال دیگر [#${ticket!.number}]`,
        text: 'و فاکتور؟',
      }),
    );
    await until('the requester’s mail on the ticket', async () =>
      (await messages(ticket!.id)).some((m) => m.body === 'و فاکتور؟') ? true : undefined,
    );
    await dovecot.deliver(
      'support',
      mail({ from: 'stranger@evil.example', subject: `Take over [#${ticket!.number}]`, text: 'Let me in.' }),
    );
    const other = await ticketFrom(`Take over [#${ticket!.number}]`);
    expect(other.id).not.toBe(ticket!.id);
    expect(other.language).toBe('en');
    expect((await messages(ticket!.id)).some((m) => m.body === 'Let me in.')).toBe(false);
  });

  it('opens no ticket from an auto-reply or from mail dated before the mailbox was turned on', async () => {
    const before = (await tickets()).data.length;
    const count = await stored();
    await dovecot.deliver(
      'support',
      mail({
        from: 'old@customer.example',
        subject: 'Old mail',
        text: 'From last week.',
        date: new Date(Date.now() - 7 * 86_400_000),
      }),
    );
    await dovecot.deliver(
      'support',
      mail({
        from: 'ooo@customer.example',
        subject: 'Out of office',
        text: 'Away.',
        headers: ['Auto-Submitted: auto-replied'],
      }),
    );
    await until('both stored', async () => ((await stored()) >= count + 2 ? true : undefined));
    expect((await tickets()).data).toHaveLength(before);
  });

  it('surveys a resolution once, cancels it on reopening, and takes the rating only by POST', async () => {
    const settings = { csatEnabled: true, csatDelayMinutes: 0, csatExpiryDays: 7 };
    expect((await call('PUT', '/service/surveys/settings', settings)).json()).toEqual(settings);
    const [ticket] = (await tickets()).data;
    const surveys = async () =>
      ((await call('GET', `/tickets/${ticket!.id}/surveys`)).json() as { data: Record<string, unknown>[] })
        .data;
    // Resolved and reopened before the survey went (the worker paused): cancelled. Resolved again: a survey for
    // that resolution.
    await worker.stop();
    await call('PATCH', `/objects/tickets/${ticket!.id}`, { status: 'resolved' });
    await call('PATCH', `/objects/tickets/${ticket!.id}`, { status: 'open' });
    expect((await surveys()).map((x) => x.status)).toEqual(['cancelled']);
    await call('PATCH', `/objects/tickets/${ticket!.id}`, { status: 'resolved' });
    expect((await surveys()).map((x) => [x.cycle, x.status])).toEqual([
      [1, 'scheduled'],
      [0, 'cancelled'],
    ]);
    worker = await startWorker();
    const out = await until('the survey by email', async () => {
      const raw = sent.find((r) => r.includes('maryam@customer.example') && r !== sent[0]);
      return raw ? simpleParser(raw) : undefined;
    });
    expect(out.subject).toBe(`از پاسخ ما راضی بودید؟ [#${ticket!.number}]`);
    const links = [...(out.text ?? '').matchAll(/https:\/\/crm\.example\.com(\/s\/csat\/\S+)\?rating=(\d)/g)];
    expect(links.map((l) => l[2])).toEqual(['1', '2', '3', '4', '5']);
    const path = links[0]![1]!;
    await until('the survey sent', async () => ((await surveys())[0]!.status === 'sent' ? true : undefined));
    // Opening a link shows the question with its rating chosen and records nothing.
    const page = await t.app.inject({ url: `${path}?rating=2` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('dir="rtl"');
    expect(page.body).toContain('value="2" checked');
    expect((await surveys())[0]!.status).toBe('sent');
    // The POST answers: an unhappy rating opens one follow-up task; answering again replaces the rating.
    const form = (body: string) =>
      t.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: body,
      });
    const answered = await form(`rating=2&comment=${encodeURIComponent('<b>دیر</b> رسید')}`);
    expect(answered.statusCode).toBe(200);
    expect(answered.body).toContain('&lt;b&gt;دیر&lt;/b&gt; رسید');
    const [first] = await surveys();
    expect(first).toMatchObject({ status: 'answered', rating: 2, answeredAt: expect.any(String) });
    expect((await form('rating=4')).statusCode).toBe(200);
    const [survey] = await surveys();
    // The second answer keeps the time of the first.
    expect(survey).toMatchObject({
      status: 'answered',
      rating: 4,
      comment: null,
      answeredAt: first!.answeredAt,
    });
    const task = (await call('GET', `/objects/tasks/${survey!.followUpTaskId}`)).json() as Record<
      string,
      unknown
    >;
    expect(task).toMatchObject({ linkedObject: 'tickets', linkedRecord: ticket!.id, status: 'open' });
    expect(((await call('GET', '/objects/tasks?limit=50')).json() as { data: unknown[] }).data).toHaveLength(
      1,
    );
    // Wrong ratings, a changed link and an expired survey record nothing.
    expect((await form('rating=9')).statusCode).toBe(400);
    expect((await t.app.inject({ url: `${path.slice(0, -4)}AAAA` })).statusCode).toBe(404);
    await rows(`update ticket_surveys set expires_at = now() - interval '1 minute'`);
    const late = await form('rating=5');
    expect(late.body).toContain('مهلت این نظرسنجی تمام شده است');
    expect((await surveys())[0]).toMatchObject({ rating: 4 });
  });

  it('lets only those who manage channels choose the desk mailboxes, and only shared ones with a real queue', async () => {
    const listed = await call('GET', '/service/mailboxes');
    expect(listed.json()).toMatchObject({
      data: [{ mailboxId, address: 'support@localhost', queue: 'general', enabled: true, sends: true }],
    });
    expect((await call('PUT', `/service/mailboxes/${mailboxId}`, { queue: 'nowhere' })).statusCode).toBe(400);
    expect((await call('PUT', `/service/mailboxes/${randomUUID()}`, { queue: 'general' })).statusCode).toBe(
      404,
    );
    const agent = await joinByInvitation(t.app, admin.cookie, {
      email: 'agent@example.com',
      role: 'member',
      name: 'Agent',
    });
    const asAgent = apiCaller(
      () => t.app,
      () => agent.cookie,
    );
    expect((await asAgent('GET', '/service/mailboxes')).statusCode).toBe(403);
    expect((await asAgent('PUT', `/service/mailboxes/${mailboxId}`, { queue: 'general' })).statusCode).toBe(
      403,
    );
    expect((await call('DELETE', `/service/mailboxes/${mailboxId}`)).statusCode).toBe(204);
    expect((await call('DELETE', `/service/mailboxes/${mailboxId}`)).statusCode).toBe(404);
  });
});

describe('the customer’s own words and language', () => {
  it('cuts quoted history under English, Arabic and Persian headers', () => {
    expect(visibleText('Thanks!\n\nOn Mon, Dec 1, 2026 at 10:00 AM A <a@b.c> wrote:\n> old')).toBe('Thanks!');
    expect(
      visibleText('شكراً جزيلاً\n\nفي الاثنين، ١ ديسمبر ٢٠٢٦، كتب الدعم <support@x.com>:\n> نص سابق'),
    ).toBe('شكراً جزيلاً');
    expect(visibleText('> only a quote')).toBe('> only a quote');
  });
  it('tells Persian from Arabic by the letters only Persian has', () => {
    expect(languageOf('سفارش من کجاست؟')).toBe('fa');
    expect(languageOf('أين طلبي؟')).toBe('ar');
    expect(languageOf('Where is my order?')).toBe('en');
  });
});
