// Report exports in the background: a PDF rendered by the server's browser from the report's print view (or a
// spreadsheet), as a job of the queue, kept for a short time for the person who asked, then removed by a job.
import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { principalForMember } from '../auth/members.service.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { scheduleJob } from '../jobs/jobs.service.ts';
import { getDashboard } from './dashboards.service.ts';
import {
  claimExportRow,
  countPendingExports,
  deleteExportRow,
  type ExportFormat,
  type ExportRow,
  findExportRow,
  finishExportRow,
  insertExportRow,
  selectExportFile,
  setExportExpiry,
} from './export.repository.ts';
import { issuePrintToken } from './pdf-print.ts';
import { renderPrintView } from './pdf-render.ts';
import { exportSavedReport, getSavedReport } from './saved-reports.service.ts';

export const EXPORT_TASK = 'rabita:report-export';
export const EXPORT_EXPIRE_TASK = 'rabita:report-export-expire';
/** A finished file is kept this long after it is written. */
export const EXPORT_KEEP_MS = 30 * 60_000;
/** An export that never ran is removed after this long. */
const UNRUN_KEEP_MS = 24 * 3_600_000;
/** Exports one person may have waiting or running at once. */
const MAX_PENDING = 5;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const PDF_TYPE = 'application/pdf';

/** An export as the API shows it: of a saved report, or of a dashboard (as a PDF). */
export interface ExportView {
  id: string;
  reportId: string | null;
  dashboardId: string | null;
  format: ExportFormat;
  status: ExportRow['status'];
  error: string | null;
  /** Where the file is fetched from once it is done. */
  download: string | null;
  size: number | null;
  createdAt: string;
  finishedAt: string | null;
  expiresAt: string;
}

function present(row: ExportRow): ExportView {
  const owner = row.dashboardId ? `dashboards/${row.dashboardId}` : `reports/${row.reportId}`;
  return {
    id: row.id,
    reportId: row.reportId,
    dashboardId: row.dashboardId,
    format: row.format,
    status: row.status,
    error: row.error,
    download: row.status === 'done' ? `/api/v1/${owner}/exports/${row.id}/file` : null,
    size: row.size,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt.toISOString(),
  };
}

/** Queues an export of a saved report the caller may run, as them; its id is the job's handle. */
export async function requestReportExport(
  ctx: ServiceContext,
  reportId: string,
  format: ExportFormat,
): Promise<ExportView> {
  const userId = ctx.principal.userId;
  if (!userId) throw new AppError('forbidden', 'Exports are made for people; an API key has none.');
  // Same rights as running it: a report the caller may not see is 404 here.
  await getSavedReport(ctx, reportId);
  return queueExport(ctx, userId, { reportId }, format);
}

/**
 * Queues a PDF of a dashboard the caller may open, as them (each widget as their role allows, as on screen). A
 * role's built-in home has no id of its own to print: export a saved dashboard.
 */
export async function requestDashboardExport(
  ctx: ServiceContext,
  dashboardId: string,
  format: ExportFormat,
): Promise<ExportView> {
  const userId = ctx.principal.userId;
  if (!userId) throw new AppError('forbidden', 'Exports are made for people; an API key has none.');
  if (dashboardId === 'home')
    throw new AppError('validation_failed', 'A built-in home dashboard cannot be exported; save it first.');
  if (format !== 'pdf') throw new AppError('validation_failed', 'A dashboard exports as PDF only.');
  await getDashboard(ctx, dashboardId);
  return queueExport(ctx, userId, { dashboardId: dashboardId.toLowerCase() }, format);
}

/** Stores a queued export and queues its job and its removal, in one transaction; at most a few per person. */
async function queueExport(
  ctx: ServiceContext,
  userId: string,
  target: { reportId: string } | { dashboardId: string },
  format: ExportFormat,
): Promise<ExportView> {
  const id = newId();
  return inWorkspace(ctx, async (trx, workspaceId) => {
    if ((await countPendingExports(trx, workspaceId, userId)) >= MAX_PENDING)
      throw new AppError(
        'rate_limited',
        `You have ${MAX_PENDING} exports waiting already; wait for one to finish.`,
      );
    const expiresAt = new Date(Date.now() + UNRUN_KEEP_MS);
    await insertExportRow(trx, workspaceId, { id, ...target, userId, format, expiresAt });
    await scheduleJob(trx, {
      task: EXPORT_TASK,
      key: `report-export:${id}`,
      payload: { exportId: id },
      maxAttempts: 1,
    });
    await scheduleJob(trx, {
      task: EXPORT_EXPIRE_TASK,
      key: `report-export-expire:${id}`,
      runAt: expiresAt,
      payload: { exportId: id },
    });
    return present((await findExportRow(trx, workspaceId, { id }))!);
  });
}

