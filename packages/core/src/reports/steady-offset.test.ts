import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { steadyOffsetOf } from './steady-offset.ts';

// A date-time's civil day in a zone whose offset is steady is computed with `date_bin` from a local midnight; outside
// that span, and in zones whose offset changes, with `at time zone` as before. Both must give the day ICU gives.

const NOW = Date.parse('2026-12-05T12:00:00Z');
const MINUTE = 60_000;

/** The civil date of an instant in a zone, as ICU says. */
function civilDate(instant: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(instant));
}

/** The instant of a local wall time in a zone (found by correcting a UTC guess with ICU's offset, twice). */
function instantOf(local: string, timeZone: string): number {
  const wall = Date.parse(`${local}Z`);
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const shown = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    }).format(new Date(guess));
    const [d, hm] = shown.split(', ');
    guess += wall - Date.parse(`${d}T${hm}:00Z`);
  }
  return guess;
}

describe('civil days by a steady offset', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const span = (zone: string) =>
    withWorkspace(t.handle.db, admin.workspaceId, (trx) => steadyOffsetOf(trx, zone, NOW));

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
  }, 60_000);
  afterAll(() => t?.close());

  it('finds the span around now in which a zone keeps its offset, starting at a local midnight', async () => {
    const riyadh = (await span('Asia/Riyadh'))!;
    expect(Date.parse(riyadh.from)).toBeLessThan(Date.parse('1990-01-01T00:00:00Z'));
    expect(Date.parse(riyadh.to)).toBeGreaterThan(Date.parse('2040-01-01T00:00:00Z'));
    expect(riyadh.from.endsWith('T21:00:00.000Z')).toBe(true);
    // Iran kept daylight saving time until 21 September 2022.
    const tehran = (await span('Asia/Tehran'))!;
    expect(tehran.from >= '2022-09-21T20:30:00.000Z' && tehran.from <= '2022-09-25T20:30:00.000Z').toBe(true);
    expect(tehran.from.endsWith('T20:30:00.000Z')).toBe(true);
    // London: only this winter (British Summer Time ended on 25 October 2026 and starts on 28 March 2027).
    const london = (await span('Europe/London'))!;
    expect(london.from > '2026-10-25' && london.from < '2026-10-29').toBe(true);
    expect(london.to > '2027-03-26' && london.to < '2027-03-28T01:00').toBe(true);
    expect(await span('UTC')).toBeDefined();
  });

  it('answers nothing for a zone PostgreSQL does not know, and leaves the transaction usable', async () => {
    const after = await withWorkspace(t.handle.db, admin.workspaceId, async (trx) => {
      expect(await steadyOffsetOf(trx, 'Mars/Olympus', NOW)).toBeUndefined();
      return (await sql<{ one: number }>`select 1 as one`.execute(trx)).rows[0]?.one;
    });
    expect(after).toBe(1);
  });

  it('converts money at the rate of the day a record was created on in the report’s zone', async () => {
    const pipeline = await call('POST', '/objects/pipelines', { name: 'Steady', currency: 'USD' });
    expect(pipeline.statusCode, pipeline.body).toBe(201);
    const stage = await call('POST', '/objects/stages', {
      name: 'Open',
      pipeline: pipeline.json().id,
      position: 1,
    });
    expect(stage.statusCode, stage.body).toBe(201);
    const deal = await call('POST', '/objects/deals', {
      name: 'Created today',
      stage: stage.json().id,
      amount: { amount: '100.00', currency: 'EUR' },
    });
    expect(deal.statusCode, deal.body).toBe(201);
    const createdAt = deal.json().createdAt as string;
    // A different EUR rate on each of the three days the creation may fall on, by zone (UTC−12 to UTC+14).
    const utcDay = Date.parse(`${createdAt.slice(0, 10)}T00:00:00Z`);
    const rates = new Map<string, string>();
    [-1, 0, 1].forEach((n, i) => {
      rates.set(new Date(utcDay + n * 86_400_000).toISOString().slice(0, 10), ['1.5', '2', '2.5'][i]!);
    });
    for (const [date, rate] of rates) {
      const put = await call('PUT', '/exchange-rates', { currency: 'EUR', date, rate });
      expect(put.statusCode, put.body).toBe(200);
    }
    for (const zone of ['Asia/Tehran', 'Pacific/Kiritimati', 'Etc/GMT+12', 'UTC', 'Europe/London']) {
      const r = await call('POST', '/reports/run', {
        object: 'deals',
        filter: { field: 'name', op: 'eq', value: 'Created today' },
        groupBy: [],
        measures: [{ fn: 'sum', field: 'amount' }],
        timeZone: zone,
      });
      expect(r.statusCode, r.body).toBe(200);
      const rate = rates.get(civilDate(createdAt, zone))!;
      expect(Number(r.json().rows[0].values[0]), zone).toBeCloseTo(100 * Number(rate), 6);
    }
  });

  it('puts each task on the day ICU gives, inside the span and outside it, around midnights and changes', async () => {
    // Local wall times a minute either side of midnight on days inside and outside each zone's steady span (Tehran
    // with daylight saving time in 2019 and around its end in 2022; London around both of its changes).
    const cases: Record<string, string[]> = {
      'Asia/Tehran': ['2019-06-10', '2019-03-22', '2022-09-20', '2022-09-23', '2025-03-21', '2026-12-01'],
      'Europe/London': ['2026-03-29', '2026-10-25', '2026-10-26', '2026-12-01'],
      'Asia/Riyadh': ['1999-12-31', '2026-12-01'],
      'America/New_York': ['2026-11-01', '2026-11-02'],
    };
    for (const [zone, days] of Object.entries(cases)) {
      const instants = days.flatMap((day) => [
        new Date(instantOf(`${day}T00:00:00`, zone) - MINUTE).toISOString(),
        new Date(instantOf(`${day}T00:00:00`, zone) + MINUTE).toISOString(),
        new Date(instantOf(`${day}T12:00:00`, zone)).toISOString(),
      ]);
      const made = await call('POST', '/objects/tasks/batch', {
        records: instants.map((dueAt, i) => ({ title: `${zone} ${i}`, dueAt })),
      });
      expect(made.statusCode, made.body).toBeLessThan(300);
      for (const day of days) {
        const from = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
        const to = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
        const r = await call('POST', '/reports/run', {
          object: 'tasks',
          filter: { field: 'title', op: 'startsWith', value: `${zone} ` },
          groupBy: [{ field: 'dueAt', bucket: 'day' }],
          measures: [{ fn: 'count' }],
          calendar: 'gregory',
          timeZone: zone,
          range: { from, to },
        });
        expect(r.statusCode, r.body).toBe(200);
        const got: Record<string, number> = {};
        for (const row of r.json().rows as { keys: string[]; values: number[] }[])
          if (row.values[0]) got[row.keys[0]!] = row.values[0];
        const want: Record<string, number> = {};
        for (const at of instants) {
          const date = civilDate(at, zone);
          if (date >= from && date <= to) want[date] = (want[date] ?? 0) + 1;
        }
        expect(got, `${zone} around ${day}`).toEqual(want);
      }
    }
  });
});
