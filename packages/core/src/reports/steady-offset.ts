import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

// Reports bucket a date-time by the civil day it falls on in the viewer's time zone. `at time zone` per row is most
// of a grouped report's cost over millions of rows; where the zone's UTC offset does not change (Tehran since
// September 2022, Riyadh and Dubai for decades) the day is plain arithmetic on the instant instead: `date_bin` by
// one day from a local midnight. This finds that span from PostgreSQL's own time zone data, so the fast path and
// `at time zone` can never disagree.

/** Instants `[from, to)` in which a zone's offset does not change; `from` is one of its local midnights. */
export interface SteadyOffset {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
const KEEP_MS = 3_600_000;
const MAX_ZONES = 500;
const known = new Map<string, { span: SteadyOffset | undefined; until: number }>();

/**
 * The span around now in which `timeZone`'s offset stays what it is today (looked for from 60 years back to 20
 * ahead, a sample a day), cut a day inside each sampled change so that a change between samples stays outside it,
 * and started at a local midnight; undefined when today's offset holds for less than a day either way. Kept for an
 * hour per zone.
 */
export async function steadyOffsetOf(
  trx: Tx,
  timeZone: string,
  now = Date.now(),
): Promise<SteadyOffset | undefined> {
  const kept = known.get(timeZone);
  if (kept && kept.until > now) return kept.span;
  const today = new Date(Math.floor(now / DAY_MS) * DAY_MS).toISOString();
  // In a savepoint: a zone the platform knows and this PostgreSQL's zone data does not (an older server) leaves the
  // report's transaction usable, and the report itself then says the zone is unknown.
  await sql`savepoint rabita_steady_offset`.execute(trx);
  let rows: { off: number | null; lastchange: Date | null; nextchange: Date | null }[];
  try {
    rows = await spanQuery(trx, timeZone, today);
    await sql`release savepoint rabita_steady_offset`.execute(trx);
  } catch (error) {
    await sql`rollback to savepoint rabita_steady_offset`.execute(trx);
    if ((error as { code?: string }).code === '22023') return undefined;
    throw error;
  }
  const row = rows[0];
  let span: SteadyOffset | undefined;
  if (row && row.off !== null) {
    const offset = row.off * 1000;
    const todayMs = Date.parse(today);
    // The first sample after the last change, and a day more: the change itself lies before that.
    const after = row.lastchange
      ? new Date(row.lastchange).getTime() + 2 * DAY_MS
      : todayMs - 60 * 365 * DAY_MS;
    const before = row.nextchange ? new Date(row.nextchange).getTime() - DAY_MS : todayMs + 20 * 365 * DAY_MS;
    // Local midnights are the instants k·day − offset.
    const from = Math.ceil((after + offset) / DAY_MS) * DAY_MS - offset;
    const to = Math.floor((before + offset) / DAY_MS) * DAY_MS - offset;
    if (to - from >= DAY_MS) span = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  }
  if (known.size >= MAX_ZONES) known.clear();
  known.set(timeZone, { span, until: now + KEEP_MS });
  return span;
}

/** Today's offset of the zone, and the last and next days (sampled at UTC midnight) it differs. */
async function spanQuery(trx: Tx, timeZone: string, today: string) {
  const { rows } = await sql<{ off: number | null; lastchange: Date | null; nextchange: Date | null }>`
    with samples as (
      select t, extract(epoch from (t at time zone ${timeZone}) - (t at time zone 'UTC'))::int as off
      from generate_series(${today}::timestamptz - interval '60 years', ${today}::timestamptz + interval '20 years',
                           interval '1 day') as t),
    now_off as (select off from samples where t = ${today}::timestamptz)
    select (select off from now_off) as off,
           (select max(t) from samples where t < ${today}::timestamptz and off <> (select off from now_off))
             as lastchange,
           (select min(t) from samples where t > ${today}::timestamptz and off <> (select off from now_off))
             as nextchange`.execute(trx);
  return rows;
}
