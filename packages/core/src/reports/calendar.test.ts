import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../../test/harness.ts';

const DAY = 86_400_000;

/** What ICU says a civil date is in a calendar (the source the migration was generated from). */
function icu(calendar: string, date: string) {
  const parts = new Intl.DateTimeFormat(`en-u-ca-${calendar}-nu-latn`, {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
  }).formatToParts(new Date(`${date}T00:00:00Z`));
  const of = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: of('year'), month: of('month'), day: of('day') };
}

describe('calendar_days (migration reports-0001-calendar)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: pg.Client;
  const day = async (date: string) => {
    const { rows } = await client.query(
      `select *, to_char(fa_month_start, 'YYYY-MM-DD') as fa_ms, to_char(hj_month_start, 'YYYY-MM-DD') as hj_ms,
              to_char(week_sat, 'YYYY-MM-DD') as sat, to_char(week_iso, 'YYYY-MM-DD') as mon
       from calendar_days where day = $1::date`,
      [date],
    );
    return rows[0] as Record<string, number | string>;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    // Read as the application role, as reports do.
    await client.query('set role rabita_app');
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('holds one row per civil date from 1900-01-01 to 2100-12-31', async () => {
    const { rows } = await client.query(
      `select count(*)::int as n, to_char(min(day), 'YYYY-MM-DD') as lo, to_char(max(day), 'YYYY-MM-DD') as hi,
              count(distinct day)::int as distinct_days from calendar_days`,
    );
    const expected = (Date.UTC(2100, 11, 31) - Date.UTC(1900, 0, 1)) / DAY + 1;
    expect(rows[0]).toEqual({ n: expected, lo: '1900-01-01', hi: '2100-12-31', distinct_days: expected });
  });

  it('puts 2025-03-20 on the last day of Esfand 1403 as ICU says, and 2025-03-21 on 1 Farvardin 1404', async () => {
    const last = await day('2025-03-20');
    const said = icu('persian', '2025-03-20');
    expect([29, 30]).toContain(said.day);
    expect({ y: last.fa_year, m: last.fa_month, d: last.fa_day }).toEqual({ y: 1403, m: 12, d: said.day });
    const first = await day('2025-03-21');
    expect({ y: first.fa_year, m: first.fa_month, d: first.fa_day, q: first.fa_quarter }).toEqual({
      y: 1404,
      m: 1,
      d: 1,
      q: 1,
    });
    expect(first.fa_ms).toBe('2025-03-21');
    // The day before a new year's first day is its own year's last.
    expect(last.fa_ms).toBe(
      new Date(Date.parse('2025-03-21T00:00:00Z') - said.day * DAY).toISOString().slice(0, 10),
    );
  });

  it('puts 1 Ramadan 1445 on 2024-03-11 (Umm al-Qura)', async () => {
    const ramadan = await day('2024-03-11');
    expect({ y: ramadan.hj_year, m: ramadan.hj_month, d: ramadan.hj_day }).toEqual({ y: 1445, m: 9, d: 1 });
    expect(ramadan.hj_ms).toBe('2024-03-11');
  });

  it('starts weeks on Monday (ISO) and on Saturday', async () => {
    // 2026-12-04 is a Friday.
    const friday = await day('2026-12-04');
    expect({ dow: friday.iso_dow, week: friday.iso_week, mon: friday.mon, sat: friday.sat }).toEqual({
      dow: 5,
      week: 49,
      mon: '2026-11-30',
      sat: '2026-11-28',
    });
    // A Saturday starts its own Saturday week; 2021-01-01 belongs to ISO week 53 of 2020.
    expect((await day('2026-11-28')).sat).toBe('2026-11-28');
    const newYear = await day('2021-01-01');
    expect({ y: newYear.iso_year, w: newYear.iso_week }).toEqual({ y: 2020, w: 53 });
  });

  it('agrees with ICU on 400 days spread over the whole range', async () => {
    const first = Date.UTC(1900, 0, 1);
    const span = Date.UTC(2100, 11, 31) - first;
    for (let i = 0; i < 400; i++) {
      const date = new Date(first + Math.floor((span / DAY) * (i / 399)) * DAY).toISOString().slice(0, 10);
      const row = await day(date);
      const fa = icu('persian', date);
      const hj = icu('islamic-umalqura', date);
      expect([row.fa_year, row.fa_month, row.fa_day], date).toEqual([fa.year, fa.month, fa.day]);
      expect([row.hj_year, row.hj_month, row.hj_day], date).toEqual([hj.year, hj.month, hj.day]);
    }
  });

  it('gives every day the first day of its month, quarter and year in each calendar', async () => {
    // A start column names a day that is day 1 of the same month (or quarter, year) as the day it belongs to.
    const { rows } = await client.query(`
      select count(*)::int as wrong from calendar_days c
      join calendar_days m on m.day = c.fa_month_start
      join calendar_days q on q.day = c.fa_quarter_start
      join calendar_days y on y.day = c.fa_year_start
      join calendar_days hm on hm.day = c.hj_month_start
      join calendar_days hy on hy.day = c.hj_year_start
      where m.fa_day <> 1 or m.fa_month <> c.fa_month or m.fa_year <> c.fa_year
         or q.fa_day <> 1 or q.fa_quarter <> c.fa_quarter or q.fa_month % 3 <> 1
         or y.fa_month <> 1 or y.fa_day <> 1 or y.fa_year <> c.fa_year
         or hm.hj_day <> 1 or hm.hj_month <> c.hj_month or hy.hj_month <> 1 or hy.hj_day <> 1
         or c.day - c.fa_month_start <> c.fa_day - 1 or c.day - c.hj_month_start <> c.hj_day - 1`);
    expect(rows[0].wrong).toBe(0);
    // The first rows' months began before 1900 and still have their true start.
    expect((await day('1900-01-01')).fa_ms).toBe('1899-12-22');
  });
});
