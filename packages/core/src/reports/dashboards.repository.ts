import type { Tx } from '@rabita/db';
import type { Calendar } from '@rabita/shared';
import { sql } from 'kysely';
import { type FiscalYear, fiscalMonthOf } from './fiscal-year.ts';
import { type Audience, DASHBOARD_SHARES, sharedWith } from './sharing.repository.ts';

export interface DashboardRow {
  id: string;
  name: string;
  ownerId: string | null;
  layout: unknown;
  filters: unknown;
  createdAt: Date;
  updatedAt: Date;
}
export interface HomeRow {
  roleId: string;
  dashboardId: string | null;
  landing: boolean;
}
/** A home chosen for a team or a person (`id` is the team's or the person's). */
export interface SubjectHomeRow {
  id: string;
  dashboardId: string | null;
  landing: boolean;
}
/** Whose homes a table keeps: teams' or people's. */
export type HomeSubject = 'team' | 'person';
const HOME_TABLES = {
  team: { table: 'dashboard_team_homes', key: 'team_id' },
  person: { table: 'dashboard_person_homes', key: 'user_id' },
} as const;

const COLUMNS = sql`d.id, d.name, d.owner_id as "ownerId", d.layout, d.filters, d.created_at as "createdAt",
  d.updated_at as "updatedAt"`;

/**
 * The audience sees a dashboard they own, one shared with them, a team of theirs or their role, or one chosen as a
 * home for them, a team of theirs or their role.
 */
function visibleTo(workspaceId: string, who: Audience) {
  return sql`(${sharedWith(DASHBOARD_SHARES, 'd', workspaceId, who)} or exists (
    select 1 from dashboard_homes h
    where h.workspace_id = ${workspaceId} and h.role_id = ${who.roleId}::uuid and h.dashboard_id = d.id)
    or exists (
    select 1 from dashboard_team_homes h
    where h.workspace_id = ${workspaceId} and h.team_id = any(${who.teamIds}::uuid[]) and h.dashboard_id = d.id)
    or exists (
    select 1 from dashboard_person_homes h
    where h.workspace_id = ${workspaceId} and h.user_id = ${who.userId}::uuid and h.dashboard_id = d.id))`;
}

/** Dashboards the audience may see (all for `everything`), by name then id, after a keyset position. */
export async function listDashboardRows(
  trx: Tx,
  workspaceId: string,
  who: Audience,
  options: { everything: boolean; after?: { name: string; id: string } | undefined; limit: number },
): Promise<DashboardRow[]> {
  const { rows } = await sql<DashboardRow>`
    select ${COLUMNS} from dashboards as d
    where d.workspace_id = ${workspaceId} and ${options.everything ? sql`true` : visibleTo(workspaceId, who)}
      ${options.after ? sql`and (d.name, d.id) > (${options.after.name}, ${options.after.id}::uuid)` : sql``}
    order by d.name, d.id limit ${options.limit}`.execute(trx);
  return rows;
}

/** One dashboard if the audience may see it (any for `everything`). */
export async function findDashboardRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  who: Audience,
  everything: boolean,
): Promise<DashboardRow | undefined> {
  const { rows } = await sql<DashboardRow>`
    select ${COLUMNS} from dashboards as d
    where d.workspace_id = ${workspaceId} and d.id = ${id}::uuid
      and ${everything ? sql`true` : visibleTo(workspaceId, who)}`.execute(trx);
  return rows[0];
}

/** Locks a dashboard row for a change (its owner is checked by the caller). */
export async function lockDashboardRow(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<DashboardRow | undefined> {
  const { rows } = await sql<DashboardRow>`
    select ${COLUMNS} from dashboards as d where d.workspace_id = ${workspaceId} and d.id = ${id}::uuid
    for update`.execute(trx);
  return rows[0];
}

export async function insertDashboardRow(
  trx: Tx,
  workspaceId: string,
  row: { id: string; name: string; ownerId: string; layout: unknown; filters: unknown },
): Promise<void> {
  await sql`
    insert into dashboards (workspace_id, id, name, owner_id, layout, filters)
    values (${workspaceId}, ${row.id}, ${row.name}, ${row.ownerId}, ${JSON.stringify(row.layout)}::jsonb,
            ${JSON.stringify(row.filters)}::jsonb)`.execute(trx);
}

export async function updateDashboardRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  patch: { name?: string | undefined; layout?: unknown; filters?: unknown },
): Promise<void> {
  await sql`
    update dashboards set
      name = coalesce(${patch.name ?? null}, name),
      layout = coalesce(${patch.layout === undefined ? null : JSON.stringify(patch.layout)}::jsonb, layout),
      filters = coalesce(${patch.filters === undefined ? null : JSON.stringify(patch.filters)}::jsonb, filters),
      updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}::uuid`.execute(trx);
}

