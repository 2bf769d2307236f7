import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { getUser } from '../users/users.service.ts';
import { reportCsv, reportXlsx } from './report-csv.ts';
import { type ReportDefinition, reportDefinitionSchema } from './report-definition.ts';
import { checkReport, type ReportResult, runReport } from './run-report.ts';
import {
  deleteReportRow,
  findReportRow,
  insertReportRow,
  listReportRows,
  lockReportRow,
  replaceShares,
  type SavedReportRow,
  type Share,
  sharesOf,
  updateReportRow,
} from './saved-reports.repository.ts';
import { audienceOf, checkShares, nameCursorOf, nextCursorOf } from './sharing.ts';

/** A saved report as the API shows it. */
export interface SavedReportView {
  id: string;
  name: string;
  description: string | null;
  ownerId: string | null;
  definition: ReportDefinition;
  shares: Share[];
  /** True when the caller may change or delete it (its owner, or `reports.manage`). */
  editable: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface SavedReportInput {
  name: string;
  description?: string | null | undefined;
  definition: ReportDefinition;
  shares?: Share[] | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function present(ctx: ServiceContext, row: SavedReportRow, shares: Share[]): SavedReportView {
  // A definition saved by an older version still reads: unknown parts are dropped rather than failing the list.
  const parsed = reportDefinitionSchema.safeParse(row.definition);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    ownerId: row.ownerId,
    definition: parsed.success ? parsed.data : (row.definition as ReportDefinition),
    shares,
    editable: row.ownerId === ctx.principal.userId || can(ctx.principal, 'reports.manage'),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function person(ctx: ServiceContext): string {
  if (!ctx.principal.userId)
    throw new AppError('forbidden', 'Saved reports belong to people; an API key has none.');
  return ctx.principal.userId;
}

/** The saved reports the caller may run: their own and those shared with them, their teams or their role. */
export async function listSavedReports(
  ctx: ServiceContext,
  options: { after?: string | undefined; limit?: number | undefined } = {},
): Promise<{ data: SavedReportView[]; nextCursor: string | null }> {
  const who = await audienceOf(ctx);
  const limit = Math.min(options.limit ?? 100, 200);
  const after = options.after ? nameCursorOf(options.after) : undefined;
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const rows = await listReportRows(trx, workspaceId, who, { everything: false, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const shares = await sharesOf(
      trx,
      workspaceId,
      page.map((r) => r.id),
    );
    return {
      data: page.map((r) => present(ctx, r, shares.get(r.id) ?? [])),
      nextCursor: nextCursorOf(rows, page, limit),
    };
  });
}

/** One saved report the caller may run (404 otherwise). */
export async function getSavedReport(ctx: ServiceContext, id: string): Promise<SavedReportView> {
  if (!UUID.test(id)) throw new AppError('not_found', `There is no report ${id.slice(0, 64)}.`);
  const who = await audienceOf(ctx);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    // Admins (`reports.manage`) reach every report, to change or remove it.
    const row = await findReportRow(trx, workspaceId, id, who, can(ctx.principal, 'reports.manage'));
    if (!row) throw new AppError('not_found', `There is no report ${id}.`);
    const shares = await sharesOf(trx, workspaceId, [id]);
    return present(ctx, row, shares.get(id) ?? []);
  });
}

/** Saves a report the caller can run now (its fields and object checked against their role), with its shares. */
export async function createSavedReport(
  ctx: ServiceContext,
  input: SavedReportInput,
): Promise<SavedReportView> {
  const ownerId = person(ctx);
  await checkReport(ctx, input.definition);
  const shares = await checkShares(ctx, input.shares ?? []);
  const id = newId();
  await inWorkspace(ctx, async (trx, workspaceId) => {
    await insertReportRow(trx, workspaceId, {
      id,
      name: input.name,
      description: input.description ?? null,
      ownerId,
      definition: input.definition,
    });
    await replaceShares(trx, workspaceId, id, shares);
  });
  return getSavedReport(ctx, id);
}

/** Changes a report's name, description, definition or shares (its owner, or `reports.manage`). */
export async function updateSavedReport(
  ctx: ServiceContext,
  id: string,
  patch: Partial<SavedReportInput>,
): Promise<SavedReportView> {
  person(ctx);
  if (!UUID.test(id)) throw new AppError('not_found', `There is no report ${id.slice(0, 64)}.`);
  await getSavedReport(ctx, id);
  if (patch.definition) await checkReport(ctx, patch.definition);
  const shares = patch.shares ? await checkShares(ctx, patch.shares) : undefined;
  await inWorkspace(ctx, async (trx, workspaceId) => {
    const row = await lockReportRow(trx, workspaceId, id);
    if (!row) throw new AppError('not_found', `There is no report ${id}.`);
    if (row.ownerId !== ctx.principal.userId && !can(ctx.principal, 'reports.manage'))
      throw new AppError('forbidden', 'Only its owner or an admin may change a report.');
    await updateReportRow(trx, workspaceId, id, patch);
    if (shares) await replaceShares(trx, workspaceId, id, shares);
  });
  return getSavedReport(ctx, id);
}

/** Removes a report (its owner, or `reports.manage`). */
export async function deleteSavedReport(ctx: ServiceContext, id: string): Promise<void> {
  person(ctx);
  await getSavedReport(ctx, id);
  await inWorkspace(ctx, async (trx, workspaceId) => {
    const row = await lockReportRow(trx, workspaceId, id);
    if (!row) throw new AppError('not_found', `There is no report ${id}.`);
    if (row.ownerId !== ctx.principal.userId && !can(ctx.principal, 'reports.manage'))
      throw new AppError('forbidden', 'Only its owner or an admin may delete a report.');
    await deleteReportRow(trx, workspaceId, id);
  });
}

/**
 * Runs a saved report as the caller — their role's rules at run time, never the owner's: a viewer who may not read
 * the object gets 403, one from whom a field it uses is hidden gets 400, "own records only" counts only theirs.
 * A range, calendar or time zone given here replaces the saved one for this run.
 */
export async function runSavedReport(
  ctx: ServiceContext,
  id: string,
  overrides: Pick<ReportDefinition, 'range' | 'calendar' | 'timeZone' | 'filter'> = {},
): Promise<{ report: SavedReportView; result: ReportResult }> {
  const report = await getSavedReport(ctx, id);
  const parsed = reportDefinitionSchema.safeParse(report.definition);
  if (!parsed.success)
    throw new AppError('validation_failed', 'The saved definition no longer reads; save it again.');
  const def: ReportDefinition = { ...parsed.data };
  if (overrides.range) def.range = overrides.range;
  if (overrides.calendar) def.calendar = overrides.calendar;
  if (overrides.timeZone) def.timeZone = overrides.timeZone;
  // A run-time filter narrows the saved one (both apply).
  if (overrides.filter !== undefined && overrides.filter !== null)
    def.filter =
      def.filter === undefined || def.filter === null
        ? overrides.filter
        : { and: [def.filter, overrides.filter] };
  return { report, result: await runReport(ctx, def) };
}

/**
 * A saved report run as the caller and written as CSV or XLSX (right to left for a reader whose language is Arabic
 * or Persian). Same rights as running it.
 */
export async function exportSavedReport(
  ctx: ServiceContext,
  id: string,
  format: 'csv' | 'xlsx',
): Promise<{ filename: string; type: string; body: string | Buffer }> {
  const { report, result } = await runSavedReport(ctx, id);
  if (format === 'csv')
    return { filename: `report-${report.id}.csv`, type: 'text/csv; charset=utf-8', body: reportCsv(result) };
  const locale = ctx.principal.userId ? (await getUser(ctx.db, ctx.principal.userId)).locale : 'en';
  return {
    filename: `report-${report.id}.xlsx`,
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    body: await reportXlsx(result, report.name, locale === 'ar' || locale === 'fa'),
  };
}
