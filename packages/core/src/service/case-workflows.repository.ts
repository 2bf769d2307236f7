import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

// SQL of the case types' workflows (case-workflows.migrations.ts).

export const CASE_TYPES = ['complaint', 'return'] as const;
export type CaseType = (typeof CASE_TYPES)[number];
export type CaseWorkflows = Record<CaseType, string | null>;

export async function selectCaseWorkflows(trx: Tx, workspaceId: string): Promise<CaseWorkflows> {
  const { rows } = await sql<{ caseType: CaseType; workflowId: string }>`
    select case_type, workflow_id from service_case_workflows where workspace_id = ${workspaceId}`.execute(
    trx,
  );
  const out: CaseWorkflows = { complaint: null, return: null };
  for (const r of rows) out[r.caseType] = r.workflowId;
  return out;
}

export async function putCaseWorkflow(
  trx: Tx,
  workspaceId: string,
  caseType: CaseType,
  workflowId: string | null,
): Promise<void> {
  if (workflowId === null)
    await sql`delete from service_case_workflows where workspace_id = ${workspaceId} and case_type = ${caseType}`.execute(
      trx,
    );
  else
    await sql`
      insert into service_case_workflows (workspace_id, case_type, workflow_id)
      values (${workspaceId}, ${caseType}, ${workflowId})
      on conflict (workspace_id, case_type) do update set workflow_id = excluded.workflow_id, updated_at = excluded.updated_at`.execute(
      trx,
    );
}