/** One of the caller's exports of the report (404 for anyone else's). */
export function getReportExport(ctx: ServiceContext, reportId: string, id: string): Promise<ExportView> {
  return getExport(ctx, { reportId }, id);
}

/** One of the caller's exports of the dashboard (404 for anyone else's). */
export function getDashboardExport(
  ctx: ServiceContext,
  dashboardId: string,
  id: string,
): Promise<ExportView> {
  return getExport(ctx, { dashboardId }, id);
}

async function getExport(
  ctx: ServiceContext,
  target: { reportId: string } | { dashboardId: string },
  id: string,
): Promise<ExportView> {
  const of = 'reportId' in target ? target.reportId : target.dashboardId;
  if (!UUID.test(of) || !UUID.test(id) || !ctx.principal.userId)
    throw new AppError('not_found', `There is no export ${id.slice(0, 64)}.`);
  const row = await inWorkspace(ctx, (trx, ws) =>
    findExportRow(trx, ws, { id, ...target, userId: ctx.principal.userId! }),
  );
  if (!row) throw new AppError('not_found', `There is no export ${id}.`);
  return present(row);
}

/** The file of one of the caller's finished exports of a report (404 until it is done, and once it has expired). */
export function reportExportFile(
  ctx: ServiceContext,
  reportId: string,
  id: string,
): Promise<{ file: Buffer; filename: string; contentType: string }> {
  return exportFile(ctx, getReportExport(ctx, reportId, id));
}

/** The file of one of the caller's finished exports of a dashboard (as for a report's). */
export function dashboardExportFile(
  ctx: ServiceContext,
  dashboardId: string,
  id: string,
): Promise<{ file: Buffer; filename: string; contentType: string }> {
  return exportFile(ctx, getDashboardExport(ctx, dashboardId, id));
}

async function exportFile(
  ctx: ServiceContext,
  found: Promise<ExportView>,
): Promise<{ file: Buffer; filename: string; contentType: string }> {
  const view = await found;
  const file = await inWorkspace(ctx, (trx, ws) => selectExportFile(trx, ws, view.id));
  if (!file)
    throw new AppError(
      'not_found',
      view.status === 'done' ? 'The export has expired.' : `The export is ${view.status}, not done yet.`,
    );
  return file;
}

/** What running an export needs from the process: the database, where the web app is served, the browser. */
export interface ExportDeps {
  db: Database;
  /** Where the server's browser opens the print view (RABITA_PUBLIC_URL). */
  baseUrl: string | undefined;
  chromiumPath?: string | undefined;
}

/**
 * A saved report rendered as a person, as a PDF (the print view in the server's browser, with a single-use token
 * that opens only this report as them) or a spreadsheet; with `pictureOf`, also a PNG of that part of the page.
 */
export async function renderReportAs(
  deps: ExportDeps,
  ctx: ServiceContext,
  reportId: string,
  format: ExportFormat,
  options: { picture?: boolean } = {},
): Promise<{ file: Buffer; filename: string; contentType: string; picture: Buffer | null }> {
  const userId = ctx.principal.userId!;
  let picture: Buffer | null = null;
  let pdf: Buffer | null = null;
  if (format === 'pdf' || options.picture) {
    // Checked here so a report the person may no longer run fails with its reason, not as a blank page.
    await getSavedReport(ctx, reportId);
    if (!deps.baseUrl) throw new AppError('validation_failed', 'RABITA_PUBLIC_URL is needed to render PDFs.');
    const { token, revoke } = await issuePrintToken(deps.db, {
      workspaceId: ctx.principal.workspaceId,
      userId,
      target: 'report',
      targetId: reportId,
    });
    try {
      const out = await renderPrintView({
        baseUrl: deps.baseUrl,
        path: `/print/reports/${reportId}`,
        token,
        pictureOf: options.picture ? '[data-print-chart] [data-testid="report-chart"]' : undefined,
        pdf: format === 'pdf',
        chromiumPath: deps.chromiumPath,
      });
      pdf = out.pdf;
      picture = out.picture;
    } finally {
      await revoke();
    }
  }
  if (format === 'pdf')
    return { file: pdf!, filename: `report-${reportId}.pdf`, contentType: PDF_TYPE, picture };
  const sheet = await exportSavedReport(ctx, reportId, format);
  return {
    file: typeof sheet.body === 'string' ? Buffer.from(sheet.body, 'utf8') : sheet.body,
    filename: sheet.filename,
    contentType: sheet.type,
    picture,
  };
}

