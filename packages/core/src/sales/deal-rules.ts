import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import { AppError } from '../errors/app-error.ts';
import type { Draft, RecordHooks, StoredRecord } from '../modules/manifest.ts';

interface StageRow {
  id: string;
  pipeline_id: string;
  probability: string | null;
  kind: 'open' | 'won' | 'lost';
}

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
  const raw = trx.withoutPlugins();
  const stageId = draft.values.stage as string | null | undefined;
  const pipelineId = (draft.values.pipeline ?? current?.pipeline) as string | null | undefined;
  let stage: StageRow | undefined;
  if (stageId) {
    const { rows } = await sql<StageRow>`
      select id, pipeline_id, probability, kind from stages
      where workspace_id = ${workspaceId} and id = ${stageId} and deleted_at is null`.execute(raw);
    stage = rows[0];
  } else if (!current && stageId === undefined) {
    const { rows } = await sql<StageRow>`
      select s.id, s.pipeline_id, s.probability, s.kind from stages s
      join pipelines p on p.workspace_id = s.workspace_id and p.id = s.pipeline_id
      where s.workspace_id = ${workspaceId} and s.deleted_at is null and p.deleted_at is null
        and ${pipelineId ? sql`p.id = ${pipelineId}` : sql`p.is_default`}
      order by s.position, s.id limit 1`.execute(raw);
    stage = rows[0];
    if (stage) draft.set('stage', stage.id);
  }
  if (!stage) return;
  if (pipelineId && pipelineId !== stage.pipeline_id) {
    throw new AppError('validation_failed', 'The stage belongs to another pipeline.', {
      errors: [{ field: 'stage', message: 'The stage belongs to another pipeline.' }],
    });
  }
  if (!draft.values.pipeline) draft.set('pipeline', stage.pipeline_id);
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
