import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

// SQL of win and loss reasons and the sales settings (tables of migration sales-0004-deal-history).

export type ReasonKind = 'won' | 'lost';
export interface ReasonLabel {
  en?: string;
  ar?: string;
  fa?: string;
}
export interface ReasonRow {
  id: string;
  kind: ReasonKind;
  label: ReasonLabel;
  position: number;
  archived: boolean;
}
export interface SalesSettingsRow {
  requireWonReason: boolean;
  requireLostReason: boolean;
}

const raw = (trx: Tx) => trx.withoutPlugins();
const COLUMNS = sql`id::text, kind, label, position, archived`;

/** The workspace's reasons, won first, in their order (archived ones too when asked). */
export async function selectReasons(
  trx: Tx,
  workspaceId: string,
  options: { includeArchived: boolean },
): Promise<ReasonRow[]> {
  const { rows } = await sql<ReasonRow>`
    select ${COLUMNS} from deal_reasons where workspace_id = ${workspaceId}
      ${options.includeArchived ? sql`` : sql`and not archived`}
    order by kind desc, position, created_at, id limit 1000`.execute(raw(trx));
  return rows;
}

export async function selectReason(trx: Tx, workspaceId: string, id: string): Promise<ReasonRow | undefined> {
  const { rows } = await sql<ReasonRow>`
    select ${COLUMNS} from deal_reasons where workspace_id = ${workspaceId} and id = ${id}::uuid`.execute(
    raw(trx),
  );
  return rows[0];
}

/** Locks a reason's row (a delete and a deal naming it then wait for each other). */
export async function lockReason(trx: Tx, workspaceId: string, id: string): Promise<ReasonRow | undefined> {
  const { rows } = await sql<ReasonRow>`
    select ${COLUMNS} from deal_reasons where workspace_id = ${workspaceId} and id = ${id}::uuid
    for update`.execute(raw(trx));
  return rows[0];
}

/** Locks a reason's row against deletion while a deal comes to name it (for key share: deletes wait). */
export async function shareReason(trx: Tx, workspaceId: string, id: string): Promise<ReasonRow | undefined> {
  const { rows } = await sql<ReasonRow>`
    select ${COLUMNS} from deal_reasons where workspace_id = ${workspaceId} and id = ${id}::uuid
    for key share`.execute(raw(trx));
  return rows[0];
}

export async function insertReason(
  trx: Tx,
  workspaceId: string,
  row: { id: string; kind: ReasonKind; label: ReasonLabel; position: number },
): Promise<ReasonRow> {
  const { rows } = await sql<ReasonRow>`
    insert into deal_reasons (workspace_id, id, kind, label, position)
    values (${workspaceId}, ${row.id}::uuid, ${row.kind}, ${JSON.stringify(row.label)}::jsonb, ${row.position})
    returning ${COLUMNS}`.execute(raw(trx));
  return rows[0]!;
}

/** The next position at the end of a kind's list. */
export async function nextReasonPosition(trx: Tx, workspaceId: string, kind: ReasonKind): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select coalesce(max(position), -1)::int + 1 as n from deal_reasons
    where workspace_id = ${workspaceId} and kind = ${kind}`.execute(raw(trx));
  return rows[0]?.n ?? 0;
}

export async function updateReasonRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  patch: { label?: ReasonLabel | undefined; position?: number | undefined; archived?: boolean | undefined },
): Promise<ReasonRow | undefined> {
  const { rows } = await sql<ReasonRow>`
    update deal_reasons set
      label = coalesce(${patch.label ? JSON.stringify(patch.label) : null}::jsonb, label),
      position = coalesce(${patch.position ?? null}::int, position),
      archived = coalesce(${patch.archived ?? null}::boolean, archived)
    where workspace_id = ${workspaceId} and id = ${id}::uuid
    returning ${COLUMNS}`.execute(raw(trx));
  return rows[0];
}

export async function deleteReasonRow(trx: Tx, workspaceId: string, id: string): Promise<void> {
  await sql`delete from deal_reasons where workspace_id = ${workspaceId} and id = ${id}::uuid`.execute(
    raw(trx),
  );
}

/**
 * True when a deal (live or deleted: a restored deal would name it again) or the history names the reason. Reads
 * the deals table, which the sales module owns.
 */
export async function reasonInUse(trx: Tx, workspaceId: string, id: string): Promise<boolean> {
  const { rows } = await sql<{ used: boolean }>`
    select exists (select from deals where workspace_id = ${workspaceId} and close_reason = ${id}) as used`.execute(
    raw(trx),
  );
  return rows[0]?.used ?? false;
}

export async function selectSalesSettings(trx: Tx, workspaceId: string): Promise<SalesSettingsRow> {
  const { rows } = await sql<{ require_won_reason: boolean; require_lost_reason: boolean }>`
    select require_won_reason, require_lost_reason from sales_settings
    where workspace_id = ${workspaceId}`.execute(raw(trx));
  const row = rows[0];
  return {
    requireWonReason: row?.require_won_reason ?? false,
    requireLostReason: row?.require_lost_reason ?? false,
  };
}

export async function upsertSalesSettings(
  trx: Tx,
  workspaceId: string,
  settings: SalesSettingsRow,
): Promise<void> {
  await sql`
    insert into sales_settings (workspace_id, require_won_reason, require_lost_reason)
    values (${workspaceId}, ${settings.requireWonReason}, ${settings.requireLostReason})
    on conflict (workspace_id) do update set require_won_reason = excluded.require_won_reason,
      require_lost_reason = excluded.require_lost_reason, updated_at = excluded.updated_at`.execute(raw(trx));
}
