// Scheduled reports sent for real: a Persian report scheduled by its owner, run as the worker runs the schedule's
// job, rendered by the server's browser from the print view the test app serves, sent from the owner's mailbox
// through an SMTP peer that hands the mail to Dovecot, and read back over IMAP: subject, Persian body, the chart
// inline, the PDF (its text read by `pdftotext`) or the spreadsheet attached, and the next run queued at its time.
// A schedule whose owner lost the report sends nothing and says why; a hostile recipient is refused at creation.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { ImapFlow } from 'imapflow';
import { type ParsedMail, simpleParser } from 'mailparser';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { lazySecretBox } from '../auth/secret-box.ts';
import { type Dovecot, startDovecot } from '../email/dovecot-harness.ts';
import { emailSettings } from '../email/email.settings.ts';
import { connectMailbox } from '../email/mail-fixture.ts';
import type { TaskDeps } from '../modules/manifest.ts';
import { defaultSettings } from '../modules/settings.ts';
import { type SmtpReceiver, startSmtpReceiver } from '../workflows/smtp-receiver.ts';
import { reportsModule } from './reports.module.ts';
import { SCHEDULE_TASK } from './schedules.service.ts';

const run = promisify(execFile);
const KEY = randomBytes(32);
/** Bidirectional controls pdftotext may keep around isolated names. */
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const TITLE = 'گزارش هفتگی فروش';
const STAGE = 'مذاکره نهایی';
const PERSIAN_BODY = 'گزارش زمان‌بندی‌شدهٔ شما، اجراشده به نام شما.';
const SATURDAY_8_TEHRAN = {
  frequency: 'weekly',
  weekday: 6,
  time: '08:00',
  timeZone: 'Asia/Tehran',
  calendar: 'persian',
} as const;

/** The first Saturday 08:00 in Tehran (04:30 UTC: Tehran keeps +03:30 all year) after `now`. */
function nextSaturdayEightInTehran(now: Date): Date {
  const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 4, 30));
  while (at.getUTCDay() !== 6 || at <= now) at.setUTCDate(at.getUTCDate() + 1);
  return at;
}

interface Delivered {
  raw: string;
  rcpt: string[];
}

