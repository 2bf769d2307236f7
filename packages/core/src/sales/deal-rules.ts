import { type Kysely, sql } from 'kysely';
import { AppError } from '../errors/app-error.ts';

interface DealValues {
  values: Record<string, unknown>;
  columns: Record<string, unknown>;
}

interface StageRow {
  id: string;
  pipeline_id: string;
  probability: string | null;
  kind: 'open' | 'won' | 'lost';
}

function set(prepared: DealValues, key: string, column: string, value: unknown) {
  prepared.values[key] = value;
  prepared.columns[column] = value;
}

/**
 * Keeps a deal consistent with its pipeline: a new deal without a stage starts in the default pipeline's
 * first stage; a stage fills in its pipeline, its probability (unless one is given) and, for won/lost
 * stages, the deal's status; a stage of another pipeline is refused.
 */
export async function applyDealRules(
  raw: Kysely<unknown>,
  workspaceId: string,
  prepared: DealValues,
  current?: Record<string, unknown>,
): Promise<void> {
  const stageId = prepared.values.stage as string | null | undefined;
  const pipelineId = (prepared.values.pipeline ?? current?.pipeline_id) as string | null | undefined;
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
    if (stage) set(prepared, 'stage', 'stage_id', stage.id);
  }
  if (!stage) return;
  if (pipelineId && pipelineId !== stage.pipeline_id) {
    throw new AppError('validation_failed', 'The stage belongs to another pipeline.', {
      errors: [{ field: 'body.stage', message: 'The stage belongs to another pipeline.' }],
    });
  }
  if (!prepared.values.pipeline) set(prepared, 'pipeline', 'pipeline_id', stage.pipeline_id);
  if (prepared.values.probability === undefined && stage.probability !== null) {
    set(prepared, 'probability', 'probability', Number(stage.probability));
  }
  // A won or lost stage decides the status; an open stage reopens the deal unless a status is given.
  if (stage.kind !== 'open' || prepared.values.status === undefined)
    set(prepared, 'status', 'status', stage.kind);
}
