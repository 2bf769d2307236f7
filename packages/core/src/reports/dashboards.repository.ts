import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
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

const COLUMNS = sql`d.id, d.name, d.owner_id as "ownerId", d.layout, d.filters, d.created_at as "createdAt",
  d.updated_at as "updatedAt"`;

/** The audience sees a dashboard they own, one shared with them, a team of theirs or their role, or their role's home. */
function visibleTo(workspaceId: string, who: Audience) {
  return sql`(${sharedWith(DASHBOARD_SHARES, 'd', workspaceId, who)} or exists (
    select 1 from dashboard_homes h
    where h.workspace_id = ${workspaceId} and h.role_id = ${who.roleId}::uuid and h.dashboard_id = d.id))`;
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
      set dashboard_id = excluded.dashboard_id, landing = excluded.landing, updated_at = now()`.execute(trx);
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

/** The instant a civil day starts in a time zone, as ISO text. */
export async function dayStart(trx: Tx, day: string, timeZone: string): Promise<string> {
  const { rows } = await sql<{
    at: Date;
  }>`select (${day}::date::timestamp at time zone ${timeZone}) as at`.execute(trx);
  return rows[0]!.at.toISOString();
}
