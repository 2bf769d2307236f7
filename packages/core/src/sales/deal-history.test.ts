import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { multipartForm } from '../../../../test/multipart.ts';
import { runImport } from '../imports/imports.service.ts';

interface Entry {
  id: string;
  at: string;
  kind: string;
  changes: Record<string, { from: unknown; to: unknown }>;
  actor: { userId: string | null; apiKeyId: string | null };
  source: string;
  cause: unknown;
}
interface Visit {
  stageId: string;
  enteredAt: string;
  leftAt: string | null;
  seconds: number;
}
interface History {
  data: Entry[];
  nextCursor: string | null;
  stages: Visit[];
  slippage: { count: number; days: number } | null;
}
interface Stat {
  stageId: string;
  reached: number;
  won: number;
  lost: number;
  open: number;
  winRate: number | null;
  completedVisits: number;
  averageSeconds: number | null;
}

const ALL = { read: true, create: true, update: true, delete: true };

describe('deal history, stage statistics and win/loss reasons', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let member: { userId: string; cookie: string };
  let noAmount: { userId: string; cookie: string };
  let rep: { userId: string; cookie: string };
  let owner: pg.Client;
  /** The default pipeline's stages by English name. */
  const stage: Record<string, string> = {};
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = async (method: 'POST' | 'PATCH', url: string, body: unknown, cookie = admin.cookie) => {
    const r = await call(method, url, body, cookie);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.json() as Record<string, unknown> & { id: string };
  };
  const historyOf = async (id: string, cookie = admin.cookie, query = '') => {
    const r = await call('GET', `/deals/${id}/history${query}`, undefined, cookie);
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as History;
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    const suffix = admin.workspaceId.slice(0, 8);
    member = await joinByInvitation(t.app, admin.cookie, {
      email: `member.${suffix}@example.com`,
      role: 'member',
      name: 'Member',
    });
    for (const [key, deals] of [
      ['noamount', { ...ALL, hiddenFields: ['amount'] }],
      ['rep', { ...ALL, ownRecordsOnly: true }],
    ] as const) {
      const role = await call('POST', '/roles', {
        key,
        name: key,
        permissions: { actions: [], objects: { '*': ALL, deals } },
      });
      expect(role.statusCode, role.body).toBe(201);
    }
    noAmount = await joinByInvitation(t.app, admin.cookie, {
      email: `noamount.${suffix}@example.com`,
      role: 'noamount',
      name: 'No Amount',
    });
    rep = await joinByInvitation(t.app, admin.cookie, {
      email: `rep.${suffix}@example.com`,
      role: 'rep',
      name: 'Rep',
    });
    const stages = (await call('POST', '/objects/stages/query', { sort: 'position' })).json().data as {
      id: string;
      name: string;
    }[];
    for (const s of stages) stage[s.name] = s.id;
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  it('appends a row for every tracked change of a single write, with the actor and source, and none for others', async () => {
    const deal = await ok('POST', '/objects/deals', {
      name: 'Tehran licences',
      amount: { amount: '100', currency: 'SAR' },
      expectedCloseDate: '2027-01-10',
    });
    let h = await historyOf(deal.id);
    expect(h.data).toHaveLength(1);
    expect(h.data[0]).toMatchObject({
      kind: 'created',
      source: 'ui',
      actor: { userId: admin.userId, apiKeyId: null },
      changes: {
        stage: { from: null, to: stage.Qualification },
        status: { from: null, to: 'open' },
        amount: { from: null, to: { amount: '100', currency: 'SAR' } },
        expectedCloseDate: { from: null, to: '2027-01-10' },
        owner: { from: null, to: admin.userId },
        forecastCategory: { from: null, to: 'pipeline' },
      },
    });
    // A change of no tracked field (the name) appends nothing.
    await ok('PATCH', `/objects/deals/${deal.id}`, { name: 'Tehran licences (renewal)' });
    expect((await historyOf(deal.id)).data).toHaveLength(1);
    await ok('PATCH', `/objects/deals/${deal.id}`, { stage: stage.Proposal });
    await ok('PATCH', `/objects/deals/${deal.id}`, {
      amount: { amount: '150.50', currency: 'SAR' },
      expectedCloseDate: '2027-01-30',
    });
    await ok('PATCH', `/objects/deals/${deal.id}`, { expectedCloseDate: '2027-01-20' }); // earlier: no slip
    await ok('PATCH', `/objects/deals/${deal.id}`, { owner: member.userId });
    h = await historyOf(deal.id);
    expect(h.data.map((e) => Object.keys(e.changes).sort())).toEqual([
      ['owner'],
      ['expectedCloseDate'],
      ['amount', 'expectedCloseDate'],
      ['stage'],
      expect.arrayContaining(['stage', 'amount']),
    ]);
    expect(h.data[3]!.changes.stage).toEqual({ from: stage.Qualification, to: stage.Proposal });
    expect(h.data[2]!.changes.amount).toEqual({
      from: { amount: '100', currency: 'SAR' },
      to: { amount: '150.50', currency: 'SAR' },
    });
    // Slippage: pushed later once by 20 days (the move earlier does not count).
    expect(h.slippage).toEqual({ count: 1, days: 20 });
    // Stage visits: Qualification ended when Proposal began, the times those entries were written.
    const created = h.data[4]!;
    const moved = h.data[3]!;
    expect(h.stages).toHaveLength(2);
    expect(h.stages[0]).toEqual({
      stageId: stage.Qualification,
      enteredAt: created.at,
      leftAt: moved.at,
      seconds: (Date.parse(moved.at) - Date.parse(created.at)) / 1000,
    });
    expect(h.stages[1]).toMatchObject({ stageId: stage.Proposal, enteredAt: moved.at, leftAt: null });
    expect(h.stages[1]!.seconds).toBeGreaterThanOrEqual(0);

    // Keyset pages: two at a time, newest first, no row twice, none missed.
    const seen: string[] = [];
    let cursor = '';
    for (let i = 0; i < 5; i++) {
      const page = await historyOf(deal.id, admin.cookie, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.data.map((e) => e.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(h.data.map((e) => e.id));
    expect((await call('GET', `/deals/${deal.id}/history?cursor=abc`)).statusCode).toBe(400);
  });

  it('appends history for batch writes (one statement for many deals) and for imports', async () => {
    const names = ['Batch A', 'Batch B', 'Batch C'];
    const created = await call('POST', '/objects/deals/batch', {
      records: names.map((name) => ({ name, expectedCloseDate: '2027-05-01' })),
    });
    expect(created.statusCode, created.body).toBe(200);
    const ids = (created.json().data as { id: string }[]).map((r) => r.id);
    // An upsert by name moves all three to Negotiation: the set-based update path.
    const moved = await call('POST', '/objects/deals/batch', {
      upsertBy: 'name',
      records: names.map((name) => ({ name, stage: stage.Negotiation })),
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().data.every((r: { created?: boolean }) => r.created === false)).toBe(true);
    for (const id of ids) {
      const h = await historyOf(id);
      expect(h.data.map((e) => e.kind)).toEqual(['updated', 'created']);
      expect(h.data[0]!.changes.stage).toEqual({ from: stage.Qualification, to: stage.Negotiation });
    }

    const csv = 'Name,Expected close date\nImported one,2027-06-01\nImported two,2027-06-02\n';
    const body = multipartForm({ object: 'deals' }, Buffer.from(csv), 'deals.csv');
    const upload = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      payload: body.payload,
      headers: { ...body.headers, cookie: admin.cookie },
    });
    expect(upload.statusCode, upload.body).toBe(202);
    await runImport(t.handle.db, admin.workspaceId, upload.json().id);
    const imported = (
      await call('POST', '/objects/deals/query', {
        filter: { field: 'name', op: 'startsWith', value: 'Imported' },
      })
    ).json().data as { id: string }[];
    expect(imported).toHaveLength(2);
    for (const d of imported) {
      const h = await historyOf(d.id);
      expect(h.data).toHaveLength(1);
      expect(h.data[0]).toMatchObject({ kind: 'created', source: 'import' });
      expect(h.data[0]!.changes.stage).toEqual({ from: null, to: stage.Qualification });
    }
  });

  it('records the cause of a write made by automation: the amount its line items make', async () => {
    const deal = await ok('POST', '/objects/deals', {
      name: 'Lines',
      amount: { amount: '10', currency: 'SAR' },
    });
    await ok('POST', `/deals/${deal.id}/line-items`, { quantity: '2', unitPrice: '7.5' });
    const [latest] = (await historyOf(deal.id)).data;
    expect(latest).toMatchObject({
      kind: 'updated',
      actor: { userId: admin.userId },
      changes: {
        amount: { from: { amount: '10', currency: 'SAR' }, to: { amount: '15.00', currency: 'SAR' } },
      },
      cause: { kind: 'lineItems', runId: deal.id, depth: 0 },
    });
  });

  it('never rewrites the history: the app role may not, and a trigger refuses even the owner', async () => {
    const deal = await ok('POST', '/objects/deals', { name: 'Append only' });
    await expect(
      owner.query('update deal_history set stage_id = null where deal_id = $1', [deal.id]),
    ).rejects.toThrow(/append-only/);
    await expect(owner.query('delete from deal_history where deal_id = $1', [deal.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(owner.query('truncate deal_history')).rejects.toThrow(/append-only/);
    await owner.query('begin');
    try {
      await owner.query('set local role rabita_app');
      await expect(
        owner.query('update deal_history set stage_id = null where deal_id = $1', [deal.id]),
      ).rejects.toThrow(/permission denied/);
    } finally {
      await owner.query('rollback');
    }
    await owner.query('begin');
    try {
      await owner.query('set local role rabita_app');
      await expect(owner.query('delete from deal_history where deal_id = $1', [deal.id])).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await owner.query('rollback');
    }
    expect((await historyOf(deal.id)).data).toHaveLength(1);
    // Deleting a whole workspace still takes its history with it.
    const leaving = await signUp(t.app);
    const theirs = await ok('POST', '/objects/deals', { name: 'Leaving' }, leaving.cookie);
    await owner.query('delete from workspaces where id = $1', [leaving.workspaceId]);
    const { rows } = await owner.query('select count(*)::int as n from deal_history where deal_id = $1', [
      theirs.id,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('shows history only to those who may read the deal, without fields their role hides', async () => {
    const deal = await ok('POST', '/objects/deals', {
      name: 'Hidden amount',
      amount: { amount: '987654.32', currency: 'AED' },
    });
    await ok('PATCH', `/objects/deals/${deal.id}`, { amount: { amount: '123456.78', currency: 'AED' } });
    await ok('PATCH', `/objects/deals/${deal.id}`, { stage: stage['Needs analysis'] });
    expect((await historyOf(deal.id)).data).toHaveLength(3);
    const r = await call('GET', `/deals/${deal.id}/history`, undefined, noAmount.cookie);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.body).not.toContain('987654');
    expect(r.body).not.toContain('123456');
    const seen = r.json() as History;
    // The amount-only change is left out; the others show without the amount.
    expect(seen.data.map((e) => e.kind)).toEqual(['updated', 'created']);
    for (const e of seen.data) expect(Object.keys(e.changes)).not.toContain('amount');
    // "Own records only": another owner's deal is not found, their own is.
    expect((await call('GET', `/deals/${deal.id}/history`, undefined, rep.cookie)).statusCode).toBe(404);
    const mine = await ok('POST', '/objects/deals', { name: 'Rep deal' }, rep.cookie);
    expect((await historyOf(mine.id, rep.cookie)).data).toHaveLength(1);
    // Another workspace: 404, as for a deal that does not exist.
    const foreign = await call('GET', `/deals/${deal.id}/history`, undefined, other.cookie);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain('987654');
    const pipeline = (await call('GET', '/objects/pipelines')).json().data[0].id as string;
    expect(
      (await call('GET', `/sales/stage-stats?pipelineId=${pipeline}`, undefined, other.cookie)).statusCode,
    ).toBe(404);
  });

  it('computes win rate per stage, per owner, time in stage and slippage from a hand-built pipeline', async () => {
    const pipeline = await ok('POST', '/objects/pipelines', { name: 'Stats' });
    const ids: Record<string, string> = {};
    for (const [name, position, kind] of [
      ['A', 1, 'open'],
      ['B', 2, 'open'],
      ['W', 3, 'won'],
      ['L', 4, 'lost'],
    ] as const)
      ids[name] = (await ok('POST', '/objects/stages', { pipeline: pipeline.id, name, position, kind })).id;
    // Each deal's path through the stages, its owner, and the close dates it is given in turn.
    const plan: { path: string[]; owner: string; dates: string[]; deleted?: boolean }[] = [
      {
        path: ['A', 'B', 'W'],
        owner: admin.userId,
        dates: ['2027-01-01', '2027-01-15', '2027-01-10', '2027-02-01'],
      },
      { path: ['A', 'L'], owner: admin.userId, dates: [] },
      { path: ['A', 'B', 'L'], owner: member.userId, dates: ['2027-03-01', '2027-03-04'] },
      { path: ['A', 'B'], owner: member.userId, dates: [] },
      { path: ['B', 'W'], owner: member.userId, dates: ['2027-04-01'] },
      { path: ['A', 'W'], owner: admin.userId, dates: [] },
      { path: ['A', 'B', 'A', 'B', 'W'], owner: member.userId, dates: [] },
    ];
    const dealIds: string[] = [];
    for (const [i, d] of plan.entries()) {
      const deal = await ok('POST', '/objects/deals', {
        name: `Stats ${i}`,
        pipeline: pipeline.id,
        stage: ids[d.path[0]!],
        owner: d.owner,
      });
      dealIds.push(deal.id);
      for (const s of d.path.slice(1)) await ok('PATCH', `/objects/deals/${deal.id}`, { stage: ids[s] });
      for (const date of d.dates) await ok('PATCH', `/objects/deals/${deal.id}`, { expectedCloseDate: date });
    }

    // What the statistics must say, computed here from the plan and the recorded visits.
    let histories = await Promise.all(dealIds.map((id) => historyOf(id)));
    const expected = (stageName: string, owner?: string) => {
      let reached = 0;
      let won = 0;
      let lost = 0;
      let open = 0;
      let completed = 0;
      let seconds = 0;
      for (const [i, d] of plan.entries()) {
        if ((owner && d.owner !== owner) || d.deleted) continue;
        if (!d.path.includes(stageName)) continue;
        reached++;
        const last = d.path.at(-1);
        if (last === 'W') won++;
        else if (last === 'L') lost++;
        else open++;
        for (const v of histories[i]!.stages)
          if (v.stageId === ids[stageName] && v.leftAt !== null) {
            completed++;
            seconds += v.seconds;
          }
      }
      return {
        stageId: ids[stageName],
        reached,
        won,
        lost,
        open,
        winRate: won + lost > 0 ? won / (won + lost) : null,
        completedVisits: completed,
        averageSeconds: completed > 0 ? seconds / completed : null,
      };
    };
    const close = (actual: Stat, want: ReturnType<typeof expected>) => {
      const { averageSeconds, ...rest } = want;
      expect(actual).toMatchObject(rest);
      if (averageSeconds === null) expect(actual.averageSeconds).toBeNull();
      // Visits shown in whole milliseconds; the statistics keep microseconds.
      else expect(Math.abs(actual.averageSeconds! - averageSeconds)).toBeLessThanOrEqual(0.001);
    };
    const check = async () => {
      const r = await call('GET', `/sales/stage-stats?pipelineId=${pipeline.id}`);
      expect(r.statusCode, r.body).toBe(200);
      const stats = r.json() as {
        stages: Stat[];
        owners: { ownerId: string; stages: Stat[] }[];
        slippage: {
          deals: number;
          pushes: number;
          days: number;
          owners: { ownerId: string; deals: number; pushes: number; days: number }[];
        };
      };
      expect(stats.stages.map((s) => s.stageId)).toEqual(['A', 'B', 'W', 'L'].map((n) => ids[n]));
      for (const [i, name] of ['A', 'B', 'W', 'L'].entries()) close(stats.stages[i]!, expected(name));
      for (const who of [admin.userId, member.userId]) {
        const mine = stats.owners.find((o) => o.ownerId === who)!;
        for (const [i, name] of ['A', 'B', 'W', 'L'].entries()) close(mine.stages[i]!, expected(name, who));
      }
      // Slippage: every move of the close date to a later day, of live deals, per owner and in all.
      const slips = new Map<string, { deals: number; pushes: number; days: number }>();
      for (const d of plan) {
        if (d.deleted) continue;
        let n = 0;
        let days = 0;
        for (let i = 1; i < d.dates.length; i++) {
          const diff = (Date.parse(d.dates[i]!) - Date.parse(d.dates[i - 1]!)) / 86_400_000;
          if (diff > 0) {
            n++;
            days += diff;
          }
        }
        if (n === 0) continue;
        const o = slips.get(d.owner) ?? { deals: 0, pushes: 0, days: 0 };
        slips.set(d.owner, { deals: o.deals + 1, pushes: o.pushes + n, days: o.days + days });
      }
      const all = [...slips.values()].reduce(
        (a, b) => ({ deals: a.deals + b.deals, pushes: a.pushes + b.pushes, days: a.days + b.days }),
        { deals: 0, pushes: 0, days: 0 },
      );
      expect(stats.slippage).toMatchObject(all);
      expect(
        Object.fromEntries(stats.slippage.owners.map(({ ownerId, ...rest }) => [ownerId, rest])),
      ).toEqual(Object.fromEntries(slips));
      return stats;
    };
    const stats = await check();
    // A sanity check of the rule itself on stage A: six deals reached it, three won, two lost.
    expect(stats.stages[0]).toMatchObject({ reached: 6, won: 3, lost: 2, winRate: 3 / 5 });

    // A new owner takes the deal's whole record with them; a deleted deal counts no more, restored it does again;
    // a deal reopened from won counts as open.
    await ok('PATCH', `/objects/deals/${dealIds[6]}`, { owner: admin.userId });
    plan[6]!.owner = admin.userId;
    expect((await call('DELETE', `/objects/deals/${dealIds[0]}`)).statusCode).toBeLessThan(300);
    plan[0]!.deleted = true;
    await check();
    const restored = await call('POST', `/objects/deals/${dealIds[0]}/restore`);
    expect(restored.statusCode, restored.body).toBeLessThan(300);
    plan[0]!.deleted = false;
    await ok('PATCH', `/objects/deals/${dealIds[5]}`, { stage: ids.B });
    plan[5]!.path.push('B');
    histories = await Promise.all(dealIds.map((id) => historyOf(id)));
    await check();

    // The rep ("own records only") sees statistics of their own deals alone: none here.
    const repStats = (
      await call('GET', `/sales/stage-stats?pipelineId=${pipeline.id}`, undefined, rep.cookie)
    ).json();
    expect(repStats.stages.every((s: Stat) => s.reached === 0)).toBe(true);
  });

  it('keeps the statistics exact under concurrent writes of many deals, by what each deal’s history says', async () => {
    const pipeline = await ok('POST', '/objects/pipelines', { name: 'Concurrent' });
    const stageIds: string[] = [];
    for (const [name, position, kind] of [
      ['One', 1, 'open'],
      ['Two', 2, 'open'],
      ['Three', 3, 'open'],
      ['Won', 4, 'won'],
      ['Lost', 5, 'lost'],
    ] as const)
      stageIds.push(
        (await ok('POST', '/objects/stages', { pipeline: pipeline.id, name, position, kind })).id,
      );
    const owners = [admin.userId, member.userId];
    const deals = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        ok('POST', '/objects/deals', {
          name: `Concurrent ${i}`,
          pipeline: pipeline.id,
          stage: stageIds[i % 3],
          owner: owners[i % 2],
        }),
      ),
    );
    // Each deal takes its own walk (a move, an owner change, a close), all deals at once.
    await Promise.all(
      deals.map(async (deal, i) => {
        for (const step of [1, 2, 3]) {
          const body =
            step === 2
              ? { owner: owners[(i + 1) % 2] }
              : { stage: stageIds[(i + step * 2) % 5], expectedCloseDate: `2027-0${step}-1${i % 9}` };
          await ok('PATCH', `/objects/deals/${deal.id}`, body);
        }
      }),
    );
    const r = await call('GET', `/sales/stage-stats?pipelineId=${pipeline.id}`);
    expect(r.statusCode, r.body).toBe(200);
    const stats = r.json() as { stages: Stat[] };
    const views = await Promise.all(
      deals.map(async (d) => ({
        history: await historyOf(d.id),
        deal: (await call('GET', `/objects/deals/${d.id}`)).json() as { status: string },
      })),
    );
    for (const [i, stageId] of stageIds.entries()) {
      const reachedBy = views.filter((v) => v.history.stages.some((s) => s.stageId === stageId));
      const ended = reachedBy.flatMap((v) =>
        v.history.stages.filter((s) => s.stageId === stageId && s.leftAt),
      );
      expect(stats.stages[i]).toMatchObject({
        stageId,
        reached: reachedBy.length,
        won: reachedBy.filter((v) => v.deal.status === 'won').length,
        lost: reachedBy.filter((v) => v.deal.status === 'lost').length,
        open: reachedBy.filter((v) => v.deal.status === 'open').length,
        completedVisits: ended.length,
      });
      const seconds = ended.reduce((n, s) => n + s.seconds, 0);
      if (ended.length > 0)
        expect(Math.abs(stats.stages[i]!.averageSeconds! - seconds / ended.length)).toBeLessThanOrEqual(
          0.001,
        );
    }
  });

  it('keeps the forecast category with the stage, lets only the owner override it, and closes it with the deal', async () => {
    const deal = await ok('POST', '/objects/deals', { name: 'Forecast', owner: member.userId });
    expect(deal.forecastCategory).toBe('pipeline');
    const byOther = await call(
      'PATCH',
      `/objects/deals/${deal.id}`,
      { forecastCategory: 'commit' },
      rep.cookie,
    );
    expect(byOther.statusCode).toBe(404); // the rep cannot even see it
    const third = await joinByInvitation(t.app, admin.cookie, {
      email: `third.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'member',
      name: 'Third',
    });
    const refused = await call(
      'PATCH',
      `/objects/deals/${deal.id}`,
      { forecastCategory: 'commit' },
      third.cookie,
    );
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json().errors[0].field).toMatch(/forecastCategory$/);
    const mine = await ok(
      'PATCH',
      `/objects/deals/${deal.id}`,
      { forecastCategory: 'commit' },
      member.cookie,
    );
    expect(mine.forecastCategory).toBe('commit');
    // The same value again (a form saving every field) passes for anyone who may edit the deal.
    await ok(
      'PATCH',
      `/objects/deals/${deal.id}`,
      { forecastCategory: 'commit', name: 'Forecast 2' },
      third.cookie,
    );
    // A stage move takes the new stage's category; a won deal is closed.
    expect((await ok('PATCH', `/objects/deals/${deal.id}`, { stage: stage.Proposal })).forecastCategory).toBe(
      'pipeline',
    );
    expect((await ok('PATCH', `/objects/deals/${deal.id}`, { stage: stage.Won })).forecastCategory).toBe(
      'closed',
    );
    const h = await historyOf(deal.id);
    expect(h.data.map((e) => e.changes.forecastCategory?.to).filter(Boolean)).toEqual([
      'closed',
      'pipeline',
      'commit',
      'pipeline',
    ]);
  });

  it('requires, refuses and archives win and loss reasons', async () => {
    // Admins only manage them.
    const byMember = await call(
      'POST',
      '/sales/reasons',
      { kind: 'lost', label: { en: 'Price' } },
      member.cookie,
    );
    expect(byMember.statusCode).toBe(403);
    const price = await ok('POST', '/sales/reasons', {
      kind: 'lost',
      label: { en: 'Price', ar: 'السعر', fa: 'قیمت' },
    });
    const timing = await ok('POST', '/sales/reasons', { kind: 'lost', label: { fa: 'زمان‌بندی' } });
    const fit = await ok('POST', '/sales/reasons', { kind: 'won', label: { en: 'Best fit' } });
    expect((await call('POST', '/sales/reasons', { kind: 'won', label: { en: '  ' } })).statusCode).toBe(400);
    expect((await call('POST', '/sales/reasons', { kind: 'maybe', label: { en: 'x' } })).statusCode).toBe(
      400,
    );
    const listed = (await call('GET', '/sales/reasons', undefined, member.cookie)).json().data as {
      id: string;
    }[];
    expect(listed.map((r) => r.id)).toEqual([fit.id, price.id, timing.id]);

    // Not required yet: a deal may be lost without one.
    const free = await ok('POST', '/objects/deals', { name: 'Lost freely' });
    await ok('PATCH', `/objects/deals/${free.id}`, { stage: stage.Lost });

    expect(
      (await call('PATCH', '/sales/settings', { requireLostReason: true }, member.cookie)).statusCode,
    ).toBe(403);
    expect(await ok('PATCH', '/sales/settings', { requireLostReason: true })).toEqual({
      requireWonReason: false,
      requireLostReason: true,
    });
    const deal = await ok('POST', '/objects/deals', { name: 'Lost deal' });
    const missing = await call('PATCH', `/objects/deals/${deal.id}`, { stage: stage.Lost });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toEqual([
      { field: 'body.closeReason', message: expect.stringContaining('loss reason is required') },
    ]);
    const wrongKind = await call('PATCH', `/objects/deals/${deal.id}`, {
      stage: stage.Lost,
      closeReason: fit.id,
    });
    expect(wrongKind.statusCode).toBe(400);
    expect(wrongKind.json().errors[0].field).toBe('body.closeReason');
    const unknown = await call('PATCH', `/objects/deals/${deal.id}`, {
      stage: stage.Lost,
      closeReason: 'nope',
    });
    expect(unknown.statusCode).toBe(400);
    // Creating a deal straight into a lost stage is held to the same rule.
    expect((await call('POST', '/objects/deals', { name: 'x', stage: stage.Lost })).statusCode).toBe(400);
    // A batch row moving a deal to lost without a reason fails on its own, naming the field.
    const batch = await call('POST', '/objects/deals/batch', {
      upsertBy: 'name',
      records: [{ name: 'Lost deal', stage: stage.Lost }],
    });
    expect(batch.json().data[0].error.errors[0].field).toMatch(/closeReason$/);
    // Won needs nothing yet.
    const won = await ok('POST', '/objects/deals', { name: 'Won deal' });
    await ok('PATCH', `/objects/deals/${won.id}`, { stage: stage.Won });

    const company = await ok('POST', '/objects/companies', { name: 'Rival Co' });
    const lost = await ok('PATCH', `/objects/deals/${deal.id}`, {
      stage: stage.Lost,
      closeReason: price.id,
      competitor: 'Rival Co',
      competitorCompany: company.id,
    });
    expect(lost).toMatchObject({ status: 'lost', closeReason: price.id, forecastCategory: 'omitted' });

    // In use: not deleted (409), archived instead; no longer offered nor accepted anew, kept where it is.
    expect((await call('DELETE', `/sales/reasons/${price.id}`)).statusCode).toBe(409);
    expect((await ok('PATCH', `/sales/reasons/${price.id}`, { archived: true })).archived).toBe(true);
    const offered = (await call('GET', '/sales/reasons')).json().data as { id: string }[];
    expect(offered.map((r) => r.id)).not.toContain(price.id);
    const all = (await call('GET', '/sales/reasons?includeArchived=true')).json().data as { id: string }[];
    expect(all.map((r) => r.id)).toContain(price.id);
    const another = await ok('POST', '/objects/deals', { name: 'Another lost' });
    const archived = await call('PATCH', `/objects/deals/${another.id}`, {
      stage: stage.Lost,
      closeReason: price.id,
    });
    expect(archived.statusCode).toBe(400);
    expect(archived.json().errors[0].message).toContain('archived');
    await ok('PATCH', `/objects/deals/${deal.id}`, { name: 'Lost deal (kept)', closeReason: price.id });
    // Unused: deleted.
    const deleted = await call('DELETE', `/sales/reasons/${timing.id}`);
    expect(deleted.statusCode).toBe(204);
    expect((await call('DELETE', `/sales/reasons/${timing.id}`)).statusCode).toBe(404);
    // Another workspace sees none of them and cannot touch them.
    expect((await call('GET', '/sales/reasons', undefined, other.cookie)).json().data).toEqual([]);
    expect(
      (await call('PATCH', `/sales/reasons/${fit.id}`, { archived: true }, other.cookie)).statusCode,
    ).toBe(404);
    expect((await call('DELETE', `/sales/reasons/${fit.id}`, undefined, other.cookie)).statusCode).toBe(404);
    const foreignDeal = await ok('POST', '/objects/deals', { name: 'Theirs' }, other.cookie);
    const foreignReason = await call(
      'PATCH',
      `/objects/deals/${foreignDeal.id}`,
      { closeReason: fit.id },
      other.cookie,
    );
    expect(foreignReason.statusCode).toBe(400);
  });
});
