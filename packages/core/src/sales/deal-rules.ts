import type { Tx } from '@rabita/db';
import { AppError } from '../errors/app-error.ts';
import type { Draft, RecordHooks, StoredRecord } from '../modules/manifest.ts';
import { firstStage, type StageRow, stageById } from './stage-rows.ts';

/**
 * Keeps a deal consistent with its pipeline: a new deal without a stage starts in the default pipeline's
 * first stage; a stage fills in its pipeline, its probability (unless one is given) and, for won/lost
 * stages, the deal's status; a stage of another pipeline is refused.
 */
async function applyDealRules(
  trx: Tx,
  workspaceId: string,
  draft: Draft,
  current?: StoredRecord,
): Promise<void> {
  const stageId = draft.values.stage as string | null | undefined;
  const pipelineId = (draft.values.pipeline ?? current?.pipeline) as string | null | undefined;
  let stage: StageRow | undefined;
  if (stageId) stage = await stageById(trx, workspaceId, stageId);
  else if (!current && stageId === undefined) {
    stage = await firstStage(trx, workspaceId, pipelineId);
    if (stage) draft.set('stage', stage.id);
  }
  if (!stage) return;
  if (pipelineId && pipelineId !== stage.pipelineId) {
    throw new AppError('validation_failed', 'The stage belongs to another pipeline.', {
      errors: [{ field: 'stage', message: 'The stage belongs to another pipeline.' }],
    });
  }
  if (!draft.values.pipeline) draft.set('pipeline', stage.pipelineId);
  if (draft.values.probability === undefined && stage.probability !== null) {
    draft.set('probability', Number(stage.probability));
  }
  // A won or lost stage decides the status; an open stage reopens the deal unless a status is given.
  if (stage.kind !== 'open' || draft.values.status === undefined) draft.set('status', stage.kind);
}

/** The deal rules as record hooks: on every create, and on updates that change the stage. */
export const dealHooks: RecordHooks = {
  object: 'deals',
  beforeCreate: (ctx, draft) => applyDealRules(ctx.trx, ctx.workspaceId, draft),
  beforeUpdate: async (ctx, draft, current) => {
    if ('stage' in draft.values) await applyDealRules(ctx.trx, ctx.workspaceId, draft, current);
  },
};
