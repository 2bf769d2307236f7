import { forgetIn, rememberedIn, type Tx } from '@rabita/db';
import { sql } from 'kysely';
import type { RecordHooks } from '../modules/manifest.ts';

/** What a deal's hooks read of its stage. */
export interface StageRow {
  id: string;
  pipelineId: string;
  probability: string | null;
  kind: 'open' | 'won' | 'lost';
  forecastCategory: string | null;
}

const COLUMNS = sql`s.id, s.pipeline_id as "pipelineId", s.probability::text, s.kind,
  s.forecast_category as "forecastCategory"`;

/** A live stage of the workspace by id (undefined when there is none), read once per transaction. */
export function stageById(trx: Tx, workspaceId: string, stageId: string): Promise<StageRow | undefined> {
  return rememberedIn(trx, `stage:${stageId}`, async () => {
    const { rows } = await sql<StageRow>`
      select ${COLUMNS} from stages s
      where s.workspace_id = ${workspaceId} and s.id = ${stageId}::uuid and s.deleted_at is null`.execute(
      trx.withoutPlugins(),
    );
    return rows[0];
  });
}

/** The first stage of the pipeline (the default pipeline when none is named), remembered by id as `stageById`. */
export async function firstStage(
  trx: Tx,
  workspaceId: string,
  pipelineId: string | null | undefined,
): Promise<StageRow | undefined> {
  const { rows } = await sql<StageRow>`
    select ${COLUMNS} from stages s
    join pipelines p on p.workspace_id = s.workspace_id and p.id = s.pipeline_id
    where s.workspace_id = ${workspaceId} and s.deleted_at is null and p.deleted_at is null
      and ${pipelineId ? sql`p.id = ${pipelineId}` : sql`p.is_default`}
    order by s.position, s.id limit 1`.execute(trx.withoutPlugins());
  const stage = rows[0];
  if (stage) rememberedIn(trx, `stage:${stage.id}`, async () => stage);
  return stage;
}

/** A stage written in the transaction is read again by the next deal of it. */
export const stageRowHooks: RecordHooks = {
  object: 'stages',
  afterUpdate: async (ctx, record) => {
    forgetIn(ctx.trx, `stage:${record.id}`);
  },
  afterDelete: async (ctx, record) => {
    forgetIn(ctx.trx, `stage:${record.id}`);
  },
};