/**
 * A dashboard rendered as a person, as a PDF: its print view (`/print/dashboards/<id>`, landscape) in the server's
 * browser with a single-use token that opens only this dashboard as them; each widget as their role allows.
 */
export async function renderDashboardAs(
  deps: ExportDeps,
  ctx: ServiceContext,
  dashboardId: string,
): Promise<{ file: Buffer; filename: string; contentType: string }> {
  // Checked here so a dashboard the person may no longer open fails with its reason, not as a blank page.
  await getDashboard(ctx, dashboardId);
  if (!deps.baseUrl) throw new AppError('validation_failed', 'RABITA_PUBLIC_URL is needed to render PDFs.');
  const { token, revoke } = await issuePrintToken(deps.db, {
    workspaceId: ctx.principal.workspaceId,
    userId: ctx.principal.userId!,
    target: 'dashboard',
    targetId: dashboardId,
  });
  try {
    const out = await renderPrintView({
      baseUrl: deps.baseUrl,
      path: `/print/dashboards/${dashboardId}`,
      token,
      landscape: true,
      chromiumPath: deps.chromiumPath,
    });
    return { file: out.pdf!, filename: `dashboard-${dashboardId}.pdf`, contentType: PDF_TYPE };
  } finally {
    await revoke();
  }
}

/**
 * The export job: takes the export, renders it as the person who asked (their role now), stores the file and
 * moves its removal to a short time from now. Any failure is the export's outcome (one attempt: a render that
 * failed once is not tried again behind the person's back).
 */
export async function runReportExport(
  deps: ExportDeps,
  payload: { workspaceId: string; exportId: string },
): Promise<void> {
  const { workspaceId, exportId } = payload;
  if (!UUID.test(String(exportId))) return;
  const row = await withWorkspace(deps.db, workspaceId, (trx) => claimExportRow(trx, workspaceId, exportId));
  if (!row) return;
  try {
    const principal = await principalForMember(deps.db, row.userId, workspaceId);
    if (!principal) throw new AppError('forbidden', 'You are no longer a member of this workspace.');
    const ctx: ServiceContext = { db: deps.db, principal };
    const out = row.dashboardId
      ? await renderDashboardAs(deps, ctx, row.dashboardId)
      : await renderReportAs(deps, ctx, row.reportId!, row.format);
    await withWorkspace(deps.db, workspaceId, async (trx) => {
      await finishExportRow(trx, workspaceId, exportId, {
        status: 'done',
        file: out.file,
        filename: out.filename,
        contentType: out.contentType,
      });
      await keepUntil(trx, workspaceId, exportId, new Date(Date.now() + EXPORT_KEEP_MS));
    });
  } catch (error) {
    await withWorkspace(deps.db, workspaceId, async (trx) => {
      await finishExportRow(trx, workspaceId, exportId, {
        status: 'failed',
        error: (error as Error).message ?? String(error),
      });
      await keepUntil(trx, workspaceId, exportId, new Date(Date.now() + EXPORT_KEEP_MS));
    });
  }
}

async function keepUntil(trx: Tx, workspaceId: string, exportId: string, at: Date): Promise<void> {
  await setExportExpiry(trx, workspaceId, exportId, at);
  await scheduleJob(trx, {
    task: EXPORT_EXPIRE_TASK,
    key: `report-export-expire:${exportId}`,
    runAt: at,
    payload: { exportId },
  });
}

/** The removal job: an export's time is up, its row and file go. */
export async function expireReportExport(
  db: Database,
  payload: { workspaceId: string; exportId: string },
): Promise<void> {
  if (!UUID.test(String(payload.exportId))) return;
  await withWorkspace(db, payload.workspaceId, (trx) =>
    deleteExportRow(trx, payload.workspaceId, payload.exportId),
  );
}
