import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { runWorkflowStep } from './run-step.ts';
import { publishWorkflow } from './test-kit.ts';

describe('the assign step', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const reps: Record<'sara' | 'reza' | 'mina', string> = { sara: '', reza: '', mina: '' };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const queued = async (workflowId: string) =>
    withWorkspace(t.handle.db, admin.workspaceId, async (trx) =>
      (
        await sql<{ id: string }>`select id from workflow_runs where workflow_id = ${workflowId}
          and status in ('queued', 'running') order by created_at`.execute(trx.withoutPlugins())
      ).rows.map((r) => r.id),
    );
  const step = (runId: string) =>
    runWorkflowStep(t.handle.db, { workspaceId: admin.workspaceId, runId }, { allowPrivate: false });
  const ownerOf = async (id: string) =>
    ((await call('GET', `/objects/people/${id}`)).json() as { owner: string | null }).owner;
  const publishOn = (name: string, assign: Record<string, unknown>) =>
    publishWorkflow(call, {
      name,
      draft: {
        trigger: {
          type: 'record',
          object: 'people',
          events: ['created'],
          condition: { expr: `record.jobTitle == "${name}"` },
        },
        start: 'a',
        steps: [{ id: 'a', type: 'assign', next: null, ...assign }],
      },
    });
  const person = async (jobTitle: string, extra: Record<string, unknown> = {}) =>
    (
      (await call('POST', '/objects/people', { firstName: 'لیلا', jobTitle, ...extra })).json() as {
        id: string;
      }
    ).id;

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    for (const name of ['sara', 'reza', 'mina'] as const)
      reps[name] = (
        await joinByInvitation(t.app, admin.cookie, {
          email: `${name}.${admin.workspaceId.slice(0, 8)}@example.com`,
          role: 'member',
          name,
        })
      ).userId;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('takes turns round robin, skips members marked away, and never gives two parallel runs the same turn', async () => {
    const id = await publishOn('rr', {
      pool: { users: [reps.sara, reps.reza, reps.mina] },
      strategy: 'roundRobin',
    });
    expect((await call('PUT', `/assignment-away/${reps.reza}`, { away: true })).statusCode).toBe(204);
    const people = [];
    for (let i = 0; i < 4; i++) people.push(await person('rr'));
    for (const run of await queued(id)) await step(run);
    expect(await Promise.all(people.map(ownerOf))).toEqual([reps.sara, reps.mina, reps.sara, reps.mina]);
    const detail = (await call('GET', `/workflow-runs?workflowId=${id}`)).json() as {
      data: { id: string }[];
    };
    const first = (await call('GET', `/workflow-runs/${detail.data.at(-1)!.id}`)).json() as {
      steps: { output: { assigned: string; skipped: string[]; reason: string } }[];
    };
    expect(first.steps[0]!.output).toEqual({ assigned: reps.sara, skipped: [], reason: 'round robin' });
    const second = (await call('GET', `/workflow-runs/${detail.data.at(-2)!.id}`)).json() as typeof first;
    expect(second.steps[0]!.output).toEqual({
      assigned: reps.mina,
      skipped: [reps.reza],
      reason: 'round robin; 1 away skipped',
    });

    // Back from away; twelve records whose steps run at once: each member gets exactly four.
    expect((await call('PUT', `/assignment-away/${reps.reza}`, { away: false })).statusCode).toBe(204);
    const many = [];
    for (let i = 0; i < 12; i++) many.push(await person('rr'));
    await Promise.all((await queued(id)).map(step));
    const owners = await Promise.all(many.map(ownerOf));
    for (const rep of Object.values(reps)) expect(owners.filter((o) => o === rep)).toHaveLength(4);
  });

  it('gives least load to whoever owns the fewest, and fails in words when everyone is away', async () => {
    // Sara owns two people and Reza one already (besides the round robin's, counted as well).
    const base = await Promise.all(
      [reps.sara, reps.sara, reps.reza].map((owner) => person('owned', { owner })),
    );
    expect(base).toHaveLength(3);
    const counts = await withWorkspace(
      t.handle.db,
      admin.workspaceId,
      async (trx) =>
        (
          await sql<{ owner_id: string; n: number }>`select owner_id, count(*)::int as n from people
          where owner_id = any(${[reps.sara, reps.reza, reps.mina]}::uuid[]) and deleted_at is null
          group by owner_id`.execute(trx.withoutPlugins())
        ).rows,
    );
    const least = [...counts].sort((a, b) => a.n - b.n || a.owner_id.localeCompare(b.owner_id))[0]!.owner_id;
    const id = await publishOn('ll', {
      pool: { users: [reps.sara, reps.reza, reps.mina] },
      strategy: 'leastLoad',
    });
    const p = await person('ll');
    for (const run of await queued(id)) await step(run);
    expect(await ownerOf(p)).toBe(least);

    for (const rep of Object.values(reps))
      expect((await call('PUT', `/assignment-away/${rep}`, { away: true })).statusCode).toBe(204);
    const nobody = await person('ll');
    const [run] = await queued(id);
    await step(run!);
    const failed = (await call('GET', `/workflow-runs/${run}`)).json() as { status: string; error: string };
    expect(failed).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/everyone in the pool is marked away/),
    });
    expect(await ownerOf(nobody)).toBe(admin.userId);
  });

  it('refuses to publish an assign step on a field that is not a person, or with a workflow that has no record', async () => {
    const created = await call('POST', '/workflows', {
      name: 'bad',
      draft: {
        trigger: { type: 'record', object: 'people', events: ['created'] },
        start: 'a',
        steps: [{ id: 'a', type: 'assign', field: 'jobTitle', pool: { users: [reps.sara] }, next: null }],
      },
    });
    const refused = await call('POST', `/workflows/${(created.json() as { id: string }).id}/publish`);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ errors: [{ field: 'body.steps.0.field' }] });
  });
});
