import { type DatabaseHandle, openDatabase, openOwnerDatabase } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  countStatements,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { principalForMember } from '../auth/members.service.ts';
import type { ReportDefinition } from './report-definition.ts';
import { runReport } from './run-report.ts';

// The converted deals-by-stage-and-owner report read from the sales module's kept figures (sales-0015-deal-money)
// against the statement that converts every deal, on deals either side of Tehran's midnights, in four currencies
// with a rate a day, through stage moves, amount and currency edits, deletes, restores, rates added, changed and
// removed for past days, a deal's creation moved across midnight, and the workspace's currency changed.

const ZONE = 'Asia/Tehran'; // UTC+3:30 all year since September 2022: local midnight is 20:30 UTC.

describe('reports from kept converted deal totals', () => {
  let t: TestApp;
  let handle: DatabaseHandle;
  let owner: ReturnType<typeof openOwnerDatabase>;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let rep: { userId: string; cookie: string };
  let blind: { userId: string; cookie: string };
  let stageless: { userId: string; cookie: string };
  let kept: { count: number };
  const stages: string[] = [];
  const ids: string[] = [];
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = async (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown) => {
    const res = await call(method, url, body);
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res;
  };

  /** The report as `userId` runs it: from the kept figures when it may, and by the statement. */
  const both = async (userId: string, def: ReportDefinition) => {
    const principal = await principalForMember(handle.db, userId, admin.workspaceId);
    const ctx = { db: handle.db, principal: principal! };
    const before = kept.count;
    const fast = await runReport(ctx, def);
    const usedKept = kept.count > before;
    const general = await runReport(ctx, def, { keptFigures: false });
    return { fast, general, usedKept };
  };
  const byStageAndOwner: ReportDefinition = {
    object: 'deals',
    groupBy: [{ field: 'stage' }, { field: 'owner' }],
    measures: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }],
  } as ReportDefinition;
  const shapes: ReportDefinition[] = [
    byStageAndOwner,
    {
      object: 'deals',
      groupBy: [{ field: 'owner' }],
      measures: [
        { fn: 'sum', field: 'amount' },
        { fn: 'count', field: 'amount' },
      ],
    },
    { object: 'deals', groupBy: [{ field: 'pipeline' }], measures: [{ fn: 'sum', field: 'amount' }] },
    { object: 'deals', groupBy: [], measures: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }] },
  ] as ReportDefinition[];
  /** Every shape answered from the kept figures, and identically to the statement. */
  const agree = async (userId = admin.userId) => {
    for (const def of shapes) {
      const { fast, general, usedKept } = await both(userId, def);
      expect(usedKept, JSON.stringify(def)).toBe(true);
      expect(fast).toEqual(general);
    }
    return (await both(userId, byStageAndOwner)).general;
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    handle = openDatabase(t.url, { poolSize: 2 });
    kept = countStatements(handle.pool, /deal_money_totals/);
    owner = openOwnerDatabase(t.url);
    admin = await signUp(t.app);
    // The figures are kept in the zone most members have when the workspace's first deal is written.
    await sql`update users set time_zone = ${ZONE} where id = ${admin.userId}`.execute(owner);
    const role = async (key: string, deals: Record<string, unknown>) => {
      const res = await call('POST', '/roles', {
        key,
        name: key,
        permissions: {
          actions: [],
          objects: {
            deals: { read: true, create: false, update: false, delete: false, ...deals },
            stages: { read: true, create: false, update: false, delete: false },
            pipelines: { read: true, create: false, update: false, delete: false },
          },
        },
      });
      expect(res.statusCode, res.body).toBe(201);
    };
    await role('own_deals', { ownRecordsOnly: true });
    await role('no_amounts', { hiddenFields: ['amount'] });
    await role('no_stages', { hiddenFields: ['stage'] });
    const tag = admin.workspaceId.slice(0, 8);
    rep = await joinByInvitation(t.app, admin.cookie, {
      email: `rep.${tag}@example.com`,
      role: 'own_deals',
      name: 'Rep',
    });
    blind = await joinByInvitation(t.app, admin.cookie, {
      email: `blind.${tag}@example.com`,
      role: 'no_amounts',
      name: 'Blind',
    });
    stageless = await joinByInvitation(t.app, admin.cookie, {
      email: `stageless.${tag}@example.com`,
      role: 'no_stages',
      name: 'Stageless',
    });
    for (const u of [rep, blind, stageless])
      await sql`update users set time_zone = ${ZONE} where id = ${u.userId}`.execute(owner);

    const pipeline = (await ok('POST', '/objects/pipelines', { name: 'Kept', currency: 'USD' })).json().id;
    for (const [i, name] of ['Qualify', 'Propose', 'Negotiate'].entries())
      stages.push((await ok('POST', '/objects/stages', { name, pipeline, position: i + 1 })).json().id);

    // Rates a day for EUR and GBP around the deals' days, each day's different; IRR has none before 2024-06-02.
    for (let d = 0; d < 6; d++) {
      const date = `2024-06-0${d + 1}`;
      await ok('PUT', '/exchange-rates', { currency: 'EUR', date, rate: `1.0${d}3` });
      await ok('PUT', '/exchange-rates', { currency: 'GBP', date, rate: `1.2${d}71` });
    }
    await ok('PUT', '/exchange-rates', { currency: 'IRR', date: '2024-06-02', rate: '0.0000238' });

    // Deals a second either side of Tehran's midnights (20:30 UTC), in four currencies and three scales.
    const amounts = ['100.00', '2500.5', '75', '19.999', '1200.00', '3.10'];
    const currencies = ['USD', 'EUR', 'GBP', 'IRR'];
    const records = [];
    const created: string[] = [];
    for (let i = 0; i < 36; i++) {
      const day = 1 + (i % 5);
      // Each currency's deals alternate: a second before a Tehran midnight, and at it.
      const side = (i >> 2) % 2 === 0 ? '20:29:59' : '20:30:00';
      created.push(`2024-06-0${day}T${side}Z`);
      const currency = currencies[i % 4]!;
      records.push({
        name: `Kept ${i}`,
        stage: stages[i % 3],
        ...(i % 11 === 10
          ? {}
          : { amount: { amount: currency === 'IRR' ? '4200000' : amounts[i % 6], currency } }),
        owner: i % 3 === 1 ? rep.userId : admin.userId,
      });
    }
    const batch = await ok('POST', '/objects/deals/batch', { records });
    const made = (batch.json() as { results?: { id?: string }[]; records?: { id?: string }[] }) ?? {};
    const rows = made.results ?? made.records ?? [];
    for (const r of rows) if (r.id) ids.push(r.id);
    if (ids.length === 0) {
      const { rows: found } = await sql<{ id: string }>`
        select id from deals where workspace_id = ${admin.workspaceId} and name like 'Kept %'
        order by (substring(name from 6))::int`.execute(owner);
      ids.push(...found.map((r) => r.id));
    }
    expect(ids).toHaveLength(36);
    // Creation instants as an import brings them (an update of created_at, so the figures follow an update too).
    for (const [i, id] of ids.entries())
      await sql`update deals set created_at = ${created[i]}::timestamptz where id = ${id}`.execute(owner);
  }, 120_000);
  afterAll(async () => {
    await owner?.destroy();
    await handle?.close();
    await t?.close();
  });

  it('answers deals by stage and owner from the kept figures, as the statement does, either side of midnight', async () => {
    const result = await agree();
    expect(result.currency).toBe('USD');
    // IRR deals created before 2024-06-02 in Tehran have no rate: their groups have no total and say how many.
    expect(result.rows.some((r) => (r.unconverted ?? 0) > 0)).toBe(true);
    expect(result.rows.reduce((n, r) => n + (r.values[0] as number), 0)).toBe(36);
    // Kept by their Tehran day (a day's slots added up): 20:30 UTC on the 5th is the 6th there (in UTC there would be no 6th).
    const { rows: days } = await sql<{ day: string }>`
      select day::text as day from rabita_derived.deal_money_days
      where workspace_id = ${admin.workspaceId} group by day having sum(amounts) <> 0 order by 1`.execute(
      owner,
    );
    expect(days.map((d) => d.day)).toEqual([
      '2024-06-01',
      '2024-06-02',
      '2024-06-03',
      '2024-06-04',
      '2024-06-05',
      '2024-06-06',
    ]);
    // An earlier IRR rate: the deal of the 1st (Tehran) converts now.
    await ok('PUT', '/exchange-rates', { currency: 'IRR', date: '2024-05-01', rate: '0.0000237' });
    const rated = await agree();
    expect(rated.rows.every((r) => r.unconverted === undefined)).toBe(true);
    expect(rated.rows.every((r) => typeof r.values[1] === 'string')).toBe(true);
  });

  it('stays exact through stage moves, amount and currency edits, deletes and restores', async () => {
    await ok('PATCH', `/objects/deals/${ids[0]}`, { stage: stages[2] });
    await ok('PATCH', `/objects/deals/${ids[4]}`, { amount: { amount: '999.123', currency: 'GBP' } });
    await ok('PATCH', `/objects/deals/${ids[5]}`, {
      amount: { amount: '12.5', currency: 'USD' },
      owner: rep.userId,
    });
    await ok('PATCH', `/objects/deals/${ids[10]}`, { amount: { amount: '7.77', currency: 'EUR' } });
    await ok('DELETE', `/objects/deals/${ids[7]}`);
    await ok('DELETE', `/objects/deals/${ids[8]}`);
    await agree();
    await ok('POST', `/objects/deals/${ids[8]}/restore`);
    // A deal's creation moved across a midnight: another day's rate.
    await sql`update deals set created_at = created_at + interval '1 second' where id = ${ids[2]}`.execute(
      owner,
    );
    const result = await agree();
    expect(result.rows.reduce((n, r) => n + (r.values[0] as number), 0)).toBe(35);
    // A hard delete (as a workspace's purge does) takes the deal away too.
    await sql`delete from deals where id = ${ids[9]}`.execute(owner);
    await agree();
  });

  it('follows rates added, changed and removed for past days, and a change of the workspace currency', async () => {
    const before = await agree();
    await ok('PUT', '/exchange-rates', { currency: 'EUR', date: '2024-06-03', rate: '1.5' });
    const changed = await agree();
    expect(changed).not.toEqual(before);
    await ok('PUT', '/exchange-rates', { currency: 'GBP', date: '2024-06-02', rate: '1.31' });
    await agree();
    const removed = await call('DELETE', '/exchange-rates/EUR/2024-06-03');
    expect(removed.statusCode, removed.body).toBeLessThan(300);
    await agree();
    // Rates imported many at once (one statement over several currencies and days).
    await sql`
      insert into exchange_rates (workspace_id, currency, on_date, rate)
      values (${admin.workspaceId}, 'EUR', '2024-06-04', 1.111), (${admin.workspaceId}, 'GBP', '2024-06-05', 1.222)
      on conflict (workspace_id, currency, on_date) do update set rate = excluded.rate`.execute(owner);
    await agree();
    // The workspace's currency changes: every figure is recomputed in it (USD deals now need rates).
    const patched = await call('PATCH', '/workspace', { defaultCurrency: 'EUR' });
    expect(patched.statusCode, patched.body).toBeLessThan(300);
    const inEuros = await agree();
    expect(inEuros.currency).toBe('EUR');
    expect(inEuros.rows.some((r) => (r.unconverted ?? 0) > 0)).toBe(true);
    await ok('PUT', '/exchange-rates', { currency: 'USD', date: '2024-01-01', rate: '0.92' });
    await agree();
  });

  it('narrows to the reader’s own deals under "own records only", as the statement does', async () => {
    const result = await agree(rep.userId);
    const { rows } = await sql<{ n: string }>`
      select count(*)::text as n from deals
      where workspace_id = ${admin.workspaceId} and owner_id = ${rep.userId} and deleted_at is null`.execute(
      owner,
    );
    expect(result.rows.reduce((n, r) => n + (r.values[0] as number), 0)).toBe(Number(rows[0]!.n));
  });

  it('still refuses a hidden amount or stage, whichever path would answer', async () => {
    for (const [who, def] of [
      [blind, byStageAndOwner],
      [stageless, byStageAndOwner],
      [stageless, { object: 'deals', groupBy: [{ field: 'stage' }], measures: [{ fn: 'count' }] }],
    ] as const) {
      const res = await call('POST', '/reports/run', def, who.cookie);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.body).not.toMatch(/\d+\.\d{3,}/);
    }
    const counted = await call(
      'POST',
      '/reports/run',
      { object: 'deals', groupBy: [{ field: 'owner' }], measures: [{ fn: 'count' }] },
      blind.cookie,
    );
    expect(counted.statusCode, counted.body).toBe(200);
    expect(counted.body).not.toContain('"currency":"');
  });

  it('takes the statement when the kept figures could differ: another zone, a filter, a limit, a bucket, an average', async () => {
    const others: ReportDefinition[] = [
      { ...byStageAndOwner, timeZone: 'Asia/Riyadh' },
      { ...byStageAndOwner, filter: { field: 'name', op: 'contains', value: 'Kept 1' } },
      { ...byStageAndOwner, limit: 2 },
      { ...byStageAndOwner, money: 'perCurrency' },
      { object: 'deals', groupBy: [{ field: 'status' }], measures: [{ fn: 'sum', field: 'amount' }] },
      {
        object: 'deals',
        groupBy: [{ field: 'createdAt', bucket: 'month' }],
        measures: [{ fn: 'sum', field: 'amount' }],
      },
      { object: 'deals', groupBy: [{ field: 'stage' }], measures: [{ fn: 'avg', field: 'amount' }] },
    ] as ReportDefinition[];
    for (const def of others) {
      const { fast, general, usedKept } = await both(admin.userId, def);
      expect(usedKept, JSON.stringify(def)).toBe(false);
      expect(fast).toEqual(general);
    }
    // A reader in another zone than the kept figures' falls back too, and still gets the statement's answer.
    await sql`update users set time_zone = 'Europe/London' where id = ${admin.userId}`.execute(owner);
    const elsewhere = await both(admin.userId, byStageAndOwner);
    expect(elsewhere.usedKept).toBe(false);
    expect(elsewhere.fast).toEqual(elsewhere.general);
    await sql`update users set time_zone = ${ZONE} where id = ${admin.userId}`.execute(owner);
    expect((await both(admin.userId, byStageAndOwner)).usedKept).toBe(true);
  });
  it('converts a deal written while a rate changes at the rate that commits, whichever comes first', async () => {
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // A rate change not yet committed: a new deal's write waits for it, then converts at the new rate.
    let written: Promise<unknown> | undefined;
    await owner.transaction().execute(async (trx) => {
      await sql`
        update exchange_rates set rate = 1.4444 where workspace_id = ${admin.workspaceId} and currency = 'GBP'
          and on_date = (select max(on_date) from exchange_rates where workspace_id = ${admin.workspaceId}
                         and currency = 'GBP')`.execute(trx);
      written = ok('POST', '/objects/deals', {
        name: 'Written meanwhile',
        stage: stages[1],
        amount: { amount: '321.09', currency: 'GBP' },
      });
      await pause(400);
    });
    await written;
    await agree();
    // A deal's edit not yet committed: the rate change waits for it, then recomputes with it.
    let rated: Promise<unknown> | undefined;
    await owner.transaction().execute(async (trx) => {
      await sql`
        update deals set amount = '{"amount": "55.55", "currency": "GBP"}'::jsonb
        where id = ${ids[1]}`.execute(trx);
      rated = ok('PUT', '/exchange-rates', { currency: 'GBP', date: '2024-06-02', rate: '1.7' });
      await pause(400);
    });
    await rated;
    await agree();
  });
});
