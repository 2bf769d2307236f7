import type { Tx } from '@rabita/db';
import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { getWorkflow } from '../workflows/workflows.service.ts';
import * as repo from './case-workflows.repository.ts';
import { CASES_MANAGE } from './complaints.service.ts';

export { CASE_TYPES, type CaseType, type CaseWorkflows } from './case-workflows.repository.ts';

/** The workflow each case type starts when a case is opened from a call; everyone signed in reads them. */
export function getCaseWorkflows(ctx: ServiceContext): Promise<repo.CaseWorkflows> {
  return inWorkspace(ctx, (trx, ws) => repo.selectCaseWorkflows(trx, ws));
}

/** The workflow a case type starts, inside the caller's transaction (null: none chosen). */
export async function caseWorkflowOf(trx: Tx, workspaceId: string, caseType: repo.CaseType) {
  return (await repo.selectCaseWorkflows(trx, workspaceId))[caseType];
}

/**
 * Chooses the workflows (service.cases.manage). Each must be a workflow of the workspace started by hand on
 * tickets (its draft's trigger; the published version is checked again when it is started).
 */
export async function putCaseWorkflows(
  ctx: ServiceContext,
  input: Partial<repo.CaseWorkflows>,
): Promise<repo.CaseWorkflows> {
  if (!can(ctx.principal, CASES_MANAGE))
    throw new AppError('forbidden', `Your role may not change the desk’s case settings (${CASES_MANAGE}).`);
  for (const type of repo.CASE_TYPES) {
    const id = input[type];
    if (!id) continue;
    const w = await getWorkflow(ctx, id).catch(() => undefined);
    const trigger = (w?.draft as { trigger?: { type?: string; object?: string } } | undefined)?.trigger;
    if (!w || trigger?.type !== 'manual' || trigger.object !== 'tickets')
      throw new AppError('validation_failed', 'Choose a workflow started by hand on tickets.', {
        errors: [{ field: type, message: 'Not a workflow started by hand on tickets.' }],
      });
  }
  return inWorkspace(ctx, async (trx, ws) => {
    for (const type of repo.CASE_TYPES)
      if (input[type] !== undefined) await repo.putCaseWorkflow(trx, ws, type, input[type] ?? null);
    return repo.selectCaseWorkflows(trx, ws);
  });
}
