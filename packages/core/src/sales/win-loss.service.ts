import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import {
  deleteReasonRow,
  insertReason,
  lockReason,
  nextReasonPosition,
  type ReasonKind,
  type ReasonLabel,
  type ReasonRow,
  reasonInUse,
  type SalesSettingsRow,
  selectReasons,
  selectSalesSettings,
  updateReasonRow,
  upsertSalesSettings,
} from './win-loss.repository.ts';

export type ReasonView = ReasonRow;
export interface ReasonInput {
  kind: ReasonKind;
  label: { en?: string | undefined; ar?: string | undefined; fa?: string | undefined };
}
export interface ReasonPatch {
  label?: ReasonInput['label'] | undefined;
  position?: number | undefined;
  archived?: boolean | undefined;
}

const MANAGE = 'sales.reasons.manage';

function assertManager(ctx: ServiceContext): void {
  if (!can(ctx.principal, MANAGE))
    throw new AppError('forbidden', `Your role may not manage win and loss reasons (${MANAGE}).`);
}

function checkLabel(label: ReasonInput['label']): ReasonLabel {
  const out: ReasonLabel = {};
  for (const lang of ['en', 'ar', 'fa'] as const) {
    const v = label[lang]?.trim();
    if (v) out[lang] = v;
  }
  if (Object.keys(out).length === 0)
    throw new AppError('validation_failed', 'Label the reason in at least one language.', {
      errors: [{ field: 'label', message: 'Label the reason in at least one language.' }],
    });
  return out;
}

const notFound = (id: string) => new AppError('not_found', `There is no win or loss reason ${id}.`);

/** The workspace's win and loss reasons in order (any member may read them, to choose one). */
export async function listReasons(
  ctx: ServiceContext,
  options: { includeArchived?: boolean | undefined } = {},
): Promise<ReasonView[]> {
  return inWorkspace(ctx, (trx, workspaceId) =>
    selectReasons(trx, workspaceId, { includeArchived: options.includeArchived ?? false }),
  );
}

/** Adds a reason at the end of its kind's list. */
export async function createReason(ctx: ServiceContext, input: ReasonInput): Promise<ReasonView> {
  assertManager(ctx);
  const label = checkLabel(input.label);
  return inWorkspace(ctx, async (trx, workspaceId) =>
    insertReason(trx, workspaceId, {
      id: newId(),
      kind: input.kind,
      label,
      position: await nextReasonPosition(trx, workspaceId, input.kind),
    }),
  );
}

/** Relabels, reorders, archives or brings back a reason. */
export async function updateReason(ctx: ServiceContext, id: string, patch: ReasonPatch): Promise<ReasonView> {
  assertManager(ctx);
  const label = patch.label ? checkLabel(patch.label) : undefined;
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const row = await updateReasonRow(trx, workspaceId, id, {
      label,
      position: patch.position,
      archived: patch.archived,
    });
    if (!row) throw notFound(id);
    return row;
  });
}

/** Deletes a reason no deal names; one in use can only be archived (409). */
export async function deleteReason(ctx: ServiceContext, id: string): Promise<void> {
  assertManager(ctx);
  await inWorkspace(ctx, async (trx, workspaceId) => {
    if (!(await lockReason(trx, workspaceId, id))) throw notFound(id);
    if (await reasonInUse(trx, workspaceId, id))
      throw new AppError('conflict', 'Deals name this reason: archive it instead of deleting it.');
    await deleteReasonRow(trx, workspaceId, id);
  });
}

/** Whether a reason is required when a deal is marked won, and when lost. */
export async function getSalesSettings(ctx: ServiceContext): Promise<SalesSettingsRow> {
  return inWorkspace(ctx, (trx, workspaceId) => selectSalesSettings(trx, workspaceId));
}

export async function updateSalesSettings(
  ctx: ServiceContext,
  patch: Partial<SalesSettingsRow>,
): Promise<SalesSettingsRow> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const current = await selectSalesSettings(trx, workspaceId);
    const next = {
      requireWonReason: patch.requireWonReason ?? current.requireWonReason,
      requireLostReason: patch.requireLostReason ?? current.requireLostReason,
    };
    await upsertSalesSettings(trx, workspaceId, next);
    return next;
  });
}
