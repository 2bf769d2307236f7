import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { lazySecretBox } from '../auth/secret-box.ts';
import { type SmtpReceiver, startSmtpReceiver } from '../workflows/smtp-receiver.ts';
import { type Dovecot, startDovecot } from './dovecot-harness.ts';
import { connectMailbox, startTestSync, until, workspaceRows } from './mail-fixture.ts';
import { nextOpening, sendRules, stepTime } from './sequence-time.ts';
import { runSequenceStep } from './sequences.service.ts';

const KEY = randomBytes(32);

/** The List-Unsubscribe URL of a raw message (its header unfolded). */
function unsubscribeLink(raw: string): string {
  const header = /^List-Unsubscribe:\s*<([^>]+)>/im.exec(raw.replace(/\r\n[ \t]+/g, ''));
  return header?.[1] ?? '';
}

describe('sequences: steps over business days, stopped by replies, bounces, unsubscribes and closed deals', () => {
  let t: TestApp;
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;
  const received: string[] = [];
  let admin: Awaited<ReturnType<typeof signUp>>;
  let sync: { stop(): Promise<void> };
  let mailboxId: string;
  let sequenceId: string;
  const people = new Map<string, string>();
  const deps = {
    secrets: lazySecretBox(async () => KEY),
    allowPrivate: true,
    publicUrl: 'https://crm.example.com',
  };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const rows = workspaceRows(
    () => t.handle.db,
    () => admin.workspaceId,
  );
  const enrolment = async (personKey: string) =>
    (
      await rows<{
        id: string;
        status: string;
        stop_reason: string | null;
        step: number;
        paused_until: Date | null;
      }>(
        `select id, status, stop_reason, step, paused_until from email_enrolments
         where person_id = '${people.get(personKey)}' order by created_at desc limit 1`,
      )
    )[0]!;
  const step = (enrolmentId: string) =>
    runSequenceStep(t.handle.db, { workspaceId: admin.workspaceId, enrolmentId }, deps, {
      number: 1,
      max: 5,
    });
  const enrol = async (keys: string[], dealId?: string) => {
    const r = await call('POST', `/email/sequences/${sequenceId}/enrol`, {
      personIds: keys.map((k) => people.get(k)),
      mailboxId,
      dealId,
    });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { enrolled: { id: string; nextAt: string }[]; skipped: { reason: string }[] };
  };

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'sara', password: 'pw' }] });
    smtp = await startSmtpReceiver((raw) => {
      received.push(raw);
    });
    t = await createTestApp({
      RABITA_MAIL_ALLOW_PRIVATE: 'true',
      RABITA_SECRET_KEY: KEY.toString('hex'),
      RABITA_PUBLIC_URL: 'https://crm.example.com',
    });
    admin = await signUp(t.app);
    const company = (await call('POST', '/objects/companies', { name: 'Customer Co' })).json() as {
      id: string;
    };
    for (const [key, email] of [
      ['maryam', 'maryam@customer.example'],
      ['reza', 'reza@customer.example'],
      ['ali', 'ali@customer.example'],
      ['nima', 'nima@customer.example'],
      ['leila', 'leila@other.example'],
    ] as const) {
      const r = await call('POST', '/objects/people', {
        firstName: key,
        emails: [email],
        preferredLanguage: 'fa',
        company: email.endsWith('customer.example') ? company.id : undefined,
      });
      expect(r.statusCode, r.body).toBe(201);
      people.set(key, (r.json() as { id: string }).id);
    }
    mailboxId = await connectMailbox(call, dovecot, smtp, {
      name: 'sara',
      password: 'pw',
      address: 'sara@localhost',
    });
    const template = async (subject: string, body: string) =>
      (
        (await call('POST', '/email/templates', { name: subject, subject, bodyHtml: body })).json() as {
          id: string;
        }
      ).id;
    // Today is never the weekend here, and the window is the whole day: steps are due as soon as they are asked.
    const today = new Date().getUTCDay();
    const weekend = today === 0 || today === 6 ? 'thu-fri' : 'sat-sun';
    const sequence = await call('POST', '/email/sequences', {
      name: 'پیگیری پیش‌فاکتور',
      steps: [
        {
          templateId: await template(
            'پیش‌فاکتور {{ record.firstName }}',
            '<p>سلام {{ record.firstName }}</p>',
          ),
          delayDays: 0,
          asReply: false,
        },
        { templateId: await template('follow-up', '<p>یادآوری دوستانه</p>'), delayDays: 2, asReply: true },
      ],
      settings: {
        window: { start: '00:00', end: '23:59' },
        timeZone: 'UTC',
        weekend,
        stopOnCompanyReply: true,
      },
    });
    expect(sequence.statusCode, sequence.body).toBe(201);
    sequenceId = (sequence.json() as { id: string }).id;
    sync = startTestSync(t.handle.db, KEY, { pollMs: 1000 });
    await until('the mailbox', async () => {
      const m = (await call('GET', `/mailboxes/${mailboxId}`)).json() as { status: string };
      return m.status === 'ready' ? true : undefined;
    });
  }, 60_000);
  afterAll(async () => {
    await sync?.stop();
    await t?.close();
    await smtp?.close();
    await dovecot?.stop();
  });

  it('counts business days across the weekend and keeps steps inside the send window', () => {
    const rules = sendRules(
      { window: { start: '09:00', end: '17:00' }, weekend: 'fri-sat' },
      { timeZone: 'Asia/Riyadh', weekend: [6, 7] },
    );
    // Thursday 2026-12-03 15:00 in Riyadh (12:00 UTC): two business days later skips Friday and Saturday.
    expect(stepTime(new Date('2026-12-03T12:00:00Z'), 2, rules).toISOString()).toBe(
      '2026-12-07T12:00:00.000Z',
    );
    // Thursday 18:00 (after the window): the next opening is Sunday 09:00.
    expect(nextOpening(new Date('2026-12-03T15:00:00Z'), rules).toISOString()).toBe(
      '2026-12-06T06:00:00.000Z',
    );
    const iran = sendRules({ weekend: 'fri' }, { timeZone: 'Asia/Tehran', weekend: [5] });
    expect(iran.weekend).toEqual([5]);
  });

  it('enrols once per person, sends the steps as a thread with an unsubscribe link, then finishes', async () => {
    const first = await enrol(['maryam']);
    expect(first.enrolled).toHaveLength(1);
    expect((await enrol(['maryam'])).skipped).toEqual([
      expect.objectContaining({ reason: 'already_enrolled' }),
    ]);
    const id = first.enrolled[0]!.id;
    await step(id);
    const one = await simpleParser(received.at(-1)!);
    expect(one.subject).toBe('پیش‌فاکتور \u2068maryam\u2069');
    expect(unsubscribeLink(received.at(-1)!)).toContain('https://crm.example.com/t/u/');
    expect((await enrolment('maryam')).step).toBe(1);
    await step(id);
    const two = await simpleParser(received.at(-1)!);
    expect(two.inReplyTo).toBe(one.messageId);
    expect(two.subject).toBe('Re: پیش‌فاکتور \u2068maryam\u2069');
    expect(await enrolment('maryam')).toMatchObject({ status: 'finished', step: 2 });
    const stats = await call(
      'GET',
      `/email/stats?from=${new Date(Date.now() - 86_400_000).toISOString()}&to=${new Date(Date.now() + 86_400_000).toISOString()}`,
    );
    expect((stats.json() as { total: { sent: number } }).total.sent).toBe(2);
  });

  it('stops on the person’s reply, and on a colleague’s when the sequence says so', async () => {
    const { enrolled } = await enrol(['reza', 'ali']);
    for (const e of enrolled) await step(e.id);
    await dovecot.deliver(
      'sara',
      await new MailComposer({
        from: 'reza@customer.example',
        to: 'sara@localhost',
        subject: 'Re: پیش‌فاکتور',
        text: 'ممنون',
      })
        .compile()
        .build(),
    );
    await until('the stop', async () => ((await enrolment('ali')).status === 'stopped' ? true : undefined));
    expect(await enrolment('reza')).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
    expect(await enrolment('ali')).toMatchObject({ status: 'stopped', stop_reason: 'company_replied' });
  });

  it('holds an enrolment after an out-of-office reply instead of stopping it', async () => {
    const { enrolled } = await enrol(['leila']);
    await step(enrolled[0]!.id);
    await dovecot.deliver(
      'sara',
      await new MailComposer({
        from: 'leila@other.example',
        to: 'sara@localhost',
        subject: 'Automatic reply: پیش‌فاکتور',
        text: 'I am away until Monday.',
        headers: { 'Auto-Submitted': 'auto-replied' },
      })
        .compile()
        .build(),
    );
    const held = await until('the pause', async () => {
      const e = await enrolment('leila');
      return e.paused_until ? e : undefined;
    });
    expect(held.status).toBe('active');
    const before = received.length;
    await step(enrolled[0]!.id);
    expect(received.length).toBe(before);
    expect((await enrolment('leila')).step).toBe(1);
  });

  it('stops when its deal closes, and by hand', async () => {
    const deal = await call('POST', '/objects/deals', { name: 'قرارداد', primaryPerson: people.get('nima') });
    expect(deal.statusCode, deal.body).toBe(201);
    const dealId = (deal.json() as { id: string }).id;
    await enrol(['nima'], dealId);
    expect((await call('PATCH', `/objects/deals/${dealId}`, { status: 'lost' })).statusCode).toBe(200);
    expect(await enrolment('nima')).toMatchObject({ status: 'stopped', stop_reason: 'deal_closed' });
    const again = await enrol(['nima']);
    const stopped = await call('POST', `/email/enrolments/${again.enrolled[0]!.id}/stop`);
    expect(stopped.statusCode, stopped.body).toBe(200);
    expect((stopped.json() as { stopReason: string }).stopReason).toBe('manual');
  });

  it('unsubscribes with one click, stops the enrolment and keeps sequence mail from the address', async () => {
    const { enrolled } = await enrol(['leila']).catch(() => ({ enrolled: [] as { id: string }[] }));
    expect(enrolled).toEqual([]); // still enrolled (held), so not again
    const message = received.findLast((r) => r.includes('leila@other.example'))!;
    const link = unsubscribeLink(message);
    const path = new URL(link).pathname;
    const page = await t.app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post">');
    expect((await enrolment('leila')).status).toBe('active'); // a GET (a link scanner) changes nothing
    const done = await t.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(await enrolment('leila')).toMatchObject({ status: 'stopped', stop_reason: 'unsubscribed' });
    const refused = await enrol(['leila']);
    await step(refused.enrolled[0]!.id);
    expect(await enrolment('leila')).toMatchObject({ status: 'stopped' });
    expect((await enrolment('leila')).stop_reason).toContain('unsubscribed');
    // A one-to-one reply to them is still allowed.
    const direct = await call('POST', '/email/send', {
      mailboxId,
      to: ['leila@other.example'],
      text: 'سلام',
    });
    expect(direct.statusCode, direct.body).toBe(201);
  });
});