export async function deleteDashboardRow(trx: Tx, workspaceId: string, id: string): Promise<void> {
  await sql`delete from dashboards where workspace_id = ${workspaceId} and id = ${id}::uuid`.execute(trx);
}

/** A role's home: its dashboard (null: the built-in one) and whether the role lands on it. */
export async function findHomeRow(
  trx: Tx,
  workspaceId: string,
  roleId: string,
): Promise<HomeRow | undefined> {
  const { rows } = await sql<HomeRow>`
    select role_id as "roleId", dashboard_id as "dashboardId", landing from dashboard_homes
    where workspace_id = ${workspaceId} and role_id = ${roleId}::uuid`.execute(trx);
  return rows[0];
}

export async function upsertHomeRow(trx: Tx, workspaceId: string, home: HomeRow): Promise<void> {
  await sql`
    insert into dashboard_homes (workspace_id, role_id, dashboard_id, landing)
    values (${workspaceId}, ${home.roleId}::uuid, ${home.dashboardId}::uuid, ${home.landing})
    on conflict (workspace_id, role_id) do update
      set dashboard_id = excluded.dashboard_id, landing = excluded.landing, updated_at = excluded.updated_at`.execute(
    trx,
  );
}

/** The homes chosen for these teams or this person, with a dashboard (a deleted one's row counts as none). */
export async function findSubjectHomeRows(
  trx: Tx,
  workspaceId: string,
  subject: HomeSubject,
  ids: readonly string[],
): Promise<SubjectHomeRow[]> {
  if (ids.length === 0) return [];
  const t = HOME_TABLES[subject];
  const { rows } = await sql<SubjectHomeRow>`
    select ${sql.ref(t.key)}::text as id, dashboard_id as "dashboardId", landing from ${sql.table(t.table)}
    where workspace_id = ${workspaceId} and ${sql.ref(t.key)} = any(${ids}::uuid[])
      and dashboard_id is not null`.execute(trx);
  return rows;
}

/** Chooses a team's or a person's home (a null dashboard removes the choice). */
export async function writeSubjectHomeRow(
  trx: Tx,
  workspaceId: string,
  subject: HomeSubject,
  home: SubjectHomeRow,
): Promise<void> {
  const t = HOME_TABLES[subject];
  if (home.dashboardId === null) {
    await sql`delete from ${sql.table(t.table)}
      where workspace_id = ${workspaceId} and ${sql.ref(t.key)} = ${home.id}::uuid`.execute(trx);
    return;
  }
  await sql`
    insert into ${sql.table(t.table)} (workspace_id, ${sql.ref(t.key)}, dashboard_id, landing)
    values (${workspaceId}, ${home.id}::uuid, ${home.dashboardId}::uuid, ${home.landing})
    on conflict (workspace_id, ${sql.ref(t.key)}) do update
      set dashboard_id = excluded.dashboard_id, landing = excluded.landing, updated_at = excluded.updated_at`.execute(
    trx,
  );
}

/** Every home chosen for a team or a person (for admins), by team or person id. */
export async function listSubjectHomeRows(
  trx: Tx,
  workspaceId: string,
  subject: HomeSubject,
): Promise<SubjectHomeRow[]> {
  const t = HOME_TABLES[subject];
  const { rows } = await sql<SubjectHomeRow>`
    select ${sql.ref(t.key)}::text as id, dashboard_id as "dashboardId", landing from ${sql.table(t.table)}
    where workspace_id = ${workspaceId} and dashboard_id is not null order by 1 limit 5000`.execute(trx);
  return rows;
}

