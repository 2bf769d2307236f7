import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import type { SelfServiceSent } from './wrap-up.repository.ts';

// SQL of the call card's extras (card-extras.migrations.ts): the report, self-service links, a promise to pay, and
// the workspace's self-service URL.

/** Self-service links kept per call (the oldest fall off). */
export const SELF_SERVICE_KEPT = 20;

export async function setReport(
  trx: Tx,
  workspaceId: string,
  callId: string,
  report: { ticketId: string; type: 'complaint' | 'return' },
): Promise<void> {
  await sql`
    update calls set report_ticket_id = ${report.ticketId}, report_type = ${report.type}, updated_at = now()
    where workspace_id = ${workspaceId} and id = ${callId}`.execute(trx);
}

export async function setReportRun(
  trx: Tx,
  workspaceId: string,
  callId: string,
  runId: string,
): Promise<void> {
  await sql`update calls set report_run_id = ${runId} where workspace_id = ${workspaceId} and id = ${callId}`.execute(
    trx,
  );
}

/** Appends a sent link, keeping the last SELF_SERVICE_KEPT. */
export async function appendSelfService(
  trx: Tx,
  workspaceId: string,
  callId: string,
  sent: SelfServiceSent,
): Promise<void> {
  await sql`
    update calls set self_service = (
      select coalesce(jsonb_agg(e order by n), '[]'::jsonb) from (
        select e, n from jsonb_array_elements(self_service || jsonb_build_array(${JSON.stringify(sent)}::jsonb))
          with ordinality as x(e, n)
        order by n desc limit ${SELF_SERVICE_KEPT}) kept), updated_at = now()
    where workspace_id = ${workspaceId} and id = ${callId}`.execute(trx);
}

export async function setPromise(
  trx: Tx,
  workspaceId: string,
  callId: string,
  promise: { amount: string; currency: string; dueOn: string } | null,
): Promise<void> {
  await sql`
    update calls set promise_amount = ${promise?.amount ?? null}::numeric,
      promise_currency = ${promise?.currency ?? null}, promise_due_on = ${promise?.dueOn ?? null}::date,
      updated_at = now()
    where workspace_id = ${workspaceId} and id = ${callId}`.execute(trx);
}

export async function selectSelfServiceUrl(trx: Tx, workspaceId: string): Promise<string | null> {
  const { rows } = await sql<{ selfServiceUrl: string | null }>`
    select self_service_url from call_desk_settings where workspace_id = ${workspaceId}`.execute(trx);
  return rows[0]?.selfServiceUrl ?? null;
}

export async function upsertSelfServiceUrl(trx: Tx, workspaceId: string, url: string | null): Promise<void> {
  await sql`
    insert into call_desk_settings (workspace_id, self_service_url) values (${workspaceId}, ${url})
    on conflict (workspace_id) do update set self_service_url = excluded.self_service_url, updated_at = excluded.updated_at`.execute(
    trx,
  );
}
