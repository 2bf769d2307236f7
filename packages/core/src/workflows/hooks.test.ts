import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { signHook } from './hook-trigger.ts';
import { drainRuns, publishWorkflow } from './test-kit.ts';

describe('inbound webhooks and workflows that start workflows', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const query = <T>(text: string, ws = admin.workspaceId) =>
    withWorkspace(
      t.handle.db,
      ws,
      async (trx) => (await sql.raw<T>(text).execute(trx.withoutPlugins())).rows,
    );
  const drain = () => drainRuns(t.handle.db, admin.workspaceId);
  const publishOn = (body: unknown) => publishWorkflow(call, body);
  const post = (path: string, body: string, headers: Record<string, string>) =>
    t.app.inject({
      method: 'POST',
      url: path,
      payload: body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  const signed = (secret: string, body: string, extra: Record<string, string> = {}, at = new Date()) => {
    const timestamp = String(Math.floor(at.getTime() / 1000));
    return {
      'x-rabita-timestamp': timestamp,
      'x-rabita-signature': signHook(secret, timestamp, body),
      ...extra,
    };
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a signed call starts one run with its body as trigger.payload; bad, late, tampered and replayed calls start none', async () => {
    const id = await publishOn({
      name: 'Leads from the shop',
      draft: {
        trigger: { type: 'webhook' },
        start: 'person',
        steps: [
          {
            id: 'person',
            type: 'createRecord',
            object: 'people',
            values: {
              firstName: { expr: 'trigger.payload.name' },
              jobTitle: { expr: '"سفارش " + string(trigger.payload.order)' },
            },
            next: null,
          },
        ],
      },
    });
    const made = await call('POST', `/workflows/${id}/hook-secret`);
    expect(made.statusCode, made.body).toBe(200);
    const { secret, path } = made.json() as { secret: string; path: string };
    expect(path).toBe(`/api/v1/hooks/${admin.workspaceId}/workflows/${id}`);
    // Kept sealed: the column never holds the secret itself.
    const [stored] = await query<{ hook_secret: string }>(
      `select hook_secret from workflows where id = '${id}'`,
    );
    expect(stored!.hook_secret).toMatch(/^v1\./);
    expect(stored!.hook_secret).not.toContain(secret.slice(6));

    const body = JSON.stringify({ name: 'فاطمه', order: 1042 });
    const first = await post(path, body, signed(secret, body, { 'x-rabita-delivery': 'order-1042' }));
    expect(first.statusCode, first.body).toBe(202);
    const { runId } = first.json() as { runId: string; duplicate: boolean };
    expect(first.json()).toMatchObject({ duplicate: false });
    // The same delivery again (a sender's retry, even re-signed later): the first run, no second one.
    const again = await post(path, body, signed(secret, body, { 'x-rabita-delivery': 'order-1042' }));
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ runId, duplicate: true });
    // Without a delivery id, the same signed call replayed starts nothing new either.
    const once = signed(secret, JSON.stringify({ name: 'Omid', order: 7 }));
    const a = await post(path, JSON.stringify({ name: 'Omid', order: 7 }), once);
    const b = await post(path, JSON.stringify({ name: 'Omid', order: 7 }), once);
    expect((b.json() as { runId: string }).runId).toBe((a.json() as { runId: string }).runId);

    await drain();
    const run = (await call('GET', `/workflow-runs/${runId}`)).json() as {
      status: string;
      trigger: { payload: unknown };
    };
    expect(run.status).toBe('succeeded');
    expect(run.trigger.payload).toEqual({ name: 'فاطمه', order: 1042 });
    const people = await query<{ first_name: string; job_title: string }>(
      `select first_name, job_title from people where first_name in ('فاطمه', 'Omid') order by first_name`,
    );
    expect(people).toEqual([
      { first_name: 'Omid', job_title: 'سفارش 7' },
      { first_name: 'فاطمه', job_title: 'سفارش 1042' },
    ]);

    const runsBefore = (await query(`select id from workflow_runs where workflow_id = '${id}'`)).length;
    // A wrong secret, a tampered body, a call from ten minutes ago, no signature at all: 401, nothing started.
    expect(
      (await post(path, body, signed('whsec_wrong', body, { 'x-rabita-delivery': 'x1' }))).statusCode,
    ).toBe(401);
    const tampered = JSON.stringify({ name: 'فاطمه', order: 9999 });
    expect((await post(path, tampered, signed(secret, body, { 'x-rabita-delivery': 'x2' }))).statusCode).toBe(
      401,
    );
    const late = signed(secret, body, { 'x-rabita-delivery': 'x3' }, new Date(Date.now() - 10 * 60_000));
    const lateAnswer = await post(path, body, late);
    expect(lateAnswer.statusCode).toBe(401);
    expect(lateAnswer.json()).toMatchObject({ detail: expect.stringMatching(/within 5 minutes/) });
    expect((await post(path, body, {})).statusCode).toBe(401);
    // Hostile bodies: malformed JSON, a NUL character, a body over 64 KB, a bad delivery id.
    expect((await post(path, '{"name":', signed(secret, '{"name":'))).statusCode).toBe(400);
    const nul = JSON.stringify({ name: 'a\u0000b' });
    expect((await post(path, nul, signed(secret, nul))).statusCode).toBe(400);
    const huge = JSON.stringify({ name: 'x'.repeat(70_000) });
    expect((await post(path, huge, signed(secret, huge))).statusCode).toBe(413);
    expect(
      (await post(path, body, signed(secret, body, { 'x-rabita-delivery': 'bad id <script>' }))).statusCode,
    ).toBe(400);
    expect((await query(`select id from workflow_runs where workflow_id = '${id}'`)).length).toBe(runsBefore);

    // Another workspace's path, an unknown workflow, a malformed id: the same 404, whatever the signature.
    const elsewhere = `/api/v1/hooks/${other.workspaceId}/workflows/${id}`;
    expect((await post(elsewhere, body, signed(secret, body))).statusCode).toBe(404);
    expect(
      (await post(path.replace(id, '0190a0e0-0000-7000-8000-000000000000'), body, signed(secret, body)))
        .statusCode,
    ).toBe(404);
    expect((await post('/api/v1/hooks/not-a-uuid/workflows/x', body, signed(secret, body))).statusCode).toBe(
      404,
    );

    // A new secret retires the old one; a workflow turned off answers 404.
    const rotated = (await call('POST', `/workflows/${id}/hook-secret`)).json() as { secret: string };
    const fresh = JSON.stringify({ name: 'Sara', order: 3 });
    expect((await post(path, fresh, signed(secret, fresh))).statusCode).toBe(401);
    expect((await post(path, fresh, signed(rotated.secret, fresh))).statusCode).toBe(202);
    await drain();
    expect((await call('PATCH', `/workflows/${id}`, { enabled: false })).statusCode).toBe(200);
    const off = JSON.stringify({ name: 'Leila', order: 4 });
    expect((await post(path, off, signed(rotated.secret, off))).statusCode).toBe(404);
    // Only holders of workflows.manage make secrets; another workspace's member gets 404 for this workflow.
    expect((await call('POST', `/workflows/${id}/hook-secret`, undefined, other.cookie)).statusCode).toBe(
      404,
    );
  });

  it('a runWorkflow step starts the called workflow once, on the same record, and chains stop at depth 5', async () => {
    const called = await publishOn({
      name: 'Mark as called',
      draft: {
        trigger: { type: 'called', object: 'people' },
        start: 'mark',
        steps: [
          {
            id: 'mark',
            type: 'updateRecord',
            target: 'trigger',
            values: { jobTitle: { value: 'پیگیری شد' } },
            next: null,
          },
        ],
      },
    });
    const caller = await publishOn({
      name: 'New person',
      draft: {
        trigger: { type: 'record', object: 'people', events: ['created'] },
        start: 'go',
        steps: [{ id: 'go', type: 'runWorkflow', workflowId: called, next: null }],
      },
    });
    const person = (await call('POST', '/objects/people', { firstName: 'Kian' })).json() as { id: string };
    await drain();
    const runs = await query<{
      workflow_id: string;
      status: string;
      depth: number;
      trigger_record_id: string;
    }>(
      `select workflow_id, status, depth, trigger_record_id from workflow_runs
       where workflow_id in ('${called}', '${caller}') order by created_at`,
    );
    expect(runs).toEqual([
      { workflow_id: caller, status: 'succeeded', depth: 0, trigger_record_id: person.id },
      { workflow_id: called, status: 'succeeded', depth: 1, trigger_record_id: person.id },
    ]);
    const after = (await call('GET', `/objects/people/${person.id}`)).json() as { jobTitle: string };
    expect(after.jobTitle).toBe('پیگیری شد');
    expect((await call('PATCH', `/workflows/${caller}`, { enabled: false })).statusCode).toBe(200);

    // Publishing a step that names a workflow not started by others is refused, naming the field.
    const wrong = await call('POST', '/workflows', {
      name: 'Wrong',
      draft: {
        trigger: { type: 'manual', object: 'people' },
        start: 'go',
        steps: [{ id: 'go', type: 'runWorkflow', workflowId: caller, next: null }],
      },
    });
    const refused = await call('POST', `/workflows/${(wrong.json() as { id: string }).id}/publish`);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ errors: [{ field: 'body.steps.0.workflowId' }] });

    // A workflow that starts itself: depth 1, 2, 3, 4 run, the fifth is skipped as a loop.
    const created = await call('POST', '/workflows', {
      name: 'Echo',
      draft: { trigger: { type: 'called' }, start: 'again', steps: [] },
      settings: { concurrency: 'parallel' },
    });
    const echo = (created.json() as { id: string }).id;
    const patched = await call('PATCH', `/workflows/${echo}`, {
      draft: {
        trigger: { type: 'called' },
        start: 'again',
        steps: [{ id: 'again', type: 'runWorkflow', workflowId: echo, next: null }],
      },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await call('POST', `/workflows/${echo}/publish`)).statusCode).toBe(200);
    expect((await call('PATCH', `/workflows/${echo}`, { enabled: true })).statusCode).toBe(200);
    const starter = await publishOn({
      name: 'Start echo',
      draft: {
        trigger: { type: 'manual', object: 'people' },
        start: 'go',
        steps: [{ id: 'go', type: 'runWorkflow', workflowId: echo, next: null }],
      },
    });
    expect((await call('POST', `/workflows/${starter}/run`, { recordIds: [person.id] })).statusCode).toBe(
      202,
    );
    await drain();
    const chain = await query<{ depth: number; status: string; reason: string | null }>(
      `select depth, status, reason from workflow_runs where workflow_id = '${echo}' order by depth`,
    );
    expect(chain).toEqual([
      { depth: 1, status: 'succeeded', reason: null },
      { depth: 2, status: 'succeeded', reason: null },
      { depth: 3, status: 'succeeded', reason: null },
      { depth: 4, status: 'succeeded', reason: null },
      { depth: 5, status: 'skipped', reason: 'loop' },
    ]);
  });
});
