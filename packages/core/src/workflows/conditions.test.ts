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
import { publishWorkflow } from './test-kit.ts';

describe('trigger conditions on old and new values', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const runCount = async (workflowId: string) =>
    withWorkspace(t.handle.db, admin.workspaceId, async (trx) =>
      Number(
        (
          await sql<{
            n: string;
          }>`select count(*) as n from workflow_runs where workflow_id = ${workflowId}`.execute(
            trx.withoutPlugins(),
          )
        ).rows[0]!.n,
      ),
    );
  const publishOn = (as: string, expr: string) =>
    publishWorkflow(
      call,
      {
        name: 'Crossing',
        draft: {
          trigger: { type: 'record', object: 'deals', events: ['updated'], condition: { expr } },
          start: null,
          steps: [],
        },
      },
      as,
    );

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('starts a run when a field crosses a value (before below, after at or above), not on later changes above it', async () => {
    const id = await publishOn(
      admin.cookie,
      'has(before.probability) && before.probability < 50 && record.probability >= 50',
    );
    const deal = (await call('POST', '/objects/deals', { name: 'قرارداد', probability: 10 })).json() as {
      id: string;
    };
    const set = async (probability: number) =>
      expect((await call('PATCH', `/objects/deals/${deal.id}`, { probability })).statusCode).toBe(200);
    await set(40);
    expect(await runCount(id)).toBe(0);
    await set(50);
    expect(await runCount(id)).toBe(1);
    await set(70);
    await call('PATCH', `/objects/deals/${deal.id}`, { name: 'قرارداد بزرگ' });
    expect(await runCount(id)).toBe(1);
  });

  it('never lets a condition read the old value of a field hidden from the workflow’s owner', async () => {
    const role = await call('POST', '/roles', {
      key: 'pipeline_bot',
      name: 'Pipeline bot',
      permissions: {
        actions: ['workflows.manage'],
        objects: {
          '*': { read: true, create: true, update: true, delete: false },
          deals: { read: true, create: true, update: true, delete: false, hiddenFields: ['probability'] },
        },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    const bot = await joinByInvitation(t.app, admin.cookie, {
      email: `bot.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'pipeline_bot',
      name: 'Bot',
    });
    // True for any change of probability were its old value seen: the owner may not see it, so never true.
    const id = await publishOn(bot.cookie, 'has(before.probability) || "probability" in trigger.fields');
    const deal = (await call('POST', '/objects/deals', { name: 'پنهان', probability: 10 })).json() as {
      id: string;
    };
    expect((await call('PATCH', `/objects/deals/${deal.id}`, { probability: 90 })).statusCode).toBe(200);
    expect(await runCount(id)).toBe(0);
  });
});
