// A workflow's email through the email module: an email template rendered in the recipient's language, sent from
// a shared mailbox by the email module's outbox (queued with the step, so once), threaded on the person's timeline.
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
import { connectMailbox, startTestJobWorker, until, workspaceRows } from '../email/mail-fixture.ts';
import { type SmtpReceiver, startSmtpReceiver } from './smtp-receiver.ts';
import { drainRuns, publishWorkflow } from './test-kit.ts';

const KEY = randomBytes(32);
/** A merged value as templates write it: isolated from the text around it (FSI … PDI). */
const merged = (value: string) => `\u2068${value}\u2069`;
const subject = `سپاس، ${merged('نگار')}`;

describe('a workflow email from a template, sent from a shared mailbox', () => {
  let t: TestApp;
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;
  let worker: Runner;
  let pool: pg.Pool;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let mailboxId: string;
  let templateId: string;
  const sent: string[] = [];
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const rows = workspaceRows(
    () => t.handle.db,
    () => admin.workspaceId,
  );

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'sales', password: 'pw' }] });
    smtp = await startSmtpReceiver(async (raw) => {
      sent.push(raw);
    });
    t = await createTestApp({
      RABITA_MAIL_ALLOW_PRIVATE: 'true',
      RABITA_SECRET_KEY: KEY.toString('hex'),
      RABITA_PUBLIC_URL: 'https://crm.example.com',
    });
    admin = await signUp(t.app);
    mailboxId = await connectMailbox(call, dovecot, smtp, {
      name: 'sales',
      password: 'pw',
      address: 'sales@localhost',
      displayName: 'Sales',
      kind: 'shared',
    });
    const template = await call('POST', '/email/templates', {
      name: 'Thank you',
      subject: 'Thank you, {{ record.firstName }}',
      bodyHtml: '<p>Dear {{ record.firstName }}, thank you.</p>',
      variants: {
        fa: {
          subject: 'سپاس، {{ record.firstName }}',
          bodyHtml: '<p>{{ record.firstName }} عزیز، از خرید شما سپاسگزاریم.</p>',
        },
      },
      shared: true,
    });
    expect(template.statusCode, template.body).toBe(201);
    templateId = (template.json() as { id: string }).id;
    pool = ownerPool(t.url, 4);
    worker = await startTestJobWorker(t.handle.db, pool, KEY);
  }, 90_000);
  afterAll(async () => {
    await worker?.stop();
    await pool?.end();
    await t?.close();
    await smtp?.close();
    await dovecot?.stop();
  });

  it('renders the template in the person’s language and sends it once from the mailbox, on their timeline', async () => {
    const workflow = await publishWorkflow(call, {
      name: 'Thank a new customer',
      draft: {
        trigger: { type: 'manual', object: 'people' },
        start: 'mail',
        steps: [
          {
            id: 'mail',
            type: 'sendEmail',
            to: [{ expr: 'record.emails' }],
            templateId,
            mailboxId,
            next: null,
          },
        ],
      },
    });
    const person = (
      await call('POST', '/objects/people', {
        firstName: 'نگار',
        emails: [{ address: 'negar@customer.example', primary: true }],
        preferredLanguage: 'fa',
      })
    ).json() as { id: string };

    // The test run renders it and sends nothing.
    const dry = await call('POST', `/workflows/${workflow}/test-run`, { recordId: person.id });
    expect(dry.statusCode, dry.body).toBe(200);
    expect((dry.json() as { steps: { input: unknown; output: unknown }[] }).steps[0]).toMatchObject({
      input: { to: ['negar@customer.example'], subject, language: 'fa' },
      output: { wouldEmail: { to: ['negar@customer.example'], mailboxId } },
    });

    const started = await call('POST', `/workflows/${workflow}/run`, { recordIds: [person.id] });
    expect(started.statusCode, started.body).toBe(202);
    const runId = (started.json() as { runIds: string[] }).runIds[0]!;
    await drainRuns(t.handle.db, admin.workspaceId);
    const run = (await call('GET', `/workflow-runs/${runId}`)).json() as {
      status: string;
      steps: { output: { queued: string; mailboxId: string } }[];
    };
    expect(run.status).toBe('succeeded');
    expect(run.steps[0]!.output).toEqual({ queued: expect.any(String), mailboxId });

    const raw = await until('the email at the SMTP peer', async () => sent[0]);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(subject);
    expect(parsed.from?.value[0]?.address).toBe('sales@localhost');
    expect(parsed.to && 'value' in parsed.to ? parsed.to.value[0]?.address : undefined).toBe(
      'negar@customer.example',
    );
    expect(parsed.html).toContain('<p><bdi>نگار</bdi> عزیز، از خرید شما سپاسگزاریم.</p>');
    expect(parsed.html).toContain('dir="rtl"');
    expect(parsed.text).toContain('نگار عزیز، از خرید شما سپاسگزاریم.');
    expect(parsed.headers.get('content-language')).toBe('fa');
    // The Message-ID is the outbox entry's, so a retried send keeps it.
    expect(parsed.messageId).toContain(run.steps[0]!.output.queued);

    // Stored and linked: the message is on the person's timeline.
    await until('the message on the timeline', async () => {
      const timeline = (await call('GET', `/objects/people/${person.id}/timeline`)).json() as {
        data: { kind: string; title?: string; subject?: string }[];
      };
      return timeline.data.find((e) => JSON.stringify(e).includes(subject));
    });
    // Exactly one send: the step is not repeated by draining again, and the outbox holds one entry.
    await drainRuns(t.handle.db, admin.workspaceId);
    await until('the outbox entry sent', async () => {
      const outbox = await rows<{ status: string }>('select status from email_outbox');
      expect(outbox).toHaveLength(1);
      return outbox[0]!.status === 'sent' || undefined;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(sent).toHaveLength(1);
  });

  it('refuses at publish a mailbox the publisher does not read, one that is not shared, and a template they may not use', async () => {
    // A manager who may build workflows (widened here) but neither reads the mailbox nor manages mailboxes.
    const roles = (await call('GET', '/roles')).json() as {
      data: { key: string; permissions: { actions: string[] } }[];
    };
    const managerRole = roles.data.find((r) => r.key === 'manager')!;
    const widened = await call('PATCH', '/roles/manager', {
      permissions: {
        ...managerRole.permissions,
        actions: [...managerRole.permissions.actions, 'workflows.manage'],
      },
    });
    expect(widened.statusCode, widened.body).toBe(200);
    expect(managerRole.permissions.actions).not.toContain('mailboxes.manage');
    const manager = await joinByInvitation(t.app, admin.cookie, {
      email: 'manager@example.com',
      role: 'manager',
      name: 'Mina',
    });
    const draft = (step: Record<string, unknown>) => ({
      name: 'Mail',
      draft: {
        trigger: { type: 'manual', object: 'people' },
        start: 'mail',
        steps: [{ id: 'mail', type: 'sendEmail', to: [{ value: 'a@example.com' }], next: null, ...step }],
      },
    });
    const publish = async (step: Record<string, unknown>, as?: string) => {
      const created = await call('POST', '/workflows', draft(step), as);
      expect(created.statusCode, created.body).toBe(201);
      return call('POST', `/workflows/${(created.json() as { id: string }).id}/publish`, undefined, as);
    };
    const unknownBox = await publish({ subject: 's', body: 'b', mailboxId: randomUUID() });
    expect(unknownBox.statusCode).toBe(400);
    expect(unknownBox.json()).toMatchObject({ errors: [{ field: 'body.steps.0.mailboxId' }] });
    const unknownTemplate = await publish({ templateId: randomUUID() });
    expect(unknownTemplate.statusCode).toBe(400);
    expect(unknownTemplate.json()).toMatchObject({ errors: [{ field: 'body.steps.0.templateId' }] });
    // Neither a template nor a subject and body: refused as the draft is saved.
    const empty = await call('POST', '/workflows', draft({}));
    expect(empty.statusCode).toBe(400);
    const notReader = await publish({ subject: 's', body: 'b', mailboxId }, manager.cookie);
    expect(notReader.statusCode).toBe(400);
    expect(notReader.json()).toMatchObject({
      errors: [
        { field: 'body.steps.0.mailboxId', message: expect.stringContaining('you do not read the mailbox') },
      ],
    });
  });
});
