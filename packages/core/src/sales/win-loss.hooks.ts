import { rememberedIn } from '@rabita/db';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import type { Draft, RecordHooks, StoredRecord, WriteContext } from '../modules/manifest.ts';
import { stageById } from './stage-rows.ts';
import { type ReasonKind, selectSalesSettings, shareReason } from './win-loss.repository.ts';

type Status = 'open' | 'won' | 'lost';

// Read once per transaction (`rememberedIn`): a batch or an import runs the hooks once per deal.
const stageOf = (ctx: WriteContext, stageId: string) => stageById(ctx.trx, ctx.workspaceId, stageId);
const reasonOf = (ctx: WriteContext, id: string) =>
  rememberedIn(ctx.trx, `reason:${id}`, () => shareReason(ctx.trx, ctx.workspaceId, id));
const settingsOf = (ctx: WriteContext) =>
  rememberedIn(ctx.trx, 'settings', () => selectSalesSettings(ctx.trx, ctx.workspaceId));

/** The category a stage gives its deals: its own, else closed for won, omitted for lost, pipeline for open. */
export function stageCategory(kind: string, own: string | null): string {
  if (kind === 'won') return 'closed';
  if (kind === 'lost') return 'omitted';
  return own ?? 'pipeline';
}

const refuse = (field: string, message: string): never => {
  throw new AppError('validation_failed', message, { errors: [{ field, message }] });
};

/**
 * A deal's forecast category follows its stage (a won deal is closed, a lost one omitted); the deal's owner (or an
 * admin, or automation) may set another one for an open deal, which holds until the deal changes stage.
 */
async function applyForecastCategory(
  ctx: WriteContext,
  draft: Draft,
  status: Status,
  current?: StoredRecord,
): Promise<void> {
  const stageId = (draft.values.stage ?? current?.stage) as string | null | undefined;
  const stage = stageId ? await stageOf(ctx, stageId) : undefined;
  const byStage =
    status === 'open' ? stageCategory(stage?.kind ?? 'open', stage?.forecastCategory ?? null) : undefined;
  if (status !== 'open') {
    draft.set('forecastCategory', status === 'won' ? 'closed' : 'omitted');
    return;
  }
  const given = draft.values.forecastCategory as string | null | undefined;
  if (given === undefined || given === null) {
    // Not named: it follows a new stage (or a reopened deal); named empty: back to the stage's.
    if (given === null || !current || 'stage' in draft.values || current.status !== 'open')
      draft.set('forecastCategory', byStage);
    return;
  }
  if (given === current?.forecastCategory || given === byStage) return;
  const owner = (draft.values.owner ?? current?.owner ?? ctx.principal.userId) as string | null;
  const allowed =
    ctx.cause !== undefined ||
    ctx.principal.role.key === 'admin' ||
    (ctx.principal.userId !== null && ctx.principal.userId === owner);
  if (!allowed)
    throw new AppError(
      'forbidden',
      'Only the deal’s owner may set a forecast category other than its stage’s.',
      { errors: [{ field: 'forecastCategory', message: 'Only the deal’s owner may override it.' }] },
    );
}

/**
 * The reason a deal names must be one of the workspace's, not archived when newly named, and of the deal's
 * outcome when it is won or lost; a deal moving into won or lost must name one when the workspace requires it.
 */
async function applyReason(
  ctx: WriteContext,
  draft: Draft,
  status: Status,
  current?: StoredRecord,
): Promise<void> {
  const named = draft.values.closeReason as string | null | undefined;
  if (named !== undefined && named !== null) {
    const reason = isUuid(named) ? await reasonOf(ctx, named) : undefined;
    if (!reason) refuse('closeReason', `There is no win or loss reason ${named}.`);
    if (reason!.archived && named !== current?.closeReason)
      refuse('closeReason', 'That reason is archived; choose one in use.');
    if (status !== 'open' && reason!.kind !== status)
      refuse('closeReason', `The deal is ${status}: choose a ${status === 'won' ? 'win' : 'loss'} reason.`);
  }
  if (status === 'open') return;
  const entering = !current || current.status !== status;
  if (!entering) return;
  let kept = named === undefined ? (current?.closeReason as string | null | undefined) : named;
  if (named === undefined && kept) {
    // A reason kept from an earlier outcome (a reopened deal now closing the other way) does not fit.
    const reason = isUuid(kept) ? await reasonOf(ctx, kept) : undefined;
    if (!reason || reason.kind !== (status as ReasonKind)) {
      draft.set('closeReason', null);
      kept = null;
    }
  }
  if (kept) return;
  const settings = await settingsOf(ctx);
  const required = status === 'won' ? settings.requireWonReason : settings.requireLostReason;
  if (required)
    refuse(
      'closeReason',
      `A ${status === 'won' ? 'win' : 'loss'} reason is required when a deal is marked ${status}.`,
    );
}

function statusOf(draft: Draft, current?: StoredRecord): Status {
  const status = (draft.values.status ?? current?.status ?? 'open') as string;
  return status === 'won' || status === 'lost' ? status : 'open';
}

/**
 * Forecast category and win/loss reasons as record hooks on deals: listed after the deal rules, so the stage has
 * already decided the status. Every write path (single, batch, import, workflow) runs them.
 */
export const winLossHooks: RecordHooks = {
  object: 'deals',
  beforeCreate: async (ctx, draft) => {
    const status = statusOf(draft);
    await applyForecastCategory(ctx, draft, status);
    await applyReason(ctx, draft, status);
  },
  beforeUpdate: async (ctx, draft, current) => {
    const touches = ['stage', 'status', 'forecastCategory', 'closeReason', 'owner'].some(
      (k) => k in draft.values,
    );
    if (!touches) return;
    const status = statusOf(draft, current);
    await applyForecastCategory(ctx, draft, status, current);
    await applyReason(ctx, draft, status, current);
  },
};