/** Every role's home (for admins choosing them). */
export async function listHomeRows(trx: Tx, workspaceId: string): Promise<HomeRow[]> {
  const { rows } = await sql<HomeRow>`
    select role_id as "roleId", dashboard_id as "dashboardId", landing from dashboard_homes
    where workspace_id = ${workspaceId} order by role_id`.execute(trx);
  return rows;
}

/**
 * The first and last civil day of the calendar period that holds `day` (or, `back` periods before it), from the
 * calendar table: a Jalali month is its own days, a Saturday week starts on Saturday. `column` names the period's
 * first-day column (`fa_month_start`, `week_sat`, `day`, …), which the caller picks from a fixed list.
 */
export async function periodDays(
  trx: Tx,
  column: string,
  day: string,
  back: number,
): Promise<{ from: string; to: string } | undefined> {
  const col = sql.ref(column);
  // Step back one period at a time: the day before a period's first day lies in the one before it.
  let start = sql`(select ${col} from calendar_days where day = ${day}::date)`;
  for (let i = 0; i < back; i++) start = sql`(select ${col} from calendar_days where day = ${start} - 1)`;
  const { rows } = await sql<{ from: string | null; to: string | null }>`
    with s as (select ${start} as first)
    select to_char(min(c.day), 'YYYY-MM-DD') as "from", to_char(max(c.day), 'YYYY-MM-DD') as "to"
    from calendar_days c, s
    where c.day >= s.first and c.day < s.first + 400 and ${sql.ref(`c.${column}`)} = s.first`.execute(trx);
  const row = rows[0];
  return row?.from && row.to ? { from: row.from, to: row.to } : undefined;
}

/**
 * The first and last civil day of the workspace's fiscal quarter or year (`months`: 3 or 12) that holds `day`, or
 * `back` of them before it, from the calendar table's columns of the fiscal year's calendar.
 */
export async function fiscalPeriodDays(
  trx: Tx,
  fiscal: FiscalYear,
  months: number,
  day: string,
  back: number,
): Promise<{ from: string; to: string } | undefined> {
  const fm = (alias: string) => fiscalMonthOf(alias, fiscal);
  const { rows } = await sql<{ from: string | null; to: string | null }>`
    with t as (select ${fm('c')} / ${months}::int - ${back}::int as idx from calendar_days as c where c.day = ${day}::date)
    select to_char(min(c.day), 'YYYY-MM-DD') as "from", to_char(max(c.day), 'YYYY-MM-DD') as "to"
    from calendar_days as c, t
    where c.day >= ${day}::date - (${back}::int + 1) * 400 and c.day <= ${day}::date + 400
      and ${fm('c')} / ${months}::int = t.idx`.execute(trx);
  const row = rows[0];
  return row?.from && row.to ? { from: row.from, to: row.to } : undefined;
}

/**
 * The same date a year earlier in a calendar (1 Farvardin 1404 → 1 Farvardin 1403); a day the earlier year's month
 * lacks becomes its last (30 Esfand of a leap year → 29 Esfand, 29 February → 28 February).
 */
export async function yearEarlier(trx: Tx, calendar: Calendar, day: string): Promise<string | undefined> {
  const p = { gregory: 'g', persian: 'fa', 'islamic-umalqura': 'hj' }[calendar];
  const col = (alias: string, part: string) => sql.ref(`${alias}.${p}_${part}`);
  const { rows } = await sql<{ day: string }>`
    select to_char(e.day, 'YYYY-MM-DD') as day from calendar_days as c, calendar_days as e
    where c.day = ${day}::date and e.day >= c.day - 400 and e.day <= c.day - 300
      and ${col('e', 'year')} = ${col('c', 'year')} - 1 and ${col('e', 'month')} = ${col('c', 'month')}
      and ${col('e', 'day')} <= ${col('c', 'day')}
    order by e.day desc limit 1`.execute(trx);
  return rows[0]?.day;
}

/** The instant a civil day starts in a time zone, as ISO text. */
export async function dayStart(trx: Tx, day: string, timeZone: string): Promise<string> {
  const { rows } = await sql<{
    at: Date;
  }>`select (${day}::date::timestamp at time zone ${timeZone}) as at`.execute(trx);
  return rows[0]!.at.toISOString();
}
