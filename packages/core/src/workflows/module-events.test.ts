import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { cleanSubmission } from '../../../../test/web-forms.ts';
import { announceReceivedMail, EMAIL_RECEIVED } from '../email/email.events.ts';
import { announce } from '../events/module-events.ts';
import { drainRuns, publishWorkflow } from './test-kit.ts';

describe('workflows started by module events', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let ip = 0;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const query = <T>(text: string) =>
    withWorkspace(
      t.handle.db,
      admin.workspaceId,
      async (trx) => (await sql.raw<T>(text).execute(trx.withoutPlugins())).rows,
    );
  const drain = () => drainRuns(t.handle.db, admin.workspaceId);
  const publishOn = (body: unknown) => publishWorkflow(call, body);
  const runsOf = (workflowId: string) =>
    query<{
      status: string;
      trigger_record_id: string;
      trigger: { kind: string; payload: Record<string, unknown> };
    }>(
      `select status, trigger_record_id, trigger from workflow_runs where workflow_id = '${workflowId}' order by created_at`,
    );
  const submit = async (publicId: string, fields: Record<string, string>, utmCampaign?: string) => {
    const body = {
      ...(await cleanSubmission(t.app, publicId, fields)),
      ...(utmCampaign ? { utm_campaign: utmCampaign } : {}),
    };
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/public/web-forms/${publicId}/submissions`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(body),
      remoteAddress: `10.9.0.${++ip}`,
    });
    expect(res.statusCode, res.body).toBe(200);
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists the events modules declare, and refuses a trigger on an unknown event or the wrong object', async () => {
    const events = await call('GET', '/workflows/events');
    expect(events.statusCode, events.body).toBe(200);
    const data = (events.json() as { data: { key: string; object: string | null; payload: string[] }[] })
      .data;
    expect(data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'sales.formSubmitted', object: '*' }),
        expect.objectContaining({ key: 'email.received', object: 'people' }),
      ]),
    );
    const refused = async (trigger: unknown) => {
      const created = await call('POST', '/workflows', {
        name: 'Refused',
        draft: { trigger, start: null, steps: [] },
      });
      expect(created.statusCode, created.body).toBe(201);
      const res = await call('POST', `/workflows/${(created.json() as { id: string }).id}/publish`);
      expect(res.statusCode, res.body).toBe(400);
      return (res.json() as { errors: { field: string }[] }).errors.map((e) => e.field);
    };
    expect(await refused({ type: 'event', event: 'sales.nothing', object: 'leads' })).toContain(
      'body.trigger.event',
    );
    expect(await refused({ type: 'event', event: 'email.received', object: 'leads' })).toContain(
      'body.trigger.object',
    );
  });

  it('a web form submission starts a run on the lead it made, once, when the condition on its payload holds', async () => {
    const workflowId = await publishOn({
      name: 'تماس با سرنخ‌های فرم بهار',
      draft: {
        trigger: {
          type: 'event',
          event: 'sales.formSubmitted',
          object: 'leads',
          condition: { expr: 'trigger.payload.utmCampaign == "spring"' },
        },
        start: 'mark',
        steps: [
          {
            id: 'mark',
            type: 'updateRecord',
            target: 'trigger',
            values: { industry: { expr: '"فرم: " + trigger.payload.formName' } },
            next: null,
          },
        ],
      },
    });
    const form = await call('POST', '/web-forms', {
      name: 'فرم بهار',
      locale: 'fa',
      fields: [
        { key: 'name', required: true, labels: { fa: 'نام' } },
        { key: 'email', labels: { fa: 'ایمیل' } },
      ],
      minFillSeconds: 0,
    });
    expect(form.statusCode, form.body).toBe(201);
    const { publicId } = form.json() as { publicId: string };
    await submit(publicId, { name: 'نرگس احمدی', email: 'narges@example.ir' }, 'spring');
    await submit(publicId, { name: 'Omid Rahimi', email: 'omid@example.com' }, 'autumn');
    await drain();
    const runs = await runsOf(workflowId);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      status: 'succeeded',
      trigger: { kind: 'sales.formSubmitted', payload: { formName: 'فرم بهار', utmCampaign: 'spring' } },
    });
    // The UTM source may be a hidden field of the lead: it is not in the payload.
    expect(runs[0]!.trigger.payload).not.toHaveProperty('utmSource');
    const leads = await query<{ id: string; name: string; industry: string | null }>(
      `select id, name, industry from leads order by name`,
    );
    expect(leads).toEqual([
      expect.objectContaining({ name: 'Omid Rahimi', industry: null }),
      expect.objectContaining({ name: 'نرگس احمدی', industry: 'فرم: فرم بهار' }),
    ]);
    expect(runs[0]!.trigger_record_id).toBe(leads[1]!.id);
  });

  it('an email from a person starts a run on that person; the same occurrence announced twice starts one run', async () => {
    const person = await call('POST', '/objects/people', {
      firstName: 'Layla',
      lastName: 'Haddad',
      emails: ['layla@example.com'],
    });
    expect(person.statusCode, person.body).toBe(201);
    const personId = (person.json() as { id: string }).id;
    const workflowId = await publishOn({
      name: 'Follow up replies',
      draft: {
        trigger: {
          type: 'event',
          event: 'email.received',
          object: 'people',
          condition: { expr: '!trigger.payload.autoReply' },
        },
        start: 'note',
        steps: [
          {
            id: 'note',
            type: 'updateRecord',
            target: 'trigger',
            values: { jobTitle: { expr: '"wrote to " + trigger.payload.mailbox' } },
            next: null,
          },
        ],
      },
    });
    const mail = (id: string, autoReply: boolean) => ({
      id,
      threadId: id,
      messageId: `${id}@example.com`,
      mailbox: { id: id, address: 'sales@rabita.example' },
      subject: 'سؤال عن الطلب',
      from: { address: 'layla@example.com', name: 'Layla Haddad' },
      to: ['sales@rabita.example'],
      cc: [],
      text: 'مرحبا',
      sentAt: new Date(),
      autoReply,
      bounce: false,
      links: [
        { object: 'people', recordId: personId },
        { object: 'companies', recordId: personId },
      ],
    });
    await withWorkspace(t.handle.db, admin.workspaceId, async (trx) => {
      const ctx = { trx, workspaceId: admin.workspaceId };
      await announceReceivedMail.take(ctx, mail('00000000-0000-4000-8000-000000000001', false));
      // The same message handed over again (a retried store): no second run.
      await announceReceivedMail.take(ctx, mail('00000000-0000-4000-8000-000000000001', false));
      // An auto-reply: the condition does not hold.
      await announceReceivedMail.take(ctx, mail('00000000-0000-4000-8000-000000000002', true));
    });
    await drain();
    const runs = await runsOf(workflowId);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      status: 'succeeded',
      trigger_record_id: personId,
      trigger: {
        kind: EMAIL_RECEIVED,
        payload: { from: 'layla@example.com', mailbox: 'sales@rabita.example' },
      },
    });
    // No subject or text leaves in the payload: a mailbox may show its readers only metadata.
    expect(JSON.stringify(runs[0]!.trigger)).not.toContain('سؤال');
    const [row] = await query<{ job_title: string }>(`select job_title from people where id = '${personId}'`);
    expect(row!.job_title).toBe('wrote to sales@rabita.example');
  });

  it('refuses to announce an event no module declares, or one about the wrong object', async () => {
    await withWorkspace(t.handle.db, admin.workspaceId, async (trx) => {
      await expect(
        announce(trx, admin.workspaceId, { key: 'sales.nothing', id: '1', payload: {} }),
      ).rejects.toThrow('No module declares the event "sales.nothing"');
      await expect(
        announce(trx, admin.workspaceId, {
          key: EMAIL_RECEIVED,
          id: '2',
          record: { object: 'leads', id: '00000000-0000-4000-8000-000000000003' },
          payload: {},
        }),
      ).rejects.toThrow('is about people, not leads');
    });
  });
});
