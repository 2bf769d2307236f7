// NPS surveys against the real database: relationship campaigns sent in batches by their job (run here in the test,
// as the worker would), transactional surveys after a ticket's resolution, the per-person throttle windows (and two
// jobs at once never surveying one person twice), the public page (a GET records nothing, a POST does), a
// detractor's follow-up task, the report, and links tampered with, expired, hostile input and another workspace.
import { randomBytes } from 'node:crypto';
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
import { workspaceRows } from '../email/mail-fixture.ts';
import { addPausedDeskMailbox } from './desk-mailbox-fixture.ts';
import { addMonths, NPS_BATCH, runNpsCampaignPage, sendTicketNps } from './nps.service.ts';
import { sealSurveyToken } from './survey-kit.ts';

const KEY = randomBytes(32);
const PUBLIC_URL = 'https://crm.example.com';
const deps = { secrets: lazySecretBox(async () => KEY), publicUrl: PUBLIC_URL };

interface NpsSurvey {
  id: string;
  kind: 'relationship' | 'transactional';
  status: string;
  reason: string | null;
  score: number | null;
  comment: string | null;
  answeredAt: string | null;
  followUpTaskId: string | null;
}
interface Campaign {
  id: string;
  nextRunAt: string | null;
  firstRunAt: string;
}

