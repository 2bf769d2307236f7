import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

// SQL of the case settings and the complaints (complaints.migrations.ts). Every function takes the workspace
// transaction first.

export interface CaseSettings {
  ackDays: number;
  responseDays: number;
  timeZone: string;
  categories: string[];
  rootCauses: string[];
  reasonCodes: string[];
}

export const DEFAULT_CASE_SETTINGS: CaseSettings = {
  ackDays: 2,
  responseDays: 14,
  timeZone: 'UTC',
  categories: [],
  rootCauses: [],
  reasonCodes: [],
};

export interface ComplaintRow {
  category: string | null;
  rootCause: string | null;
  compensationAmount: string | null;
  compensationCurrency: string | null;
  compensationNote: string | null;
  updatedBy: string | null;
  updatedAt: Date;
}

const SETTINGS = sql`ack_days, response_days, time_zone, categories, root_causes, reason_codes`;

export async function selectCaseSettings(trx: Tx, workspaceId: string): Promise<CaseSettings> {
  const { rows } = await sql<CaseSettings>`
    select ${SETTINGS} from service_case_settings where workspace_id = ${workspaceId}`.execute(trx);
  return rows[0] ?? DEFAULT_CASE_SETTINGS;
}

export async function upsertCaseSettings(
  trx: Tx,
  workspaceId: string,
  s: CaseSettings,
): Promise<CaseSettings> {
  const { rows } = await sql<CaseSettings>`
    insert into service_case_settings
      (workspace_id, ack_days, response_days, time_zone, categories, root_causes, reason_codes)
    values (${workspaceId}, ${s.ackDays}, ${s.responseDays}, ${s.timeZone}, ${s.categories}::text[],
      ${s.rootCauses}::text[], ${s.reasonCodes}::text[])
    on conflict (workspace_id) do update set ack_days = excluded.ack_days, response_days = excluded.response_days,
      time_zone = excluded.time_zone, categories = excluded.categories, root_causes = excluded.root_causes,
      reason_codes = excluded.reason_codes, updated_at = excluded.updated_at
    returning ${SETTINGS}`.execute(trx);
  return rows[0]!;
}

export async function selectComplaint(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
): Promise<ComplaintRow | undefined> {
  const { rows } = await sql<ComplaintRow>`
    select category, root_cause, compensation_amount::text as compensation_amount, compensation_currency,
      compensation_note, updated_by, updated_at
    from ticket_complaints where workspace_id = ${workspaceId} and ticket_id = ${ticketId}`.execute(trx);
  return rows[0];
}

export async function upsertComplaint(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
  c: Omit<ComplaintRow, 'updatedAt'>,
): Promise<void> {
  await sql`
    insert into ticket_complaints (workspace_id, ticket_id, category, root_cause, compensation_amount,
      compensation_currency, compensation_note, updated_by)
    values (${workspaceId}, ${ticketId}, ${c.category}, ${c.rootCause}, ${c.compensationAmount}::numeric,
      ${c.compensationCurrency}, ${c.compensationNote}, ${c.updatedBy})
    on conflict (workspace_id, ticket_id) do update set category = excluded.category,
      root_cause = excluded.root_cause, compensation_amount = excluded.compensation_amount,
      compensation_currency = excluded.compensation_currency, compensation_note = excluded.compensation_note,
      updated_by = excluded.updated_by, updated_at = excluded.updated_at`.execute(trx);
}
