import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const DAY = 86_400_000;
const FIRST = Date.UTC(1900, 0, 1);
const LAST = Date.UTC(2100, 11, 31);
const BATCH = 10_000;

type Parts = { year: number; month: number; day: number };

/** A civil date's year, month and day in an ICU calendar (read through UTC midnight, so no zone shifts it). */
function reader(calendar: string): (t: number) => Parts {
  const format = new Intl.DateTimeFormat(`en-u-ca-${calendar}-nu-latn`, {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
  });
  return (t) => {
    const parts: Parts = { year: 0, month: 0, day: 0 };
    for (const p of format.formatToParts(t))
      if (p.type === 'year' || p.type === 'month' || p.type === 'day') parts[p.type] = Number(p.value);
    return parts;
  };
}

/** The first day of the period (1, 3 or 12 months) holding `t`, walking back month by month. */
function periodStart(read: (t: number) => Parts, t: number, months: number): number {
  let start = t - (read(t).day - 1) * DAY;
  while ((read(start).month - 1) % months !== 0) start -= read(start - DAY).day * DAY;
  return start;
}

/** One calendar's columns for every day, filled in a single pass (ICU asked once per day). */
function calendarColumns(calendar: string, days: number) {
  const read = reader(calendar);
  const cols = {
    year: new Array<number>(days),
    quarter: new Array<number>(days),
    month: new Array<number>(days),
    day: new Array<number>(days),
    monthStart: new Array<string>(days),
    quarterStart: new Array<string>(days),
    yearStart: new Array<string>(days),
  };
  const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
  let monthStart = iso(periodStart(read, FIRST, 1));
  let quarterStart = iso(periodStart(read, FIRST, 3));
  let yearStart = iso(periodStart(read, FIRST, 12));
  for (let i = 0, t = FIRST; i < days; i++, t += DAY) {
    const p = read(t);
    if (p.day === 1 && t !== FIRST) {
      monthStart = iso(t);
      if ((p.month - 1) % 3 === 0) quarterStart = monthStart;
      if (p.month === 1) yearStart = monthStart;
    }
    cols.year[i] = p.year;
    cols.quarter[i] = Math.floor((p.month - 1) / 3) + 1;
    cols.month[i] = p.month;
    cols.day[i] = p.day;
    cols.monthStart[i] = monthStart;
    cols.quarterStart[i] = quarterStart;
    cols.yearStart[i] = yearStart;
  }
  return cols;
}

/**
 * `reports-0001-calendar`: `calendar_days`, one row per civil date from 1900-01-01 to 2100-12-31 with its Gregorian
 * year, quarter, month and day, ISO year, week and weekday, the Monday and the Saturday that start its week, and
 * its Jalali (ICU `persian`) and Hijri Umm al-Qura (ICU `islamic-umalqura`) year, quarter, month and day, with the
 * first day of its month, quarter and year in each calendar (the keys reports group on: a bucket maps back to its
 * dates). Generated here from the platform's ICU; not tenant data, so no workspace and no row-level security: the
 * application role reads it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table calendar_days (
      day date primary key,
      g_year smallint not null,
      g_quarter smallint not null,
      g_month smallint not null,
      g_day smallint not null,
      g_month_start date not null,
      g_quarter_start date not null,
      g_year_start date not null,
      iso_year smallint not null,
      iso_week smallint not null,
      iso_dow smallint not null,
      week_iso date not null,
      week_sat date not null,
      fa_year smallint not null,
      fa_quarter smallint not null,
      fa_month smallint not null,
      fa_day smallint not null,
      fa_month_start date not null,
      fa_quarter_start date not null,
      fa_year_start date not null,
      hj_year smallint not null,
      hj_quarter smallint not null,
      hj_month smallint not null,
      hj_day smallint not null,
      hj_month_start date not null,
      hj_quarter_start date not null,
      hj_year_start date not null
    )`.execute(db);
  const days = Math.round((LAST - FIRST) / DAY) + 1;
  const fa = calendarColumns('persian', days);
  const hj = calendarColumns('islamic-umalqura', days);
  for (let from = 0; from < days; from += BATCH) {
    const to = Math.min(days, from + BATCH);
    const first = new Date(FIRST + from * DAY).toISOString().slice(0, 10);
    const slice = <T>(a: T[]) => a.slice(from, to);
    // Gregorian and ISO columns from PostgreSQL's own date arithmetic; the other calendars from ICU, by position.
    await sql`
      insert into calendar_days
      select d, extract(year from d), extract(quarter from d), extract(month from d), extract(day from d),
             date_trunc('month', d)::date, date_trunc('quarter', d)::date, date_trunc('year', d)::date,
             extract(isoyear from d), extract(week from d), extract(isodow from d),
             d - (extract(isodow from d)::int - 1), d - ((extract(dow from d)::int + 1) % 7),
             x.fy, x.fq, x.fm, x.fd, x.fms::date, x.fqs::date, x.fys::date,
             x.hy, x.hq, x.hm, x.hd, x.hms::date, x.hqs::date, x.hys::date
      from unnest(${slice(fa.year)}::int[], ${slice(fa.quarter)}::int[], ${slice(fa.month)}::int[],
                  ${slice(fa.day)}::int[], ${slice(fa.monthStart)}::text[], ${slice(fa.quarterStart)}::text[],
                  ${slice(fa.yearStart)}::text[], ${slice(hj.year)}::int[], ${slice(hj.quarter)}::int[],
                  ${slice(hj.month)}::int[], ${slice(hj.day)}::int[], ${slice(hj.monthStart)}::text[],
                  ${slice(hj.quarterStart)}::text[], ${slice(hj.yearStart)}::text[])
             with ordinality as x(fy, fq, fm, fd, fms, fqs, fys, hy, hq, hm, hd, hms, hqs, hys, n),
           lateral (select ${first}::date + (x.n::int - 1) as d) as g`.execute(db);
  }
  await sql`analyze calendar_days`.execute(db);
  await sql`grant select on calendar_days to rabita_app`.execute(db);
}