describe('NPS surveys', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const rows = workspaceRows(
    () => t.handle.db,
    () => admin.workspaceId,
  );
  const ok = async (method: Parameters<typeof call>[0], url: string, body?: unknown) => {
    const res = await call(method, url, body);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.statusCode === 204 ? undefined : (res.json() as Record<string, unknown>);
  };
  /** A person of the campaigns' audience (`source` = the test's tag), owned by the admin, Arabic by default. */
  const buildPerson = async (overrides: Record<string, unknown> = {}) =>
    (await ok('POST', '/objects/people', {
      firstName: 'ليلى',
      lastName: `حداد ${randomBytes(2).toString('hex')}`,
      emails: [`p.${randomBytes(4).toString('hex')}@customer.example`],
      preferredLanguage: 'ar',
      owner: admin.userId,
      ...overrides,
    })) as { id: string };
  const surveysOf = async (personId: string) =>
    ((await ok('GET', `/people/${personId}/nps`)) as { data: NpsSurvey[] }).data;
  const mailsTo = async (address: string) =>
    rows<{ input: { to: string[]; subject: string; text: string; language: string } }>(
      `select input from email_outbox where input->'to' ? '${address}' order by created_at`,
    );
  const addressOf = async (personId: string) =>
    (
      (await ok('GET', `/objects/people/${personId}`)) as { emails: ({ address: string } | string)[] }
    ).emails.map((e) => (typeof e === 'string' ? e : e.address))[0]!;
  /** A campaign run now on the people whose `source` is `audience`, its first page run as its job would. */
  const runCampaign = async (audience: string, options: { twice?: boolean } = {}) => {
    const campaign = (await ok('POST', '/service/surveys/nps/campaigns', {
      name: `Quarterly ${audience}`,
      filter: { field: 'source', op: 'eq', value: audience },
      firstRunAt: new Date().toISOString(),
      repeatMonths: 3,
    })) as unknown as Campaign;
    const payload = { workspaceId: admin.workspaceId, campaignId: campaign.id, runAt: campaign.firstRunAt };
    if (options.twice)
      await Promise.all([
        runNpsCampaignPage(t.handle.db, payload, deps),
        runNpsCampaignPage(t.handle.db, payload, deps),
      ]);
    else await runNpsCampaignPage(t.handle.db, payload, deps);
    return campaign;
  };
  const linkOf = (text: string, score: number) =>
    new RegExp(`${PUBLIC_URL}(/s/nps/\\S+)\\?rating=${score}\\b`).exec(text)?.[1];
  const page = (path: string) => t.app.inject({ method: 'GET', url: path });
  const answer = (path: string, form: string) =>
    t.app.inject({
      method: 'POST',
      url: path.split('?')[0]!,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form,
    });

  beforeAll(async () => {
    t = await createTestApp({
      RABITA_OPEN_SIGNUP: 'true',
      RABITA_SECRET_KEY: KEY.toString('hex'),
      RABITA_PUBLIC_URL: PUBLIC_URL,
    });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    await addPausedDeskMailbox(t.handle.db, admin.workspaceId);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('repeats a campaign on the same day of the month, or the month’s last day when it is shorter', () => {
    expect(addMonths(new Date('2026-01-31T06:00:00Z'), 1).toISOString()).toBe('2026-02-28T06:00:00.000Z');
    expect(addMonths(new Date('2026-08-31T06:00:00Z'), 6).toISOString()).toBe('2027-02-28T06:00:00.000Z');
    expect(addMonths(new Date('2026-11-15T06:00:00Z'), 3).toISOString()).toBe('2027-02-15T06:00:00.000Z');
  });

  it('has the default throttle windows: relationship every 6 months, transactional every 90 days', async () => {
    expect(await ok('GET', '/service/surveys/nps/settings')).toEqual({
      transactionalEnabled: false,
      transactionalDelayMinutes: 60,
      relationshipThrottleMonths: 6,
      transactionalThrottleDays: 90,
      expiryDays: 14,
    });
  });

  it('surveys the people matching a campaign’s filter in their language, skipping one without an address, and schedules the next run', async () => {
    const [arabic, persian, noMail, outside] = [
      await buildPerson({ source: 'first' }),
      await buildPerson({ source: 'first', firstName: 'نگار', preferredLanguage: 'fa' }),
      await buildPerson({ source: 'first', emails: [] }),
      await buildPerson({ source: 'elsewhere' }),
    ];
    const campaign = await runCampaign('first');
    const [ar] = await mailsTo(await addressOf(arabic.id));
    expect(ar!.input).toMatchObject({ subject: 'هل تنصح بنا؟', language: 'ar' });
    expect(ar!.input.text).toContain('ما مدى احتمال أن تنصح');
    // Eleven links, 0–10, each in Arabic-Indic digits.
    expect(ar!.input.text).toContain('١٠: https://crm.example.com/s/nps/');
    expect([...ar!.input.text.matchAll(/\?rating=(\d+)/g)].map((m) => Number(m[1]))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    const [fa] = await mailsTo(await addressOf(persian.id));
    expect(fa!.input).toMatchObject({ language: 'fa' });
    expect(fa!.input.text).toContain('۱۰: https://crm.example.com/s/nps/');
    expect(await surveysOf(arabic.id)).toMatchObject([{ kind: 'relationship', status: 'sent' }]);
    expect(await surveysOf(noMail.id)).toMatchObject([
      { status: 'skipped', reason: 'The person has no email address.' },
    ]);
    expect(await surveysOf(outside.id)).toEqual([]);
    const listed = (
      (await ok('GET', '/service/surveys/nps/campaigns')) as { data: Record<string, unknown>[] }
    ).data;
    const mine = listed.find((c) => c.id === campaign.id)!;
    expect(mine).toMatchObject({ runs: 1, sent: 2, skipped: 1, active: true });
    // Repeating every 3 months: its next run is scheduled as a job.
    const next = addMonths(new Date(campaign.firstRunAt), 3);
    expect(mine.nextRunAt).toBe(next.toISOString());
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    // No worker runs here: the job waits in the queue held until graphile-worker's schema exists.
    const queued = await owner.query('select run_at from pending_jobs where job_key = $1', [
      `ws:${admin.workspaceId}:nps-run:${campaign.id}:${next.toISOString()}`,
    ]);
    await owner.end();
    expect(queued.rows.map((r: { run_at: Date }) => r.run_at.toISOString())).toEqual([next.toISOString()]);
  });

  it('surveys hundreds of people in pages of 200, each page a job queuing the next', async () => {
    const count = NPS_BATCH * 2 + 50;
    const made = await ok('POST', '/objects/people/batch', {
      records: Array.from({ length: count }, (_, i) => ({
        firstName: `Bulk ${i}`,
        emails: [`bulk.${i}.${randomBytes(3).toString('hex')}@customer.example`],
        preferredLanguage: 'fa',
        owner: admin.userId,
        source: 'bulk',
      })),
    });
    expect((made as { data: { id?: string }[] }).data.filter((r) => r.id)).toHaveLength(count);
    const campaign = (await ok('POST', '/service/surveys/nps/campaigns', {
      name: 'Bulk',
      filter: { field: 'source', op: 'eq', value: 'bulk' },
      firstRunAt: new Date().toISOString(),
    })) as unknown as Campaign;
    // The worker's part: each page job queues the next (held in pending_jobs here); run them in turn.
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    let payload: Parameters<typeof runNpsCampaignPage>[1] | undefined = {
      workspaceId: admin.workspaceId,
      campaignId: campaign.id,
      runAt: campaign.firstRunAt,
    };
    let jobs = 0;
    while (payload) {
      await runNpsCampaignPage(t.handle.db, payload, deps);
      jobs++;
      const next = await owner.query(
        `delete from pending_jobs where task = 'rabita:nps-run' and payload->>'campaignId' = $1
           and payload ? 'cursor' returning payload`,
        [campaign.id],
      );
      payload = next.rows[0]?.payload;
    }
    await owner.end();
    expect(jobs).toBe(3);
    const [counts] = await rows<{ sent: string; runs: string }>(
      `select count(*) filter (where s.status = 'sent') as sent, count(distinct r.id) as runs,
          bool_and(r.status = 'done') as done
        from nps_runs r join nps_surveys s on s.workspace_id = r.workspace_id and s.run_id = r.id
        where r.campaign_id = '${campaign.id}'`,
    );
    expect(counts).toMatchObject({ sent: String(count), runs: '1', done: true });
  }, 60_000);

  it('skips a person whose mail the outbox refuses, with the reason, and finishes the run', async () => {
    const people = [await buildPerson({ source: 'no-smtp' }), await buildPerson({ source: 'no-smtp' })];
    await rows(`update mailboxes set smtp_host = null`);
    try {
      const campaign = await runCampaign('no-smtp');
      for (const p of people)
        expect((await surveysOf(p.id))[0]).toMatchObject({
          status: 'skipped',
          reason: 'Could not be sent: The mailbox support@desk.example has no SMTP server to send with.',
        });
      const [run] = await rows<{ status: string }>(
        `select status from nps_runs where campaign_id = '${campaign.id}'`,
      );
      expect(run!.status).toBe('done');
      // Nothing was claimed: the next survey may go at once.
      expect(await rows(`select 1 from nps_throttle where person_id = '${people[0]!.id}'`)).toEqual([]);
    } finally {
      await rows(`update mailboxes set smtp_host = '127.0.0.1'`);
    }
  });

  it('sends once when the same page job runs twice at once, and once when run again later', async () => {
    const person = await buildPerson({ source: 'twice' });
    const campaign = await runCampaign('twice', { twice: true });
    await runNpsCampaignPage(
      t.handle.db,
      { workspaceId: admin.workspaceId, campaignId: campaign.id, runAt: campaign.firstRunAt },
      deps,
    );
    expect(await mailsTo(await addressOf(person.id))).toHaveLength(1);
    expect(await surveysOf(person.id)).toMatchObject([{ status: 'sent' }]);
  });

  it('never surveys one person twice when two campaigns run at once: the second is throttled with its reason', async () => {
    const person = await buildPerson({ source: 'race' });
    const make = async (name: string) =>
      (await ok('POST', '/service/surveys/nps/campaigns', {
        name,
        filter: { field: 'source', op: 'eq', value: 'race' },
        firstRunAt: new Date().toISOString(),
      })) as unknown as Campaign;
    const [a, b] = [await make('A'), await make('B')];
    await Promise.all(
      [a, b].map((c) =>
        runNpsCampaignPage(
          t.handle.db,
          { workspaceId: admin.workspaceId, campaignId: c.id, runAt: c.firstRunAt },
          deps,
        ),
      ),
    );
    expect(await mailsTo(await addressOf(person.id))).toHaveLength(1);
    const statuses = (await surveysOf(person.id)).map((s) => s.status).sort();
    expect(statuses).toEqual(['sent', 'skipped']);
    expect((await surveysOf(person.id)).find((s) => s.status === 'skipped')!.reason).toMatch(
      /^Throttled: surveyed \(relationship\) on \d{4}-\d{2}-\d{2}; at most once every 6 months\.$/,
    );
  });

  it('throttles relationship surveys for 6 months and transactional ones for 90 days, each kind on its own', async () => {
    const person = await buildPerson({ source: 'windows' });
    const address = await addressOf(person.id);
    await runCampaign('windows');
    await runCampaign('windows');
    expect((await surveysOf(person.id)).map((s) => s.status)).toEqual(['skipped', 'sent']);
    const age = (kind: string, interval: string) =>
      rows(`update nps_throttle set last_sent_at = now() - interval '${interval}'
        where person_id = '${person.id}' and kind = '${kind}'`);
    await age('relationship', '5 months 28 days');
    await runCampaign('windows');
    expect(await mailsTo(address)).toHaveLength(1);
    await age('relationship', '6 months 1 day');
    await runCampaign('windows');
    expect(await mailsTo(address)).toHaveLength(2);

    // Transactional: a resolved ticket of the person's, surveyed after the delay (0 here) by its job.
    await ok('PUT', '/service/surveys/nps/settings', {
      transactionalEnabled: true,
      transactionalDelayMinutes: 0,
      relationshipThrottleMonths: 6,
      transactionalThrottleDays: 90,
      expiryDays: 14,
    });
    const resolveTicket = async () => {
      const ticket = (await ok('POST', '/objects/tickets', {
        subject: 'لم يصل طلبي',
        requester: person.id,
      })) as { id: string; number: number };
      await ok('PATCH', `/objects/tickets/${ticket.id}`, { status: 'resolved' });
      const survey = (await surveysOf(person.id)).find(
        (s) => s.kind === 'transactional' && s.status === 'scheduled',
      );
      await sendTicketNps(t.handle.db, { workspaceId: admin.workspaceId, surveyId: survey!.id }, deps);
      return ticket;
    };
    const ticket = await resolveTicket();
    const mails = await mailsTo(address);
    expect(mails).toHaveLength(3);
    expect(mails[2]!.input.subject).toBe(`هل تنصح بنا؟ [#${ticket.number}]`);
    expect(mails[2]!.input.text).toContain('تم حل طلبك رقم');
    await resolveTicket();
    expect(await mailsTo(address)).toHaveLength(3);
    expect((await surveysOf(person.id))[0]).toMatchObject({
      kind: 'transactional',
      status: 'skipped',
      reason: expect.stringMatching(/^Throttled: surveyed \(transactional\).*90 days\.$/),
    });
    await age('transactional', '89 days');
    await resolveTicket();
    expect(await mailsTo(address)).toHaveLength(3);
    await age('transactional', '91 days');
    await resolveTicket();
    expect(await mailsTo(address)).toHaveLength(4);
  });

  it('cancels a transactional survey not yet sent when its ticket reopens', async () => {
    const person = await buildPerson({ source: 'reopen' });
    const ticket = (await ok('POST', '/objects/tickets', { subject: 'Reopened', requester: person.id })) as {
      id: string;
    };
    await ok('PATCH', `/objects/tickets/${ticket.id}`, { status: 'closed' });
    expect(await surveysOf(person.id)).toMatchObject([{ kind: 'transactional', status: 'scheduled' }]);
    await ok('PATCH', `/objects/tickets/${ticket.id}`, { status: 'open' });
    expect(await surveysOf(person.id)).toMatchObject([
      { status: 'cancelled', reason: 'The ticket was reopened.' },
    ]);
  });

  it('takes a score only by POST, opens one follow-up task for a detractor, and reports the NPS', async () => {
    const from = new Date().toISOString();
    const person = await buildPerson({ source: 'answer', firstName: 'سامي' });
    await runCampaign('answer');
    const [mail] = await mailsTo(await addressOf(person.id));
    const link = linkOf(mail!.input.text, 3)!;
    // The GET shows the page in Arabic, right to left, 3 chosen, and records nothing.
    const shown = await page(`${link}?rating=3`);
    expect(shown.statusCode).toBe(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    expect(shown.body).toContain('<html lang="ar" dir="rtl">');
    expect(shown.body).toContain('value="3" checked');
    expect(shown.body).toContain('> ٣</label>');
    expect((await surveysOf(person.id))[0]).toMatchObject({ status: 'sent', score: null });
    // The POST records it with a comment (kept as text: the page escapes it).
    const posted = await answer(link, 'rating=3&comment=%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(posted.statusCode, posted.body).toBe(200);
    expect(posted.body).toContain('شكرًا على إجابتك.');
    expect(posted.body).toContain('&lt;script&gt;');
    expect(posted.body).not.toContain('<script>');
    const [answered] = await surveysOf(person.id);
    expect(answered).toMatchObject({ status: 'answered', score: 3, comment: '<script>alert(1)</script>' });
    const task = (await ok('GET', `/objects/tasks/${answered!.followUpTaskId}`)) as Record<string, unknown>;
    expect(task).toMatchObject({
      linkedObject: 'people',
      linkedRecord: person.id,
      assignee: admin.userId,
      priority: 'high',
    });
    expect(String(task.title)).toContain('NPS 3/10');
    expect(Date.parse(String(answered!.answeredAt))).toBeGreaterThanOrEqual(Date.parse(from));
    // Answering again (a promoter now) replaces the score, opens no second task and keeps the first answer's time.
    expect((await answer(link, 'rating=9')).statusCode).toBe(200);
    expect((await surveysOf(person.id))[0]).toMatchObject({
      score: 9,
      followUpTaskId: answered!.followUpTaskId,
      answeredAt: answered!.answeredAt,
    });
    await answer(link, 'rating=3');

    const report = (await ok(
      'GET',
      `/service/surveys/nps/report?from=${encodeURIComponent(from)}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
    )) as Record<string, Record<string, unknown>>;
    expect(report.relationship).toEqual({
      sent: 1,
      responses: 1,
      promoters: 0,
      passives: 0,
      detractors: 1,
      score: -100,
      responseRate: 1,
    });
    expect(report.transactional).toMatchObject({ sent: 0, score: null, responseRate: null });
  });

  it('refuses a tampered link, a link of another kind, an expired survey and hostile input', async () => {
    const person = await buildPerson({ source: 'hostile' });
    await runCampaign('hostile');
    const [mail] = await mailsTo(await addressOf(person.id));
    const link = linkOf(mail!.input.text, 7)!;
    const token = link.slice('/s/nps/'.length);
    const flipped = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    expect((await page(`/s/nps/${flipped}`)).statusCode).toBe(404);
    expect((await answer(`/s/nps/${flipped}`, 'rating=0')).statusCode).toBe(404);
    expect((await page(`/s/nps/${'x'.repeat(3000)}`)).statusCode).toBe(400);
    const [survey] = await surveysOf(person.id);
    // The same survey sealed as a satisfaction survey's link opens nothing here.
    const box = await deps.secrets.get();
    expect(
      (await page(`/s/nps/${sealSurveyToken(box, 'csat', admin.workspaceId, survey!.id)}`)).statusCode,
    ).toBe(404);
    // Another workspace's survey id under this workspace's seal: not found.
    expect(
      (await page(`/s/nps/${sealSurveyToken(box, 'nps', other.workspaceId, survey!.id)}`)).statusCode,
    ).toBe(404);
    // Hostile answers: out of range, not a number, a NUL in the comment.
    for (const form of ['rating=11', 'rating=-1', 'rating=abc', 'rating=2.5', 'rating=5&comment=a%00b'])
      expect((await answer(link, form)).statusCode, form).toBe(400);
    // A link's `?rating=` out of range chooses nothing.
    expect((await page(`${link}?rating=99`)).body).not.toContain('checked');
    expect((await surveysOf(person.id))[0]).toMatchObject({ status: 'sent', score: null });
    // Expired: the page says so and a POST records nothing.
    await rows(`update nps_surveys set expires_at = now() - interval '1 minute' where id = '${survey!.id}'`);
    const expired = await page(link);
    expect(expired.body).toContain('انتهت صلاحية هذا الاستبيان.');
    expect(expired.body).not.toContain('<form');
    await answer(link, 'rating=1');
    expect((await surveysOf(person.id))[0]).toMatchObject({
      status: 'sent',
      score: null,
      followUpTaskId: null,
    });
    // Hostile campaigns: a NUL in the name or the filter, a filter on no field, a bad time.
    for (const body of [
      { name: 'a\u0000b', firstRunAt: new Date().toISOString() },
      {
        name: 'x',
        filter: { field: 'source', op: 'eq', value: 'a\u0000' },
        firstRunAt: new Date().toISOString(),
      },
      {
        name: 'x',
        filter: { field: 'noSuchField', op: 'eq', value: 1 },
        firstRunAt: new Date().toISOString(),
      },
      { name: 'x', firstRunAt: 'tomorrow' },
      { name: 'x', firstRunAt: new Date().toISOString(), repeatMonths: 0 },
    ])
      expect(
        (await call('POST', '/service/surveys/nps/campaigns', body)).statusCode,
        JSON.stringify(body),
      ).toBe(400);
    expect(
      (await call('GET', '/service/surveys/nps/report?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z'))
        .statusCode,
    ).toBe(400);
  });

  it('returns 404 for another workspace’s person or campaign', async () => {
    const person = await buildPerson({ source: 'mine' });
    const campaign = (await ok('POST', '/service/surveys/nps/campaigns', {
      name: 'Mine',
      firstRunAt: new Date(Date.now() + 86_400_000).toISOString(),
    })) as unknown as Campaign;
    expect((await call('GET', `/people/${person.id}/nps`, undefined, other.cookie)).statusCode).toBe(404);
    expect(
      (await call('DELETE', `/service/surveys/nps/campaigns/${campaign.id}`, undefined, other.cookie))
        .statusCode,
    ).toBe(404);
    expect(
      (
        (await call('GET', '/service/surveys/nps/campaigns', undefined, other.cookie)).json() as {
          data: unknown[];
        }
      ).data,
    ).toEqual([]);
    // Stopped by its own workspace: no next run.
    await ok('DELETE', `/service/surveys/nps/campaigns/${campaign.id}`);
    const listed = (
      (await ok('GET', '/service/surveys/nps/campaigns')) as { data: Record<string, unknown>[] }
    ).data;
    expect(listed.find((c) => c.id === campaign.id)).toMatchObject({ active: false, nextRunAt: null });
  });

  it('reads the surveys as an object the desk keeps: lists, the NPS metric, the roles’ rules — and never a write', async () => {
    const people = [];
    for (const firstName of ['ندى', 'رامي', 'هالة', 'وليد', 'سلمى'])
      people.push(await buildPerson({ source: 'object', firstName }));
    await runCampaign('object');
    // Two promoters, one passive, one detractor; the fifth never answers.
    for (const [i, score] of [10, 9, 7, 4].entries()) {
      const [mail] = await mailsTo(await addressOf(people[i]!.id));
      expect((await answer(linkOf(mail!.input.text, score)!, `rating=${score}`)).statusCode).toBe(200);
    }
    const mine = { field: 'person.source', op: 'eq', value: 'object' };
    const listed = await ok('POST', '/objects/npsSurveys/query', {
      filter: mine,
      fields: ['person', 'status', 'score', 'kind', 'owner', 'answeredAt'],
      limit: 50,
    });
    const data = (listed as { data: Record<string, unknown>[] }).data;
    expect(data).toHaveLength(5);
    expect(data.map((d) => d.score).sort()).toEqual([10, 4, 7, 9, null]);
    expect(data.every((d) => d.kind === 'relationship' && d.owner === admin.userId)).toBe(true);
    expect(data.filter((d) => d.status === 'answered')).toHaveLength(4);
    // The catalogue's NPS: (2 promoters − 1 detractor) ÷ 4 answers × 100.
    const metrics = (await ok('GET', '/reports/metrics')) as {
      data: { key: string; definition: Record<string, unknown> }[];
    };
    const nps = metrics.data.find((m) => m.key === 'service.nps')!.definition;
    const result = (await ok('POST', '/reports/run', {
      ...nps,
      filter: { and: [nps.filter, mine] },
      calendar: 'persian',
      timeZone: 'Asia/Tehran',
    })) as { rows: { values: (number | string | null)[] }[] };
    expect(result.rows).toHaveLength(1);
    expect(result.rows[0]!.values.map(Number)).toEqual([25, 2, 1, 4]);
    // Kept by the desk: no role creates, changes, deletes or adds a field to them, an admin's neither.
    const survey = data[0]!.id as string;
    for (const [method, url, body] of [
      ['POST', '/objects/npsSurveys', { score: 10 }],
      ['PATCH', `/objects/npsSurveys/${survey}`, { score: 10 }],
      ['DELETE', `/objects/npsSurveys/${survey}`, undefined],
      ['POST', '/objects/npsSurveys/batch', { records: [{ score: 1 }] }],
    ] as const) {
      const res = await call(method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.body).toContain('kept by the service module');
    }
    const field = await call('POST', '/metadata/objects/npsSurveys/fields', {
      key: 'note',
      type: 'text',
      labels: { en: 'Note' },
    });
    expect(field.statusCode, field.body).toBe(409);
    expect(((await ok('GET', `/objects/npsSurveys/${survey}`)) as { score: number }).score).toBe(
      data[0]!.score,
    );
    // Another workspace sees none; a role reading only its own surveys sees none of the admin's.
    const theirs = await call('POST', '/objects/npsSurveys/query', { limit: 50 }, other.cookie);
    expect((theirs.json() as { data: unknown[] }).data).toEqual([]);
    const role = await call('POST', '/roles', {
      key: 'own_surveys',
      name: 'Own surveys',
      permissions: {
        actions: [],
        objects: {
          npsSurveys: { read: true, create: true, update: true, delete: true, ownRecordsOnly: true },
          people: { read: true, create: false, update: false, delete: false },
        },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    const agent = await joinByInvitation(t.app, admin.cookie, {
      email: `agent.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'own_surveys',
      name: 'Agent',
    });
    const seen = await call('POST', '/objects/npsSurveys/query', { limit: 50 }, agent.cookie);
    expect(seen.statusCode, seen.body).toBe(200);
    expect((seen.json() as { data: unknown[] }).data).toEqual([]);
    expect((await call('POST', '/objects/npsSurveys', { score: 1 }, agent.cookie)).statusCode).toBe(403);
    // A role hiding the score and the comment never reads them: not in a list, a record, a filter, a report or an
    // export (the detractor's comment is a marker no other field holds).
    const [detractorMail] = await mailsTo(await addressOf(people[3]!.id));
    await answer(linkOf(detractorMail!.input.text, 4)!, 'rating=4&comment=zqhiddenremark');
    const hiding = await call('POST', '/roles', {
      key: 'no_scores',
      name: 'No scores',
      permissions: {
        actions: [],
        objects: {
          npsSurveys: {
            read: true,
            create: false,
            update: false,
            delete: false,
            hiddenFields: ['score', 'comment'],
          },
          people: { read: true, create: false, update: false, delete: false },
        },
      },
    });
    expect(hiding.statusCode, hiding.body).toBe(201);
    const blind = await joinByInvitation(t.app, admin.cookie, {
      email: `blind.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'no_scores',
      name: 'Blind',
    });
    const list = await call('POST', '/objects/npsSurveys/query', { filter: mine, limit: 50 }, blind.cookie);
    expect(list.statusCode, list.body).toBe(200);
    expect((list.json() as { data: unknown[] }).data).toHaveLength(5);
    for (const body of [
      list.body,
      (await call('GET', `/objects/npsSurveys/${survey}`, undefined, blind.cookie)).body,
    ]) {
      expect(body).not.toContain('zqhiddenremark');
      expect(body).not.toContain('"score"');
    }
    const filtered = await call(
      'POST',
      '/objects/npsSurveys/query',
      { filter: { field: 'score', op: 'gte', value: 9 } },
      blind.cookie,
    );
    expect(filtered.statusCode).toBe(400);
    const report = await call('POST', '/reports/run', nps, blind.cookie);
    expect(report.statusCode).toBe(400);
    const exported = await call('GET', '/objects/npsSurveys/export?format=csv', undefined, blind.cookie);
    expect(exported.statusCode, exported.body).toBe(200);
    expect(exported.body).not.toContain('zqhiddenremark');
    expect((await call('GET', '/objects/npsSurveys/export?format=csv')).body).toContain('zqhiddenremark');
  });
});
