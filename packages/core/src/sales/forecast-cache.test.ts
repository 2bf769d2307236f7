import { openDatabase } from '@rabita/db';
import { buildApp } from '@rabita/server';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  countStatements,
  createTestApp,
  joinByInvitation,
  listenOn,
  signUp,
  type TestApp,
  within,
} from '../../../../test/harness.ts';
import { SALES_CHANNEL } from './forecast-cache.ts';

const ALL = { read: true, create: true, update: true, delete: true };
const PERIOD = '2026-Q4';

interface Row {
  id: string;
  closedWon: number;
  commit: number;
  quota: number | null;
}

describe('forecasts kept in memory', () => {
  let t: TestApp;
  let second: FastifyInstance;
  let secondHandle: ReturnType<typeof openDatabase>;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let rep: { userId: string; cookie: string };
  let computed: { count: number };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const callSecond = apiCaller(
    () => second,
    () => admin.cookie,
  );
  /** The forecast as the second instance answers it. */
  const forecastThere = async (cookie = admin.cookie) => {
    const r = await callSecond('GET', `/sales/forecast?period=${PERIOD}`, undefined, cookie);
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { rows: Row[] };
  };
  const row = (f: { rows: Row[] }, id: string) => f.rows.find((r) => r.id === id);
  const won = async (app: typeof call, amount: string, ownerId = admin.userId) => {
    const stages = (await app('POST', '/objects/stages/query', { sort: 'position' })).json().data as {
      id: string;
      name: string;
    }[];
    const r = await app('POST', '/objects/deals', {
      name: `Won ${amount}`,
      owner: ownerId,
      stage: stages.find((s) => s.name === 'Won')!.id,
      amount: { amount, currency: 'USD' },
      expectedCloseDate: '2026-11-02',
    });
    expect(r.statusCode, r.body).toBe(201);
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    const role = await call('POST', '/roles', {
      key: 'rep',
      name: 'rep',
      permissions: { actions: [], objects: { '*': ALL, deals: { ...ALL, ownRecordsOnly: true } } },
    });
    expect(role.statusCode, role.body).toBe(201);
    rep = await joinByInvitation(t.app, admin.cookie, {
      email: `rep.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'rep',
      name: 'Omid',
    });
    await won(call, '100');
    await won(call, '7', rep.userId);
    // A second app instance on the same database, as behind a load balancer.
    secondHandle = openDatabase(t.url, { poolSize: 3 });
    computed = countStatements(secondHandle.pool, /width_bucket\(d\.expected_close_date/);
    second = await buildApp(t.config, { db: secondHandle.db, pool: secondHandle.pool });
    await second.ready();
    // The second instance keeps forecasts only once it listens for changes.
    await within(5_000, async () => {
      const before = computed.count;
      await forecastThere();
      await forecastThere();
      return computed.count - before <= 1;
    });
  });
  afterAll(async () => {
    await second?.close();
    await secondHandle?.close();
    await t?.close();
  });

  it('answers a repeated forecast without computing it again, and eight at once with one computation', async () => {
    const before = computed.count;
    const first = await forecastThere();
    for (let i = 0; i < 5; i++) expect(await forecastThere()).toEqual(first);
    expect(computed.count - before).toBe(0);
    await won(callSecond, '1');
    const after = computed.count;
    const eight = await Promise.all(Array.from({ length: 8 }, () => forecastThere()));
    expect(computed.count - after).toBe(1);
    for (const f of eight)
      expect(row(f, admin.userId)?.closedWon).toBe(row(first, admin.userId)!.closedWon + 1);
  });

  it('shows a deal written through the same instance at once', async () => {
    const before = row(await forecastThere(), admin.userId)!.closedWon;
    await won(callSecond, '20');
    expect(row(await forecastThere(), admin.userId)!.closedWon).toBe(before + 20);
  });

  it('shows a deal, a quota and a rate written through another instance as soon as the database announces it', async () => {
    const before = row(await forecastThere(), admin.userId)!;
    await won(call, '300');
    await within(
      2_000,
      async () => row(await forecastThere(), admin.userId)!.closedWon === before.closedWon + 300,
    );

    expect(
      (
        await call('PUT', '/sales/forecast/quotas', {
          period: PERIOD,
          subjectKind: 'user',
          subjectId: admin.userId,
          amount: 5000,
        })
      ).statusCode,
    ).toBeLessThan(300);
    await within(2_000, async () => row(await forecastThere(), admin.userId)!.quota === 5000);

    // The workspace's currency is USD: a EUR deal counts only once it has a rate.
    const stages = (await call('POST', '/objects/stages/query', { sort: 'position' })).json().data as {
      id: string;
      name: string;
    }[];
    const euro = await call('POST', '/objects/deals', {
      name: 'Euro win',
      stage: stages.find((s) => s.name === 'Won')!.id,
      amount: { amount: '10', currency: 'EUR' },
      expectedCloseDate: '2026-11-03',
    });
    expect(euro.statusCode, euro.body).toBe(201);
    const withEuro = row(await forecastThere(), admin.userId)!.closedWon;
    expect(
      (await call('PUT', '/exchange-rates', { currency: 'EUR', date: '2026-11-01', rate: '2' })).statusCode,
    ).toBe(200);
    await within(2_000, async () => row(await forecastThere(), admin.userId)!.closedWon === withEuro + 20);
  });

  it('announces a changed quota, rate and setting on the database with the workspace, for other processes (a cluster too)', async () => {
    // Another process hears only the database: on one PostgreSQL the sales tables' triggers announce, on a Citus
    // cluster the service does (the triggers would notify from a worker).
    const other = await listenOn(t.url, SALES_CHANNEL);
    try {
      const heardAfter = async (change: () => Promise<number>) =>
        expect(await other.after(change)).toContain(admin.workspaceId);
      await heardAfter(
        async () =>
          (
            await call('PUT', '/sales/forecast/quotas', {
              period: PERIOD,
              subjectKind: 'user',
              subjectId: rep.userId,
              amount: 1200,
            })
          ).statusCode,
      );
      await heardAfter(
        async () =>
          (await call('PUT', '/exchange-rates', { currency: 'AED', date: '2026-11-01', rate: '0.27' }))
            .statusCode,
      );
      await heardAfter(async () => (await call('DELETE', '/exchange-rates/AED/2026-11-01')).statusCode);
    } finally {
      await other.close();
    }
  });

  it('never answers one reader with what was kept for another', async () => {
    const all = await forecastThere();
    expect(row(all, rep.userId)?.closedWon).toBe(7);
    const own = await forecastThere(rep.cookie);
    expect(own.rows.map((r) => r.id)).toEqual([rep.userId, 'total']);
    expect(row(own, 'total')?.closedWon).toBe(7);
    // And the admin's answer is still the whole workspace's.
    expect((await forecastThere()).rows.length).toBe(all.rows.length);
  });
});
