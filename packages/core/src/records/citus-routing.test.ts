import { withWorkspace, workspaceLiteral } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { anyShard } from '../../../../test/plan.ts';

const CITUS = process.env.RABITA_TEST_CITUS === '1';

/**
 * What a workspace's statement may look like on a Citus cluster (ARCHITECTURE.md, "Citus: a workspace's statement asks
 * one shard"). With PostgreSQL 15 a coordinator refuses an outer join of two tenant tables only in a statement it
 * cannot route to one shard: row-level security's `workspace_id = rabita_current_workspace()` and the statement's own
 * `workspace_id = …` give PostgreSQL a qual on no table, which Citus's multi-shard planner refuses beside an outer join.
 * A statement routed to the workspace's shard is sent whole and may outer-join, so the rule the suites check — every
 * workspace statement routed — also keeps outer joins answering. On one PostgreSQL every form answers the same rows.
 */
describe('outer joins in a workspace statement', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const deals: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app);
    const call = apiCaller(
      () => t.app,
      () => admin.cookie,
    );
    for (const name of ['قرارداد تهران', 'Riyadh renewal']) {
      const r = await call('POST', '/objects/deals', { name, amount: { amount: '100', currency: 'SAR' } });
      expect(r.statusCode, r.body).toBe(201);
      deals.push(r.json().id);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Each deal with whether it has its measures row and how many stages it reached, by a left join. */
  const measured = (confine: { deals: RawBuilder<unknown>; joined: RawBuilder<unknown> }) => sql<{
    id: string;
    measured: boolean;
    reached: number;
  }>`
    select d.id, m.deal_id is not null as measured,
      (select count(*)::int from deal_stage_reach r where r.workspace_id = ${confine.joined} and r.deal_id = d.id)
        as reached
    from deals d
    left join deal_measures m on m.workspace_id = ${confine.joined} and m.deal_id = d.id
    where d.workspace_id = ${confine.deals} and d.id = any(${deals}::uuid[])
    order by d.id`;

  it('answers when every table is confined by the workspace, and is refused on a cluster when one is correlated', async () => {
    const literal = workspaceLiteral(admin.workspaceId);
    const routed = await withWorkspace(
      t.handle.db,
      admin.workspaceId,
      async (trx) => (await measured({ deals: literal, joined: literal }).execute(trx)).rows,
    );
    expect(routed).toEqual([...deals].sort().map((id) => ({ id, measured: true, reached: 1 })));
    // The parameter form is routed too: the join and the subquery are confined by the same literal.
    const bound = await withWorkspace(
      t.handle.db,
      admin.workspaceId,
      async (trx) =>
        (await measured({ deals: sql`${admin.workspaceId}::uuid`, joined: literal }).execute(trx)).rows,
    );
    expect(bound).toEqual(routed);

    // Correlated by `d.workspace_id`, the subquery and the join send the statement to every shard: one PostgreSQL
    // answers the same rows; a cluster refuses the outer join there (and the suites' routing check would refuse the
    // statement first, which `anyShard` lifts here to show why).
    const correlated = withWorkspace(t.handle.db, admin.workspaceId, async (trx) => {
      await anyShard(trx);
      return (
        await measured({ deals: sql`${admin.workspaceId}::uuid`, joined: sql`d.workspace_id` }).execute(trx)
      ).rows;
    });
    if (CITUS) await expect(correlated).rejects.toThrow(/outer joins and pseudoconstant quals/);
    else expect(await correlated).toEqual(routed);
  });
});
