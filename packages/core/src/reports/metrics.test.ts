import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

interface Metric {
  key: string;
  module: string;
  names: { en: string; ar?: string; fa?: string };
  formula: { en: string };
  definition: Record<string, unknown>;
}
interface Result {
  rows: { keys: (string | null)[]; values: (number | string | null)[] }[];
}

describe('the metrics catalogue and the share measure', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let seller: { userId: string; cookie: string };
  let blind: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const metrics = async (as?: string) => {
    const res = await call('GET', '/reports/metrics', undefined, as);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { data: Metric[] }).data;
  };
  const run = async (body: unknown, as?: string) => {
    const res = await call('POST', '/reports/run', body, as);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Result;
  };
  const role = async (key: string, objects: Record<string, unknown>) => {
    const res = await call('POST', '/roles', { key, name: key, permissions: { actions: [], objects } });
    expect(res.statusCode, res.body).toBe(201);
  };
  const read = { read: true, create: false, update: false, delete: false };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    await role('deals_only', { deals: read, stages: read, pipelines: read });
    seller = await joinByInvitation(t.app, admin.cookie, {
      email: `seller.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'deals_only',
      name: 'Seller',
    });
    await role('no_status', { deals: { ...read, hiddenFields: ['status'] }, tickets: read });
    blind = await joinByInvitation(t.app, admin.cookie, {
      email: `blind.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'no_status',
      name: 'Blind',
    });
    const pipeline = await call('POST', '/objects/pipelines', { name: 'فروش', currency: 'USD' });
    const stage = await call('POST', '/objects/stages', {
      name: 'مذاکره',
      pipeline: pipeline.json().id,
      position: 1,
    });
    expect(stage.statusCode, stage.body).toBe(201);
    // Azar 1405 (2026-11-22 .. 2026-12-21): three won and one lost; Dey: one won, one lost; and two still open.
    const deal = (status: string, date: string, amount: string) => ({
      name: `${status} ${date}`,
      stage: stage.json().id,
      status,
      expectedCloseDate: date,
      amount: { amount, currency: 'USD' },
    });
    const batch = await call('POST', '/objects/deals/batch', {
      records: [
        deal('won', '2026-11-25', '100.00'),
        deal('won', '2026-12-01', '200.00'),
        deal('won', '2026-12-20', '300.00'),
        deal('lost', '2026-12-02', '50.00'),
        deal('won', '2026-12-25', '400.00'),
        deal('lost', '2027-01-10', '60.00'),
        deal('open', '2026-12-03', '70.00'),
        deal('open', '2027-01-03', '80.00'),
      ],
    });
    expect(batch.statusCode, batch.body).toBeLessThan(300);
    expect(JSON.stringify(batch.json())).not.toContain('"error');
    // Tickets in a few statuses, so the service metrics run over rows.
    for (const status of ['open', 'resolved', 'closed', 'new']) {
      const res = await call('POST', '/objects/tickets', { subject: `تیکت ${status}`, status, owner: null });
      expect(res.statusCode, res.body).toBe(201);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists what the modules define, each with its formula in three languages, only over objects the caller reads', async () => {
    const all = await metrics();
    const keys = all.map((m) => m.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'sales.pipelineByStage',
        'sales.winRate',
        'sales.averageDealSize',
        'service.slaCompliance',
        'service.firstContactResolution',
        'service.backlog',
        'service.reopenRate',
      ]),
    );
    for (const m of all) {
      expect(m.names.fa, m.key).toBeTruthy();
      expect(m.names.ar, m.key).toBeTruthy();
      expect(m.formula.en.length, m.key).toBeGreaterThan(20);
    }
    // A role reading deals but not tickets sees the sales metrics only.
    const theirs = (await metrics(seller.cookie)).map((m) => m.key);
    expect(theirs).toContain('sales.winRate');
    expect(theirs.filter((k) => k.startsWith('service.'))).toEqual([]);
    expect((await call('GET', '/reports/metrics', undefined, '')).statusCode).toBe(401);
  });

  it('runs every metric as it is defined, and the win rate is won ÷ closed per close month in the viewer’s calendar', async () => {
    for (const m of await metrics())
      await run({ ...m.definition, calendar: 'persian', timeZone: 'Asia/Tehran' });
    const winRate = (await metrics()).find((m) => m.key === 'sales.winRate')!;
    const result = await run({ ...winRate.definition, calendar: 'persian', timeZone: 'Asia/Tehran' });
    const byMonth = Object.fromEntries(result.rows.map((r) => [r.keys[0], r.values.map(Number)]));
    // Azar 1405 starts on 2026-11-22: 3 won of 4 closed; Dey 1405 (from 2026-12-22): 1 of 2.
    expect(byMonth['2026-11-22']).toEqual([0.75, 4]);
    expect(byMonth['2026-12-22']).toEqual([0.5, 2]);
    // Copied into the caller's own reports, it runs the same.
    const saved = await call('POST', '/reports', { name: 'نرخ موفقیت من', definition: winRate.definition });
    expect(saved.statusCode, saved.body).toBe(201);
    const again = await call('POST', `/reports/${saved.json().id}/run`, {});
    expect(again.statusCode, again.body).toBe(200);
  });

  it('refuses a share without where, with a field, where on another measure, and a where over a hidden field', async () => {
    const refused = async (measures: unknown, as?: string) => {
      const res = await call('POST', '/reports/run', { object: 'deals', measures }, as);
      expect(res.statusCode, res.body).toBe(400);
      return (res.json() as { errors: { field: string }[] }).errors.map((e) => e.field);
    };
    expect(await refused([{ fn: 'share' }])).toContain('body.measures.0.where');
    expect(
      await refused([{ fn: 'share', field: 'amount', where: { field: 'status', op: 'eq', value: 'won' } }]),
    ).toContain('body.measures.0.field');
    expect(await refused([{ fn: 'count', where: { field: 'status', op: 'eq', value: 'won' } }])).toContain(
      'body.measures.0.where',
    );
    const hidden = await refused(
      [{ fn: 'count' }, { fn: 'share', where: { field: 'status', op: 'eq', value: 'won' } }],
      blind.cookie,
    );
    expect(hidden.some((f) => f.startsWith('body.measures.1.where'))).toBe(true);
    expect(
      await refused([{ fn: 'share', where: { field: 'status', op: 'eq', value: 'a\u0000b' } }]),
    ).not.toEqual([]);
    expect(await refused([{ fn: 'share', where: { field: 'nope', op: 'eq', value: 1 } }])).toContain(
      'body.measures.0.where.field',
    );
  });
});