describe('scheduled reports, sent through real SMTP and read back over IMAP', () => {
  let t: TestApp;
  let base: string;
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;
  let owner: pg.Client;
  let work: string;
  const delivered: Delivered[] = [];
  let admin: Awaited<ReturnType<typeof signUp>>;
  let colleague: { userId: string; cookie: string };
  let mailboxId: string;
  let reportId: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const taskDeps = (): TaskDeps => ({
    db: t.handle.db,
    session: { idleHours: 1, maxDays: 1 },
    settings: defaultSettings().with(emailSettings, { allowPrivate: true }),
    publicUrl: base,
    secrets: lazySecretBox(async () => KEY),
  });

  /** The schedule's queued job (held in `pending_jobs` while no worker has created its queue). */
  async function queuedRun(scheduleId: string) {
    const { rows } = await owner.query<{ run_at: Date; payload: Record<string, unknown>; task: string }>(
      `select task, run_at, payload from pending_jobs where job_key like $1`,
      [`%report-schedule:${scheduleId}`],
    );
    return rows;
  }

  /**
   * Makes a schedule due (its time a minute ago, as when the queue starts it) and runs its queued job as the worker
   * does: the manifest's task with the job's own payload.
   */
  async function runQueued(scheduleId: string) {
    await owner.query(`update report_schedules set next_run_at = now() - interval '1 minute' where id = $1`, [
      scheduleId,
    ]);
    const [job] = await queuedRun(scheduleId);
    expect(job?.task).toBe(SCHEDULE_TASK);
    // graphile-worker's helpers are not used by the task.
    await reportsModule.tasks![SCHEDULE_TASK]!(taskDeps())(job!.payload, {} as never);
  }

  /** The newest message in a Dovecot user's inbox, fetched over IMAP and parsed. */
  async function newestIn(user: string, password: string): Promise<ParsedMail> {
    const client = new ImapFlow({
      host: dovecot.host,
      port: dovecot.imapPort,
      secure: false,
      auth: { user, pass: password },
      logger: false,
    });
    await client.connect();
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const message = await client.fetchOne('*', { source: true });
        if (message === false || !message.source) throw new Error(`${user}'s inbox is empty`);
        return await simpleParser(message.source);
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  }

  beforeAll(async () => {
    dovecot = await startDovecot({
      users: [
        { name: 'sara', password: 'pw' },
        { name: 'boss', password: 'pw' },
        { name: 'nima', password: 'pw' },
      ],
    });
    // The peer takes every message; what is for a Dovecot user (by the address's local part) goes into their inbox.
    smtp = await startSmtpReceiver(async (raw, session) => {
      const rcpt = session.envelope.rcptTo.map((r) => r.address);
      delivered.push({ raw, rcpt });
      for (const address of rcpt) {
        const name = address.split('@')[0]!;
        if (dovecot.users.some((u) => u.name === name)) await dovecot.deliver(name, raw);
      }
    });
    const webDist = process.env.RABITA_TEST_WEB_DIST;
    t = await createTestApp(
      {
        RABITA_OPEN_SIGNUP: 'true',
        RABITA_MAIL_ALLOW_PRIVATE: 'true',
        RABITA_SECRET_KEY: KEY.toString('hex'),
      },
      webDist ? { webDist } : {},
    );
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'rabita-report-schedule-'));

    admin = await signUp(t.app);
    expect(
      (
        await call('PATCH', '/me', {
          locale: 'fa',
          calendar: 'persian',
          digits: 'arabext',
          timeZone: 'Asia/Tehran',
        })
      ).statusCode,
    ).toBe(200);
    const pipeline = (await call('POST', '/objects/pipelines', { name: 'P', currency: 'USD' })).json();
    const stage = await call('POST', '/objects/stages', { name: STAGE, pipeline: pipeline.id, position: 1 });
    expect(stage.statusCode, stage.body).toBe(201);
    for (const [i, date] of ['2025-03-01', '2025-03-20', '2025-04-25'].entries())
      expect(
        (
          await call('POST', '/objects/deals', {
            name: `D${i}`,
            stage: stage.json().id,
            expectedCloseDate: date,
          })
        ).statusCode,
      ).toBe(201);
    colleague = await joinByInvitation(t.app, admin.cookie, {
      email: 'nima@customer.example',
      role: 'member',
      name: 'نیما',
    });
    const saved = await call('POST', '/reports', {
      name: TITLE,
      definition: {
        object: 'deals',
        groupBy: [{ field: 'stage' }],
        measures: [{ fn: 'count' }],
        chart: 'bar',
      },
      shares: [{ kind: 'user', id: colleague.userId }],
    });
    expect(saved.statusCode, saved.body).toBe(201);
    reportId = saved.json().id;
    mailboxId = await connectMailbox(call, dovecot, smtp, {
      name: 'sara',
      password: 'pw',
      address: 'sara@customer.example',
    });
  }, 120_000);
  afterAll(async () => {
    await owner?.end();
    await t?.close();
    await smtp?.close();
    await dovecot?.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('sends a Persian report as a PDF with its chart inline, and queues the next Saturday 08:00', async () => {
    const created = await call('POST', `/reports/${reportId}/schedules`, {
      mailboxId,
      format: 'pdf',
      recurrence: SATURDAY_8_TEHRAN,
      memberIds: [colleague.userId],
      addresses: ['Boss@Customer.example'],
    });
    expect(created.statusCode, created.body).toBe(201);
    const schedule = created.json();
    expect(schedule.addresses).toEqual(['boss@customer.example']);
    const firstRun = nextSaturdayEightInTehran(new Date());
    expect(schedule.nextRunAt).toBe(firstRun.toISOString());
    const [queued] = await queuedRun(schedule.id);
    expect(queued!.run_at.toISOString()).toBe(firstRun.toISOString());

    const sentBefore = delivered.length;
    const started = Date.now();
    await runQueued(schedule.id);
    const after = (await call('GET', `/reports/${reportId}/schedules`)).json().data[0];
    expect(after.lastError).toBeNull();
    expect(new Date(after.lastRunAt).getTime()).toBeGreaterThanOrEqual(started - 1000);
    // The next run: the next Saturday 08:00 in Tehran after this one, in the row and in the queue.
    const next = nextSaturdayEightInTehran(new Date(started));
    expect(after.nextRunAt).toBe(next.toISOString());
    const requeued = await queuedRun(schedule.id);
    expect(requeued).toHaveLength(1);
    expect(requeued[0]!.run_at.toISOString()).toBe(next.toISOString());

    // One message, to the member and the address, from the owner's mailbox.
    expect(delivered.length).toBe(sentBefore + 1);
    expect(delivered.at(-1)!.rcpt.sort()).toEqual(['boss@customer.example', 'nima@customer.example']);
    const mail = await newestIn('boss', 'pw');
    expect(mail.subject).toBe(TITLE);
    expect(mail.from?.value[0]?.address).toBe('sara@customer.example');
    const html = mail.html || '';
    expect(html).toContain(PERSIAN_BODY);
    expect(html).toMatch(/dir="rtl"/);
    // The chart, a PNG inside the HTML itself (no remote image, no cid: part).
    const picture = /<img[^>]+src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/.exec(html);
    expect(picture, html.slice(0, 500)).not.toBeNull();
    const png = Buffer.from(picture![1]!, 'base64');
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.length).toBeGreaterThan(2_000);
    // The PDF attached, its text the report's Persian title and stage.
    const pdf = mail.attachments.find((a) => a.contentType === 'application/pdf');
    expect(pdf, mail.attachments.map((a) => a.contentType).join()).toBeDefined();
    expect(pdf!.content.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const at = path.join(work, 'scheduled.pdf');
    await fs.writeFile(at, pdf!.content);
    const text = (await run('pdftotext', ['-layout', at, '-'])).stdout.replace(BIDI_CONTROLS, '');
    expect(text).toContain(TITLE);
    expect(text).toContain(STAGE);
    // The member got the same message in their own inbox.
    expect((await newestIn('nima', 'pw')).subject).toBe(TITLE);
  }, 120_000);

  it('sends a spreadsheet schedule with the chart inline and the XLSX attached', async () => {
    const created = await call('POST', `/reports/${reportId}/schedules`, {
      mailboxId,
      format: 'xlsx',
      recurrence: { frequency: 'daily', time: '07:30', timeZone: 'Asia/Tehran' },
      addresses: ['boss@customer.example'],
    });
    expect(created.statusCode, created.body).toBe(201);
    await runQueued(created.json().id);
    const after = (await call('GET', `/reports/${reportId}/schedules`)).json().data as {
      id: string;
      lastError: string | null;
      nextRunAt: string;
    }[];
    const mine = after.find((s) => s.id === created.json().id)!;
    expect(mine.lastError).toBeNull();
    // 07:30 in Tehran is 04:00 UTC, the next one after now.
    const next = new Date(mine.nextRunAt);
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([4, 0]);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    const mail = await newestIn('boss', 'pw');
    expect(mail.subject).toBe(TITLE);
    expect(mail.html || '').toMatch(/<img[^>]+src="data:image\/png;base64,/);
    const sheet = mail.attachments.find((a) => a.filename?.endsWith('.xlsx'));
    expect(sheet, mail.attachments.map((a) => a.filename).join()).toBeDefined();
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(sheet!.content as unknown as ArrayBuffer);
    // The owner's sheet: named as the report, right to left for a Persian reader, the stage by its name with its
    // id beside it (as `GET /reports/{id}/export.xlsx` writes them), the count as a number.
    const sheetOne = book.worksheets[0]!;
    expect(sheetOne.name).toBe(TITLE);
    expect(sheetOne.views[0]?.rightToLeft).toBe(true);
    expect(sheetOne.getRow(1).values).toEqual([undefined, 'stage', 'stage id', 'count']);
    expect(sheetOne.getRow(2).getCell(1).value).toBe(STAGE);
    expect(sheetOne.getRow(2).getCell(3).value).toBe(3);
  }, 120_000);

  it('sends nothing for an owner who lost the report, and says why', async () => {
    const asColleague = apiCaller(
      () => t.app,
      () => colleague.cookie,
    );
    const own = await connectMailbox(asColleague, dovecot, smtp, {
      name: 'nima',
      password: 'pw',
      address: 'nima@customer.example',
    });
    const created = await asColleague('POST', `/reports/${reportId}/schedules`, {
      mailboxId: own,
      format: 'pdf',
      recurrence: { frequency: 'daily', time: '09:00', timeZone: 'Asia/Tehran' },
      addresses: ['boss@customer.example'],
    });
    expect(created.statusCode, created.body).toBe(201);
    // The report is no longer shared with them.
    const unshared = await call('PATCH', `/reports/${reportId}`, { shares: [] });
    expect(unshared.statusCode, unshared.body).toBe(200);
    const sentBefore = delivered.length;
    await runQueued(created.json().id);
    expect(delivered.length).toBe(sentBefore);
    const { rows } = await owner.query<{ last_error: string | null; last_run_at: Date | null }>(
      `select last_error, last_run_at from report_schedules where id = $1`,
      [created.json().id],
    );
    expect(rows[0]!.last_run_at).not.toBeNull();
    expect(rows[0]!.last_error).toMatch(/no report/i);
    // The admin (reports.manage) sees it, with its reason, among the report's schedules.
    const all = (await call('GET', `/reports/${reportId}/schedules`)).json().data as {
      id: string;
      lastError: string | null;
    }[];
    expect(all.find((s) => s.id === created.json().id)?.lastError).toMatch(/no report/i);
    // Its owner can no longer list the report's schedules at all.
    expect((await asColleague('GET', `/reports/${reportId}/schedules`)).statusCode).toBe(404);
  }, 120_000);

  it('refuses recipients with line breaks, NUL or lone surrogates at creation', async () => {
    const base = {
      mailboxId,
      format: 'pdf',
      recurrence: SATURDAY_8_TEHRAN,
    };
    const before = (await call('GET', `/reports/${reportId}/schedules`)).json().data.length;
    for (const address of [
      'boss@customer.example\r\nBcc: evil@attacker.example',
      'boss@customer.example\n',
      '\r\nboss@customer.example',
      'boss\u0000@customer.example',
      'boss@customer.example\u0000',
      'boss\ud800@customer.example',
      'Boss <boss@customer.example>',
      `${'a'.repeat(250)}@customer.example`,
    ]) {
      const res = await call('POST', `/reports/${reportId}/schedules`, { ...base, addresses: [address] });
      expect(res.statusCode, JSON.stringify(address)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    for (const memberIds of [['\u0000'], [`${colleague.userId}\r\n`], ['\ud800']]) {
      const res = await call('POST', `/reports/${reportId}/schedules`, { ...base, memberIds });
      expect(res.statusCode, JSON.stringify(memberIds)).toBe(400);
    }
    const tooMany = await call('POST', `/reports/${reportId}/schedules`, {
      ...base,
      addresses: Array.from({ length: 51 }, (_, i) => `p${i}@customer.example`),
    });
    expect(tooMany.statusCode).toBe(400);
    expect((await call('GET', `/reports/${reportId}/schedules`)).json().data.length).toBe(before);
  });
});
