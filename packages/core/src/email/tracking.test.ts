import { randomBytes, randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { type SmtpReceiver, startSmtpReceiver } from '../workflows/smtp-receiver.ts';
import { type Dovecot, startDovecot } from './dovecot-harness.ts';
import { connectMailbox, deliveryReport, startTestSync, until, workspaceRows } from './mail-fixture.ts';

const KEY = randomBytes(32);
const BROWSER =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

describe('opens, clicks, replies and bounces of sent mail, with real SMTP and IMAP peers', () => {
  let t: TestApp;
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;
  const received: string[] = [];
  let admin: Awaited<ReturnType<typeof signUp>>;
  let sync: { stop(): Promise<void> };
  let mailboxId: string;
  let templateId: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const rows = workspaceRows(
    () => t.handle.db,
    () => admin.workspaceId,
  );
  const stats = async () => {
    const from = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const r = await call(
      'GET',
      `/email/stats?templateId=${templateId}&from=${from}&to=${to}&timeZone=Asia/Tehran`,
    );
    expect(r.statusCode, r.body).toBe(200);
    return (r.json() as { total: Record<string, unknown> }).total;
  };
  const send = async (to: string) => {
    const r = await call('POST', '/email/send', {
      mailboxId,
      to: [to],
      templateId,
      track: true,
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { id: string; messageId: string };
  };

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'sara', password: 'pw' }] });
    // The peer accepts every message and, for an unknown recipient, bounces it as a remote server would: a DSN to the
    // envelope sender (the VERP address), delivered into the mailbox by LMTP.
    smtp = await startSmtpReceiver(async (raw, session) => {
      received.push(raw);
      const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      for (const rcpt of session.envelope.rcptTo) {
        if (!rcpt.address.startsWith('bad@')) continue;
        await dovecot.deliver(from.split('@')[0]!, deliveryReport(from, rcpt.address));
      }
    });
    t = await createTestApp({
      RABITA_OPEN_SIGNUP: 'true',
      RABITA_MAIL_ALLOW_PRIVATE: 'true',
      RABITA_SECRET_KEY: KEY.toString('hex'),
      RABITA_PUBLIC_URL: 'https://crm.example.com',
    });
    admin = await signUp(t.app);
    for (const email of ['maryam@customer.example', 'bad@customer.example'])
      expect((await call('POST', '/objects/people', { firstName: 'x', emails: [email] })).statusCode).toBe(
        201,
      );
    mailboxId = await connectMailbox(call, dovecot, smtp, {
      name: 'sara',
      password: 'pw',
      address: 'sara@localhost',
    });
    const template = await call('POST', '/email/templates', {
      name: 'Offer',
      subject: 'پیشنهاد ویژه',
      bodyHtml:
        '<p>ببینید: <a href="https://shop.example/offer?id=7&amp;ref=mail">پیشنهاد</a> و <a href="https://shop.example/terms">شرایط</a></p>',
    });
    templateId = (template.json() as { id: string }).id;
    sync = startTestSync(t.handle.db, KEY, { pollMs: 1000 });
  }, 60_000);
  afterAll(async () => {
    await sync?.stop();
    await t?.close();
    await smtp?.close();
    await dovecot?.stop();
  });

  it('sends links through signed tokens and counts opens and clicks, people apart from machines', async () => {
    const sent = await send('maryam@customer.example');
    const mail = await simpleParser(received.at(-1)!);
    const html = mail.html || '';
    expect(html).not.toContain('shop.example');
    const clicks = [...html.matchAll(/https:\/\/crm\.example\.com(\/t\/c\/[^"]+)"/g)].map((m) => m[1]!);
    const open = /https:\/\/crm\.example\.com(\/t\/o\/[^"]+)"/.exec(html)?.[1];
    expect(clicks).toHaveLength(2);
    expect(open).toBeDefined();
    // A message read an hour after it was sent, so timing does not mark these events as a machine's.
    await rows(`update email_messages set sent_at = now() - interval '1 hour' where id = '${sent.id}'`);
    const get = (url: string, ua: string, method: 'GET' | 'HEAD' = 'GET') =>
      t.app.inject({ method, url, headers: { 'user-agent': ua } });
    const pixel = await get(open!, BROWSER);
    expect(pixel.statusCode).toBe(200);
    expect(pixel.headers['content-type']).toBe('image/gif');
    expect((await get(open!, 'Mozilla/5.0')).statusCode).toBe(200); // Apple's privacy prefetch
    const click = await get(clicks[0]!, BROWSER);
    expect(click.statusCode).toBe(302);
    expect(click.headers.location).toBe('https://shop.example/offer?id=7&ref=mail');
    await new Promise((r) => setTimeout(r, 2100));
    expect((await get(clicks[1]!, BROWSER, 'HEAD')).statusCode).toBe(302); // a scanner's HEAD
    // A token changed by one character, and a URL in the query string, lead nowhere.
    const tampered = `${clicks[0]!.slice(0, -3)}${clicks[0]!.at(-3) === 'A' ? 'B' : 'A'}${clicks[0]!.slice(-2)}`;
    expect((await get(tampered, BROWSER)).statusCode).toBe(404);
    expect((await get('/t/c/x?url=https://evil.example', BROWSER)).statusCode).toBe(404);
    expect((await get('/t/o/garbage', BROWSER)).statusCode).toBe(200);
    // A second message only a security scanner opened: "all" counts it, "people" does not.
    await send('maryam@customer.example');
    const second = /https:\/\/crm\.example\.com(\/t\/o\/[^"]+)"/.exec(
      (await simpleParser(received.at(-1)!)).html || '',
    )?.[1];
    await rows(`update email_messages set sent_at = now() - interval '1 hour' where direction = 'out'`);
    expect((await get(second!, 'Mozilla/5.0 (compatible; Barracuda Sentinel)')).statusCode).toBe(200);
    const events = await until('the buffered events', async () => {
      const e = await rows<{ kind: string; machine: boolean }>(
        `select kind, machine from email_events order by at, kind`,
      );
      return e.length === 5 ? e : undefined;
    });
    expect(events).toEqual([
      { kind: 'open', machine: false },
      { kind: 'open', machine: true },
      { kind: 'click', machine: false },
      { kind: 'click', machine: true },
      { kind: 'open', machine: true },
    ]);
    expect(await stats()).toMatchObject({
      sent: 2,
      opened: { people: 1, all: 2 },
      clicked: { people: 1, all: 1 },
    });
  });

  it('counts a reply, but not an auto-reply', async () => {
    const sent = await send('maryam@customer.example');
    const reply = (auto: boolean, id: string) =>
      new MailComposer({
        from: 'maryam@customer.example',
        to: 'sara@localhost',
        subject: 'Re: پیشنهاد ویژه',
        text: auto ? 'I am out of the office' : 'ممنون، قبول دارم',
        messageId: `<${id}@customer.example>`,
        inReplyTo: `<${sent.messageId}>`,
        references: [`<${sent.messageId}>`],
        headers: auto ? { 'Auto-Submitted': 'auto-replied' } : {},
      })
        .compile()
        .build();
    await dovecot.deliver('sara', await reply(true, 'ooo'));
    await dovecot.deliver('sara', await reply(false, 'real-reply'));
    await until('the reply', async () => ((await stats()).replied === 1 ? true : undefined));
    const kinds = await rows<{ kind: string }>(
      `select e.kind from email_events e join email_messages m on m.workspace_id = e.workspace_id and m.id = e.message_id
       where m.message_id = '${sent.messageId}' order by e.kind`,
    );
    expect(kinds.map((k) => k.kind)).toEqual(['auto_reply', 'reply']);
  });

  it('reads a bounce through its VERP address, suppresses the address, and refuses to mail it again', async () => {
    await send('bad@customer.example');
    await until('the bounce', async () => ((await stats()).bounced === 1 ? true : undefined));
    const list = await call('GET', '/email/suppressions');
    expect((list.json() as { data: { address: string; reason: string }[] }).data).toEqual([
      expect.objectContaining({ address: 'bad@customer.example', reason: 'bounce 5.1.1' }),
    ]);
    const again = await call('POST', '/email/send', { mailboxId, to: ['bad@customer.example'], text: 'x' });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('bounced hard');
    expect((await call('DELETE', '/email/suppressions/bad@customer.example')).statusCode).toBe(204);
    const total = await stats();
    expect(total).toMatchObject({ sent: 4, delivered: 3, bounced: 1 });
  });
  it('counts a bounce that arrives before its message is stored, once the message is', async () => {
    const key = randomUUID();
    const messageId = `${key}@localhost`;
    // The report first: its VERP address names a message nobody has stored yet.
    await dovecot.deliver('sara', deliveryReport(`sara+rb-${key}@localhost`, 'late@customer.example'));
    await until('the early report', async () =>
      (await rows(`select 1 from email_early_events where message_id = '${messageId}'`)).length === 1
        ? true
        : undefined,
    );
    // Then the message, as the Sent copy of another mail program.
    const original = await new MailComposer({
      from: 'sara@localhost',
      to: 'late@customer.example',
      subject: 'سفارش',
      text: 'سلام',
      messageId: `<${messageId}>`,
    })
      .compile()
      .build();
    await dovecot.append('sara', 'Sent', original);
    const events = await until('the claimed bounce', async () => {
      const e = await rows<{ kind: string }>(
        `select e.kind from email_events e join email_messages m on m.workspace_id = e.workspace_id and m.id = e.message_id
         where m.message_id = '${messageId}'`,
      );
      return e.length > 0 ? e : undefined;
    });
    expect(events).toEqual([{ kind: 'bounce' }]);
    expect(await rows(`select 1 from email_early_events`)).toEqual([]);
  });

  it('reads the sends as an object the email module keeps, without their content, and draws the email funnel', async () => {
    // The four messages sent from Rabita above (the other mail program's copy is not one of them).
    const listed = await call('POST', '/objects/emailSends/query', {
      fields: ['template', 'sentAt', 'openedAt', 'clickedAt', 'repliedAt', 'bouncedAt', 'owner'],
      limit: 50,
    });
    expect(listed.statusCode, listed.body).toBe(200);
    const data = (listed.json() as { data: Record<string, unknown>[] }).data;
    expect(data).toHaveLength(4);
    expect(data.map((d) => [d.template, d.owner])).toEqual(data.map(() => ['Offer', admin.userId]));
    expect(data.filter((d) => d.openedAt).length).toBe(1);
    expect(data.filter((d) => d.repliedAt).length).toBe(1);
    expect(data.filter((d) => d.bouncedAt).length).toBe(1);
    // The times are the summaries the module keeps as it writes and flags events (email-0009); each is what the
    // message's own events say, machine opens and clicks left out, and the last event moves `updatedAt`.
    const fromEvents = await rows<Record<string, string | null>>(
      `select m.id,
         min(e.at) filter (where e.kind = 'open' and not e.machine) as "openedAt",
         min(e.at) filter (where e.kind = 'click' and not e.machine) as "clickedAt",
         min(e.at) filter (where e.kind = 'reply' and not e.machine) as "repliedAt",
         min(e.at) filter (where e.kind = 'bounce' and not e.machine) as "bouncedAt",
         greatest(m.sent_at, max(e.at)) as "updatedAt"
       from email_messages m left join email_events e on e.workspace_id = m.workspace_id and e.message_id = m.id
       where m.workspace_id = '${admin.workspaceId}' and m.direction = 'out' and m.sent_by_user_id is not null
       group by m.id, m.sent_at`,
    );
    const iso = (v: unknown) => (v == null ? null : new Date(v as string).toISOString());
    const times = ['openedAt', 'clickedAt', 'repliedAt', 'bouncedAt'] as const;
    const read = await call('POST', '/objects/emailSends/query', {
      fields: [...times, 'updatedAt'],
      limit: 50,
    });
    expect(
      Object.fromEntries(
        (read.json() as { data: Record<string, unknown>[] }).data.map((d) => [
          d.id,
          [...times, 'updatedAt'].map((k) => iso(d[k])),
        ]),
      ),
    ).toEqual(
      Object.fromEntries(fromEvents.map((e) => [e.id, [...times, 'updatedAt'].map((k) => iso(e[k]))])),
    );
    expect(await rows(`select 1 from email_events where machine`)).not.toEqual([]);
    // No subject, body or address leaves the mailbox's rules this way.
    expect(listed.body).not.toContain('پیشنهاد ویژه');
    expect(listed.body).not.toContain('customer.example');
    const metrics = (await call('GET', '/reports/metrics')).json() as {
      data: { key: string; definition: Record<string, unknown> }[];
    };
    const def = (key: string) => metrics.data.find((m) => m.key === key)!.definition;
    const funnel = await call('POST', '/reports/run', def('email.funnel'));
    expect(funnel.statusCode, funnel.body).toBe(200);
    expect((funnel.json() as { rows: { values: unknown[] }[] }).rows[0]!.values).toEqual([4, 1, 1, 1]);
    const rates = await call('POST', '/reports/run', {
      ...def('email.ratesByTemplate'),
      calendar: 'persian',
    });
    expect(rates.statusCode, rates.body).toBe(200);
    const [offer] = (rates.json() as { rows: { keys: unknown[]; values: unknown[] }[] }).rows;
    expect(offer!.keys).toEqual(['Offer']);
    expect(offer!.values.map(Number)).toEqual([4, 0.25, 0.25, 0.25, 0.25]);
    // Kept by the email module: nobody writes them; another workspace reads none.
    const sendId = data[0]!.id as string;
    for (const [method, url] of [
      ['POST', '/objects/emailSends'],
      ['PATCH', `/objects/emailSends/${sendId}`],
      ['DELETE', `/objects/emailSends/${sendId}`],
    ] as const) {
      const res = await call(method, url, method === 'DELETE' ? undefined : { template: 'x' });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.body).toContain('kept by the email module');
    }
    const stranger = await signUp(t.app);
    const theirs = await call('POST', '/objects/emailSends/query', { limit: 50 }, stranger.cookie);
    expect(theirs.statusCode).toBe(200);
    expect((theirs.json() as { data: unknown[] }).data).toEqual([]);
    expect((await call('GET', `/objects/emailSends/${sendId}`, undefined, stranger.cookie)).statusCode).toBe(
      404,
    );
  });
});
