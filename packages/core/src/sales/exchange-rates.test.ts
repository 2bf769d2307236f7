import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { addDecimals } from './exchange-rates.service.ts';

interface Totals {
  currency: string;
  groups: {
    key: string | null;
    deals: number;
    total: string | null;
    byCurrency: { currency: string; deals: number; amount: string; converted: string | null }[];
    missingRates: { currency: string; onOrBefore: string }[];
  }[];
}

describe('exchange rates and money totals over deals', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let member: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  /** A fresh pipeline with one stage, so each test's column holds only its own deals. */
  const column = async () => {
    const pipeline = await call('POST', '/objects/pipelines', {
      name: `P ${Math.random()}`,
      currency: 'USD',
    });
    expect(pipeline.statusCode, pipeline.body).toBe(201);
    const stage = await call('POST', '/objects/stages', {
      name: 'Open',
      pipeline: pipeline.json().id,
      position: 1,
    });
    expect(stage.statusCode, stage.body).toBe(201);
    return { pipelineId: pipeline.json().id as string, stageId: stage.json().id as string };
  };
  const deal = async (stage: string, amount: string, currency: string, expectedCloseDate?: string) => {
    const res = await call('POST', '/objects/deals', {
      name: `${amount} ${currency}`,
      stage,
      amount: { amount, currency },
      ...(expectedCloseDate ? { expectedCloseDate } : {}),
    });
    expect(res.statusCode, res.body).toBe(201);
  };
  const totals = async (pipelineId: string, as?: string) => {
    const res = await call('GET', `/sales/deal-totals?groupBy=stage&pipelineId=${pipelineId}`, undefined, as);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Totals;
  };
  const rate = (body: Record<string, unknown>, as?: string) => call('PUT', '/exchange-rates', body, as);

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    member = await joinByInvitation(t.app, admin.cookie, {
      email: `rep.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'member',
      name: 'Rep',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('totals a 100 USD and a 100 SAR deal in one column at the rate of the deal’s day', async () => {
    const { pipelineId, stageId } = await column();
    expect((await call('GET', '/exchange-rates')).json().currency).toBe('USD');
    expect((await rate({ currency: 'SAR', date: '2026-11-01', rate: '0.2666' })).statusCode).toBe(200);
    expect((await rate({ currency: 'SAR', date: '2026-12-01', rate: '0.27' })).statusCode).toBe(200);
    // A later day's rate is never used for an earlier deal.
    expect((await rate({ currency: 'SAR', date: '2026-12-20', rate: '9' })).statusCode).toBe(200);
    await deal(stageId, '100', 'USD', '2026-11-15');
    await deal(stageId, '100', 'SAR', '2026-11-15');
    await deal(stageId, '100.10', 'SAR', '2026-12-05');
    const [group] = (await totals(pipelineId)).groups;
    expect(group).toMatchObject({ key: stageId, deals: 3, missingRates: [] });
    // 100 + 100 × 0.2666 + 100.10 × 0.27 = 100 + 26.66 + 27.027, exactly.
    expect(group!.total).toBe('153.687');
    expect(group!.byCurrency).toEqual([
      { currency: 'SAR', deals: 2, amount: '200.1', converted: '53.687' },
      { currency: 'USD', deals: 1, amount: '100', converted: '100' },
    ]);
  });

  it('names the missing rate and gives no total rather than a partial one', async () => {
    const { pipelineId, stageId } = await column();
    await deal(stageId, '100', 'USD', '2026-11-15');
    await deal(stageId, '5000', 'AED', '2026-10-02');
    await deal(stageId, '7000', 'AED', '2026-11-02');
    // SAR has a rate only after this deal's day.
    await deal(stageId, '100', 'SAR', '2026-10-01');
    const [group] = (await totals(pipelineId)).groups;
    expect(group!.total).toBeNull();
    expect(group!.missingRates).toEqual([
      { currency: 'AED', onOrBefore: '2026-10-02' },
      { currency: 'SAR', onOrBefore: '2026-10-01' },
    ]);
    expect(group!.byCurrency.find((c) => c.currency === 'AED')).toMatchObject({
      amount: '12000',
      converted: null,
    });
    expect(group!.byCurrency.find((c) => c.currency === 'USD')).toMatchObject({
      amount: '100',
      converted: '100',
    });
    // Once the rates exist the total appears.
    expect((await rate({ currency: 'AED', date: '2026-10-01', rate: '0.2723' })).statusCode).toBe(200);
    expect((await rate({ currency: 'SAR', date: '2026-09-30', rate: '0.2666' })).statusCode).toBe(200);
    const [after] = (await totals(pipelineId)).groups;
    expect(after!.missingRates).toEqual([]);
    expect(after!.total).toBe('3394.26'); // 100 + 12000 × 0.2723 + 100 × 0.2666
  });

  it('imports rates from CSV and refuses a file with bad rows, naming their lines', async () => {
    const bad = await call('POST', '/exchange-rates/import', {
      csv: 'date,currency,rate\n2026-01-01,EGP,0.0203\n2026-02-30,EGP,0.02\nnot a date,eur,abc\n2026-01-03,EGP,-1\n',
    });
    expect(bad.statusCode).toBe(400);
    const fields = (bad.json().errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(['body.csv.3.date', 'body.csv.4.date', 'body.csv.4.rate', 'body.csv.5.rate']);
    // Nothing of the bad file was kept.
    expect((await call('GET', '/exchange-rates?currency=EGP')).json().data).toEqual([]);
    const good = await call('POST', '/exchange-rates/import', {
      csv: '\ufeffCurrency,Date,Rate\r\nEGP,2026-01-01,0.0203\r\n\r\negp,2026-01-02,"0.020400000001"\r\n',
    });
    expect(good.statusCode, good.body).toBe(200);
    expect(good.json()).toEqual({ imported: 2 });
    expect((await call('GET', '/exchange-rates?currency=EGP')).json().data).toEqual([
      { currency: 'EGP', date: '2026-01-02', rate: '0.020400000001' },
      { currency: 'EGP', date: '2026-01-01', rate: '0.0203' },
    ]);
    expect(
      (await call('POST', '/exchange-rates/import', { csv: 'day,code,value\n1,2,3\n' })).statusCode,
    ).toBe(400);
    expect((await call('DELETE', '/exchange-rates/EGP/2026-01-01')).statusCode).toBe(204);
    expect((await call('DELETE', '/exchange-rates/EGP/2026-01-01')).statusCode).toBe(404);
  });

  it('refuses hostile input with a clear 400', async () => {
    for (const body of [
      { currency: 'SAR', date: '2026-01-01', rate: '0' },
      { currency: 'SAR', date: '2026-01-01', rate: '-3' },
      { currency: 'SAR', date: '2026-01-01', rate: '1e400' },
      { currency: 'SAR', date: '2026-01-01', rate: '99999999999999999999999999.5' },
      { currency: 'SA\u0000', date: '2026-01-01', rate: '1' },
      { currency: 'USD', date: '2026-01-01', rate: '1' },
      { currency: 'SAR', date: '2026-13-01', rate: '1' },
    ]) {
      const res = await rate(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect(
      (await call('POST', '/exchange-rates/import', { csv: 'date,currency,rate\n\u0000' })).statusCode,
    ).toBe(400);
  });

  it('lets only admins manage rates, and keeps each workspace’s rates and deals to itself', async () => {
    expect((await rate({ currency: 'SAR', date: '2026-01-01', rate: '0.3' }, member.cookie)).statusCode).toBe(
      403,
    );
    expect(
      (
        await call(
          'POST',
          '/exchange-rates/import',
          { csv: 'date,currency,rate\n2026-01-01,SAR,1\n' },
          member.cookie,
        )
      ).statusCode,
    ).toBe(403);
    // A member reads rates and totals.
    const read = await call('GET', '/exchange-rates', undefined, member.cookie);
    expect(read.statusCode, read.body).toBe(200);
    const { pipelineId } = await column();
    expect((await totals(pipelineId, member.cookie)).currency).toBe('USD');
    // Another workspace sees none of this one's rates, nor its deals through a pipeline id it guessed.
    const theirs = await call('GET', '/exchange-rates', undefined, other.cookie);
    expect(theirs.json().data).toEqual([]);
    expect((await totals(pipelineId, other.cookie)).groups).toEqual([]);
    expect((await call('GET', '/sales/deal-totals', undefined, '')).statusCode).toBe(401);
  });

  it('totals only what the caller may see: own records only, and never a hidden amount', async () => {
    const { pipelineId, stageId } = await column();
    await deal(stageId, '1000', 'USD');
    const own = await call('POST', '/roles', {
      key: 'own_deals',
      name: 'Own deals',
      permissions: {
        actions: [],
        objects: {
          deals: { read: true, create: true, update: true, delete: false, ownRecordsOnly: true },
          stages: { read: true, create: false, update: false, delete: false },
          pipelines: { read: true, create: false, update: false, delete: false },
        },
      },
    });
    expect(own.statusCode, own.body).toBe(201);
    const rep = await joinByInvitation(t.app, admin.cookie, {
      email: `own.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'own_deals',
      name: 'Own',
    });
    const mine = await call(
      'POST',
      '/objects/deals',
      { name: 'Mine', stage: stageId, amount: { amount: '50', currency: 'USD' } },
      rep.cookie,
    );
    expect(mine.statusCode, mine.body).toBe(201);
    expect((await totals(pipelineId, rep.cookie)).groups).toMatchObject([{ deals: 1, total: '50' }]);
    expect((await totals(pipelineId)).groups).toMatchObject([{ deals: 2, total: '1050' }]);
    const hiding = await call('POST', '/roles', {
      key: 'no_amounts',
      name: 'No amounts',
      permissions: {
        actions: [],
        objects: {
          deals: { read: true, create: false, update: false, delete: false, hiddenFields: ['amount'] },
        },
      },
    });
    expect(hiding.statusCode, hiding.body).toBe(201);
    const blind = await joinByInvitation(t.app, admin.cookie, {
      email: `blind.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'no_amounts',
      name: 'Blind',
    });
    expect(
      (await call('GET', `/sales/deal-totals?pipelineId=${pipelineId}`, undefined, blind.cookie)).statusCode,
    ).toBe(403);
  });

  it('adds decimals exactly', () => {
    expect(addDecimals(['0.1', '0.2'])).toBe('0.3');
    expect(addDecimals(['99999999999999999999.99', '0.01'])).toBe('100000000000000000000');
    expect(addDecimals(['-1.5', '1'])).toBe('-0.5');
  });
});
