import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { lazySecretBox } from '../auth/secret-box.ts';
import { parseMail, type SmtpReceiver, startSmtpReceiver } from '../workflows/smtp-receiver.ts';
import { type Dovecot, startDovecot } from './dovecot-harness.ts';
import { startTestSync, until, workspaceRows } from './mail-fixture.ts';
import { deliverOutbox } from './outbox.service.ts';

const KEY = randomBytes(32);

/** A raw message, as a mail client would write it. */
async function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

describe('mailbox sync against a real Dovecot, and sending through a real SMTP peer', () => {
  let t: TestApp;
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;
  const received: string[] = [];
  let admin: Awaited<ReturnType<typeof signUp>>;
  let sync: { stop(): Promise<void> };
  let mailboxId: string;
  let personId: string;
  let idnPersonId: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const rows = workspaceRows(
    () => t.handle.db,
    () => admin.workspaceId,
  );
  const timeline = async (object: string, id: string) => {
    const r = await call('GET', `/objects/${object}/${id}/timeline?limit=100`);
    expect(r.statusCode, r.body).toBe(200);
    return (r.json() as { data: ({ kind: string } & Record<string, unknown>)[] }).data.filter(
      (e) => e.kind === 'email',
    );
  };

  beforeAll(async () => {
    dovecot = await startDovecot({
      users: [
        { name: 'sara', password: 'first-password' },
        { name: 'bob', password: 'bobs-password' },
      ],
    });
    smtp = await startSmtpReceiver((raw) => {
      received.push(raw);
    });
    t = await createTestApp({
      RABITA_OPEN_SIGNUP: 'true',
      RABITA_MAIL_ALLOW_PRIVATE: 'true',
      RABITA_SECRET_KEY: KEY.toString('hex'),
    });
    admin = await signUp(t.app);
    const person = await call('POST', '/objects/people', {
      firstName: 'مریم',
      lastName: 'احمدی',
      emails: ['maryam@customer.example'],
    });
    expect(person.statusCode, person.body).toBe(201);
    personId = (person.json() as { id: string }).id;
    const idn = await call('POST', '/objects/people', { firstName: 'سلمى', emails: ['salma@مثال.إختبار'] });
    expect(idn.statusCode, idn.body).toBe(201);
    idnPersonId = (idn.json() as { id: string }).id;
    // Two messages waiting before the mailbox is connected: the initial sync finds them.
    await dovecot.deliver(
      'sara',
      await compose({
        from: 'Maryam <maryam@customer.example>',
        to: 'sara@localhost',
        subject: 'درخواست پیش‌فاکتور',
        text: 'سلام، لطفاً پیش‌فاکتور را بفرستید.',
        messageId: '<first@customer.example>',
        date: new Date(Date.now() - 3600_000),
      }),
    );
    await dovecot.deliver(
      'sara',
      await compose({
        from: 'Salma <salma@xn--mgbh0fb.xn--kgbechtv>',
        to: 'sara@localhost',
        subject: '=?UTF-8?B?2LfZhNioINi52LHYtiDYs9i52LE=?=',
        text: 'مرحبا',
        messageId: '<arabic@xn--mgbh0fb.xn--kgbechtv>',
      }),
    );
    sync = startTestSync(t.handle.db, KEY, { pollMs: 1500, reconcileMs: 1000 });
  }, 60_000);
  afterAll(async () => {
    await sync?.stop();
    await t?.close();
    await smtp?.close();
    await dovecot?.stop();
  });

  it('refuses a mailbox whose server refuses the password, with the reason on the secret', async () => {
    const r = await call('POST', '/mailboxes', {
      name: 'Wrong',
      address: 'bob@localhost.example',
      kind: 'personal',
      imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'none' },
      username: 'bob',
      secret: 'not-bobs-password',
    });
    expect(r.statusCode, r.body).toBe(400);
    const body = r.json() as { detail: string; errors: { field: string; message: string }[] };
    expect(body.errors[0]?.field).toContain('secret');
    expect(body.detail).toMatch(/refused the user name or password/);
  });

  it('connects a mailbox, syncs what is there with progress, and never returns the secret', async () => {
    const r = await call('POST', '/mailboxes', {
      name: 'سارا',
      address: 'sara@localhost.example',
      kind: 'personal',
      imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'none' },
      smtp: { host: '127.0.0.1', port: Number(new URL(smtp.url).port), security: 'none' },
      username: 'sara',
      secret: 'first-password',
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.body).not.toContain('first-password');
    mailboxId = (r.json() as { id: string }).id;
    const stored = await rows<{ secret: string }>(`select secret from mailboxes`);
    expect(stored[0]?.secret).toMatch(/^v1\./);
    const ready = await until('the initial sync', async () => {
      const m = (await call('GET', `/mailboxes/${mailboxId}`)).json() as {
        status: string;
        progress: { done: number; total: number; secondsLeft: number | null };
      };
      return m.status === 'ready' && m.progress.done >= 2 ? m : undefined;
    });
    expect(ready.progress).toMatchObject({ done: 2, total: 2, secondsLeft: 0 });
    const entries = await timeline('people', personId);
    expect(entries.map((e) => e.subject)).toEqual(['درخواست پیش‌فاکتور']);
    // An IDN sender matches the person whose address was saved with its Arabic domain; the RFC 2047 subject is read.
    const arabic = await timeline('people', idnPersonId);
    expect(arabic.map((e) => e.subject)).toEqual(['طلب عرض سعر']);
  });

  it('leaves the server’s flags as they were (messages stay unread)', async () => {
    const client = new ImapFlow({
      host: dovecot.host,
      port: dovecot.imapPort,
      secure: false,
      doSTARTTLS: false,
      auth: { user: 'sara', pass: 'first-password' },
      logger: false,
    });
    await client.connect();
    try {
      await client.mailboxOpen('INBOX', { readOnly: true });
      const flags: string[][] = [];
      for await (const m of client.fetch('1:*', { flags: true })) flags.push([...(m.flags ?? [])]);
      expect(flags.length).toBe(2);
      for (const f of flags) expect(f).not.toContain('\\Seen');
    } finally {
      await client.logout();
    }
  });

  it('shows a new message on the timeline within seconds of its delivery (IDLE)', async () => {
    const started = Date.now();
    await dovecot.deliver(
      'sara',
      await compose({
        from: 'maryam@customer.example',
        to: 'sara@localhost',
        subject: 'پیگیری',
        text: 'خبری نشد؟',
        messageId: '<second@customer.example>',
      }),
    );
    await until('the pushed message', async () =>
      (await timeline('people', personId)).some((e) => e.subject === 'پیگیری') ? true : undefined,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('threads a reply that arrives before its parent, once the parent arrives', async () => {
    await dovecot.deliver(
      'sara',
      await compose({
        from: 'maryam@customer.example',
        to: 'sara@localhost',
        subject: 'پاسخ: قرارداد',
        text: 'این پاسخ است',
        messageId: '<child@customer.example>',
        inReplyTo: '<parent@customer.example>',
        references: ['<parent@customer.example>'],
      }),
    );
    await until('the reply', async () =>
      (await rows(`select 1 from email_messages where message_id = 'child@customer.example'`)).length
        ? true
        : undefined,
    );
    await dovecot.deliver(
      'sara',
      await compose({
        from: 'maryam@customer.example',
        to: 'sara@localhost',
        subject: 'قرارداد',
        text: 'قرارداد پیوست است',
        messageId: '<parent@customer.example>',
        date: new Date(Date.now() - 60_000),
      }),
    );
    const threads = await until('the parent', async () => {
      const found = await rows<{ message_id: string; thread_id: string }>(
        `select message_id, thread_id from email_messages where message_id in ('child@customer.example', 'parent@customer.example')`,
      );
      return found.length === 2 ? found : undefined;
    });
    expect(new Set(threads.map((r) => r.thread_id)).size).toBe(1);
    const thread = await call('GET', `/email/threads/${threads[0]!.thread_id}`);
    expect(thread.statusCode, thread.body).toBe(200);
    expect((thread.json() as { data: { subject: string }[] }).data.map((m) => m.subject)).toEqual([
      'قرارداد',
      'پاسخ: قرارداد',
    ]);
  });

  it('stores a message without a Message-ID under one made from its content, once', async () => {
    const raw = [
      'From: maryam@customer.example',
      'To: sara@localhost',
      'Subject: no id',
      'Date: Thu, 03 Dec 2026 10:00:00 +0000',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'بدون شناسه',
      '',
    ].join('\r\n');
    await dovecot.append('sara', 'INBOX', raw);
    await dovecot.append('sara', 'INBOX', raw);
    const found = await until('the message without an id', async () => {
      const r = await rows<{ synthesised: boolean; n: number }>(
        `select m.synthesised, (select count(*)::int from email_locations l where l.workspace_id = m.workspace_id and l.message_id = m.id) as n
         from email_messages m where subject = 'no id'`,
      );
      return r.length === 1 && r[0]!.n === 2 ? r : undefined;
    });
    expect(found[0]?.synthesised).toBe(true);
  });

  it('sends a reply in Persian that keeps the thread, lands in Sent once, and is stored once', async () => {
    const [first] = await rows<{ id: string; thread_id: string }>(
      `select id, thread_id from email_messages where message_id = 'first@customer.example'`,
    );
    const r = await call('POST', '/email/send', {
      mailboxId,
      to: ['maryam@customer.example'],
      text: 'سلام مریم، پیش‌فاکتور پیوست است.',
      replyTo: first!.id,
    });
    expect(r.statusCode, r.body).toBe(201);
    const sent = r.json() as { id: string; threadId: string; subject: string; messageId: string };
    expect(sent.threadId).toBe(first!.thread_id);
    expect(sent.subject).toBe('Re: درخواست پیش‌فاکتور');
    const mail = parseMail(received.at(-1)!);
    expect(mail.headers.get('in-reply-to')).toBe('<first@customer.example>');
    expect(mail.headers.get('references')).toContain('<first@customer.example>');
    expect(mail.headers.get('message-id')).toBe(`<${sent.messageId}>`);
    const html = (await simpleParser(received.at(-1)!)).html;
    expect(html).toContain('<html dir="rtl">');
    expect(html).toContain('<body dir="rtl">');
    // The copy appended to Sent is found by the next poll and becomes a second location of the same message.
    const locations = await until('the Sent copy', async () => {
      const l = await rows<{ folder: string }>(
        `select l.folder from email_locations l join email_messages m on m.workspace_id = l.workspace_id and m.id = l.message_id
         where m.message_id = '${sent.messageId.replace(/'/g, "''")}'`,
      );
      return l.length > 0 ? l : undefined;
    });
    expect(locations.map((l) => l.folder)).toEqual(['Sent']);
    expect(await rows(`select 1 from email_messages where message_id = '${sent.messageId}'`)).toHaveLength(1);
    const entries = await timeline('people', personId);
    expect(entries.some((e) => e.id === sent.id && e.direction === 'out')).toBe(true);
  });

  it('undoes a send within its window, and sends a scheduled one at its time (once)', async () => {
    const before = received.length;
    const undoable = await call('POST', '/email/outbox', {
      mailboxId,
      to: ['maryam@customer.example'],
      subject: 'لغو شود',
      text: 'این پیام نباید برود',
      undoSeconds: 10,
    });
    expect(undoable.statusCode, undoable.body).toBe(202);
    const entry = undoable.json() as { id: string; status: string; sendAt: string };
    expect(entry.status).toBe('scheduled');
    expect(Date.parse(entry.sendAt) - Date.now()).toBeGreaterThan(5000);
    const undone = await call('DELETE', `/email/outbox/${entry.id}`);
    expect(undone.statusCode, undone.body).toBe(200);
    expect((undone.json() as { status: string }).status).toBe('cancelled');
    const deps = { secrets: lazySecretBox(async () => KEY), allowPrivate: true };
    // The job, had it not been removed, finds the entry cancelled and sends nothing.
    await deliverOutbox(t.handle.db, { workspaceId: admin.workspaceId, outboxId: entry.id }, deps, {
      number: 1,
      max: 5,
    });
    expect(received.length).toBe(before);

    const later = await call('POST', '/email/outbox', {
      mailboxId,
      to: ['maryam@customer.example'],
      subject: 'یادآوری فردا',
      text: 'یادآوری',
      sendAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(later.statusCode, later.body).toBe(202);
    const scheduled = later.json() as { id: string };
    await deliverOutbox(t.handle.db, { workspaceId: admin.workspaceId, outboxId: scheduled.id }, deps, {
      number: 1,
      max: 5,
    });
    await deliverOutbox(t.handle.db, { workspaceId: admin.workspaceId, outboxId: scheduled.id }, deps, {
      number: 2,
      max: 5,
    });
    expect(received.length).toBe(before + 1);
    expect((await simpleParser(received.at(-1)!)).messageId).toBe(`<${scheduled.id}@localhost.example>`);
    const list = (await call('GET', '/email/outbox')).json() as { data: { id: string; status: string }[] };
    expect(list.data.find((e) => e.id === scheduled.id)?.status).toBe('sent');
    expect((await call('DELETE', `/email/outbox/${scheduled.id}`)).statusCode).toBe(409);
  });

  it('finds a message the sync lost by comparing with the server, and stores it again', async () => {
    // The message is there first (on a busy machine its first sync may still be under way), then lost.
    await until('the Arabic message stored', async () => {
      const there = await rows(
        `select 1 from email_messages where message_id = 'arabic@xn--mgbh0fb.xn--kgbechtv'`,
      );
      return there.length > 0 ? there : undefined;
    });
    const deleted = await rows<{ id: string }>(
      `delete from email_messages where message_id = 'arabic@xn--mgbh0fb.xn--kgbechtv' returning id`,
    );
    expect(deleted).toHaveLength(1);
    // What the last look saw, named if the wait runs out (a red CI run then says which part never came).
    let seen = '';
    const mailbox = await until('the reconcile', async () => {
      const back = await rows(
        `select 1 from email_messages where message_id = 'arabic@xn--mgbh0fb.xn--kgbechtv'`,
      );
      const m = (await call('GET', `/mailboxes/${mailboxId}`)).json() as {
        lastGap: { missing: number; checked: number } | null;
        lastReconcile: unknown;
        status: string;
        lastError: unknown;
      };
      seen = JSON.stringify({
        deleted: deleted.length,
        back: back.length,
        lastGap: m.lastGap,
        lastReconcile: m.lastReconcile,
        status: m.status,
        lastError: m.lastError,
      });
      // The gap stays on the mailbox after the next comparison (a second later here) finds none.
      return back.length === 1 && (m.lastGap?.missing ?? 0) >= 1 ? m : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}; last seen: ${seen.slice(0, 1500)}`);
    });
    expect(mailbox.lastGap?.checked).toBeGreaterThanOrEqual(5);
    expect((await timeline('people', idnPersonId)).map((e) => e.subject)).toEqual(['طلب عرض سعر']);
  });

  it('sends from a template in the recipient’s language and counts the message for the template', async () => {
    const template = await call('POST', '/email/templates', {
      name: 'سپاس',
      subject: 'Thanks {{ record.firstName }}',
      bodyHtml: '<p>Thanks</p>',
      variants: { fa: { subject: 'سپاس {{ record.firstName }}', bodyHtml: '<p>سپاس از خرید شما</p>' } },
    });
    expect(template.statusCode, template.body).toBe(201);
    expect((await call('PATCH', `/objects/people/${personId}`, { preferredLanguage: 'fa' })).statusCode).toBe(
      200,
    );
    const sent = await call('POST', '/email/send', {
      mailboxId,
      to: ['maryam@customer.example'],
      templateId: (template.json() as { id: string }).id,
      record: { object: 'people', id: personId },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    expect((sent.json() as { subject: string }).subject).toBe('سپاس \u2068مریم\u2069');
    const mail = await simpleParser(received.at(-1)!);
    expect(mail.html).toContain('سپاس از خرید شما');
    expect(mail.html).toContain('<html dir="rtl">');
    const [row] = await rows<{ template_id: string }>(
      `select template_id from email_messages where id = '${(sent.json() as { id: string }).id}'`,
    );
    expect(row?.template_id).toBe((template.json() as { id: string }).id);
  });

  it('keeps a 20 MB attachment once and serves it only to those who may read the message', async () => {
    const big = randomBytes(20 * 1024 * 1024);
    await dovecot.deliver(
      'sara',
      await compose({
        from: 'maryam@customer.example',
        to: 'sara@localhost',
        subject: 'نقشه‌ها',
        text: 'پیوست',
        messageId: '<big@customer.example>',
        attachments: [{ filename: 'نقشه.bin', content: big }],
      }),
    );
    const [message] = await until(
      'the large message',
      async () => {
        const r = await rows<{ id: string }>(
          `select id from email_messages where message_id = 'big@customer.example'`,
        );
        return r.length ? r : undefined;
      },
      60_000,
    );
    const file = await t.app.inject({
      method: 'GET',
      url: `/api/v1/email/messages/${message!.id}/attachments/0`,
      headers: { cookie: admin.cookie },
    });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(big)).toBe(true);
    expect(file.headers['content-disposition']).toContain("filename*=UTF-8''");
    const stranger = await signUp(t.app);
    const refused = await t.app.inject({
      method: 'GET',
      url: `/api/v1/email/messages/${message!.id}/attachments/0`,
      headers: { cookie: stranger.cookie },
    });
    expect(refused.statusCode).toBe(404);
  }, 90_000);

  it('sends an uploaded attachment, and refuses a token that is not the sender’s', async () => {
    const upload = (cookie: string, name: string, body: Buffer) => {
      const boundary = 'rabita-test-boundary';
      const payload = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/pdf\r\n\r\n`,
        ),
        body,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return t.app.inject({
        method: 'POST',
        url: '/api/v1/email/attachments',
        headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload,
      });
    };
    const content = randomBytes(300_000);
    const up = await upload(admin.cookie, 'quote.pdf', content);
    expect(up.statusCode, up.body).toBe(201);
    const { token, size } = up.json() as { token: string; size: number };
    expect(size).toBe(content.length);
    const sent = await call('POST', '/email/send', {
      mailboxId,
      to: ['maryam@customer.example'],
      subject: 'پیش‌فاکتور',
      text: 'پیوست است',
      attachments: [token],
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const mail = await simpleParser(received.at(-1)!);
    expect(mail.attachments.map((a) => a.filename)).toEqual(['quote.pdf']);
    expect(mail.attachments[0]!.content.equals(content)).toBe(true);
    const forged = await call('POST', '/email/send', {
      mailboxId,
      to: ['maryam@customer.example'],
      text: 'x',
      attachments: [`${token.slice(0, -4)}AAAA`],
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('attachments.0');
  });

  it('links earlier mail to a person who is added, or gains the address, after it arrived', async () => {
    await dovecot.deliver(
      'sara',
      await compose({
        from: 'Kaveh <kaveh@supplier.example>',
        to: 'sara@localhost',
        subject: 'قیمت جدید',
        text: 'لیست قیمت',
        messageId: '<kaveh-1@supplier.example>',
      }),
    );
    await until('the stranger’s message', async () =>
      (await rows(`select 1 from email_messages where message_id = 'kaveh-1@supplier.example'`)).length
        ? true
        : undefined,
    );
    const kaveh = await call('POST', '/objects/people', {
      firstName: 'کاوه',
      emails: ['Kaveh@Supplier.example'],
    });
    expect(kaveh.statusCode, kaveh.body).toBe(201);
    expect((await timeline('people', (kaveh.json() as { id: string }).id)).map((e) => e.subject)).toEqual([
      'قیمت جدید',
    ]);
    const other = await call('POST', '/objects/people', { firstName: 'همکار' });
    const otherId = (other.json() as { id: string }).id;
    expect(await timeline('people', otherId)).toEqual([]);
    const patched = await call('PATCH', `/objects/people/${otherId}`, { emails: ['kaveh@supplier.example'] });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await timeline('people', otherId)).map((e) => e.subject)).toEqual(['قیمت جدید']);
  });

  it('removes the location of a message expunged on the server', async () => {
    const [before] = await rows<{ uid: string }>(
      `select l.uid::text from email_locations l join email_messages m on m.workspace_id = l.workspace_id and m.id = l.message_id
       where m.message_id = 'second@customer.example'`,
    );
    await dovecot.expunge('sara', 'INBOX', [Number(before!.uid)]);
    await until('the expunge', async () =>
      (
        await rows(
          `select 1 from email_locations l join email_messages m on m.workspace_id = l.workspace_id and m.id = l.message_id
           where m.message_id = 'second@customer.example'`,
        )
      ).length === 0
        ? true
        : undefined,
    );
    // The message itself stays on the person's timeline.
    expect((await timeline('people', personId)).some((e) => e.subject === 'پیگیری')).toBe(true);
  });

  it('re-maps a folder whose UIDVALIDITY changed by Message-ID, importing nothing twice', async () => {
    const count = async () =>
      (await rows<{ n: number }>(`select count(*)::int as n from email_messages`))[0]!.n;
    const before = await count();
    await dovecot.setUidValidity('sara', 'INBOX', 4242);
    // A settings change makes the sync reconnect at once (it would see the change at its next poll anyway).
    expect((await call('PATCH', `/mailboxes/${mailboxId}`, { syncDays: 30 })).statusCode).toBe(200);
    await until('the re-map', async () => {
      const v = await rows(`select 1 from email_locations where folder = 'INBOX' and uid_validity = 4242`);
      return v.length >= 4 ? true : undefined;
    });
    expect(await count()).toBe(before);
  });

  it('shows a failing mailbox’s error when its password changes, and resumes when it is fixed', async () => {
    const users = path.join(dovecot.dir, 'users');
    await writeFile(
      users,
      (await readFile(users, 'utf8')).replace('{PLAIN}first-password', '{PLAIN}second-password'),
    );
    // Dovecot rereads its passwd-file at most once a second: wait until the old password is refused.
    await until('the password change', async () => {
      const probe = new ImapFlow({
        host: dovecot.host,
        port: dovecot.imapPort,
        secure: false,
        doSTARTTLS: false,
        auth: { user: 'sara', pass: 'first-password' },
        logger: false,
      });
      try {
        await probe.connect();
        await probe.logout();
        return undefined;
      } catch {
        return true;
      }
    });
    expect((await call('PATCH', `/mailboxes/${mailboxId}`, { syncDays: 31 })).statusCode).toBe(200);
    const failing = await until('the failure', async () => {
      const m = (await call('GET', `/mailboxes/${mailboxId}`)).json() as {
        status: string;
        lastError: string | null;
        lastErrorAt: string | null;
      };
      return m.status === 'failing' ? m : undefined;
    });
    expect(failing.lastError).toMatch(/refused the user name or password/);
    expect(Date.parse(failing.lastErrorAt!)).toBeGreaterThan(Date.now() - 120_000);
    const fixed = await call('PATCH', `/mailboxes/${mailboxId}`, { secret: 'second-password' });
    expect(fixed.statusCode, fixed.body).toBe(200);
    await dovecot.deliver(
      'sara',
      await compose({
        from: 'maryam@customer.example',
        to: 'sara@localhost',
        subject: 'بعد از تعمیر',
        text: 'دوباره',
        messageId: '<after-fix@customer.example>',
      }),
    );
    const ready = await until('the recovery', async () => {
      const m = (await call('GET', `/mailboxes/${mailboxId}`)).json() as {
        status: string;
        lastError: string | null;
        lastErrorAt: string | null;
        lastSyncedAt: string | null;
      };
      return m.status === 'ready' &&
        (await timeline('people', personId)).some((e) => e.subject === 'بعد از تعمیر')
        ? m
        : undefined;
    });
    expect(ready.lastError).toBeNull();
    expect(ready.lastErrorAt).toBeNull();
    expect(Date.parse(ready.lastSyncedAt!)).toBeGreaterThan(Date.now() - 120_000);
  });

  it('hides another member’s mailbox and its messages’ bodies by the mailbox’s visibility', async () => {
    const r = await call('PATCH', `/mailboxes/${mailboxId}`, { visibility: 'subject' });
    expect(r.statusCode, r.body).toBe(200);
    const other = await signUp(t.app);
    // A member of another workspace sees nothing of it.
    const foreign = await t.app.inject({
      method: 'GET',
      url: `/api/v1/mailboxes/${mailboxId}`,
      headers: { cookie: other.cookie },
    });
    expect(foreign.statusCode).toBe(404);
  });
});
