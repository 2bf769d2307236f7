import type { Database, Tx } from '@rabita/db';
import { servicePrincipal } from '../auth/principal.ts';
import { inWorkspace } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { scheduleJob } from '../jobs/jobs.service.ts';
import type { EventSubscriber } from '../modules/manifest.ts';
import { periodOf } from './fiscal-periods.ts';
import { forecastNumbers } from './forecast.numbers.ts';
import { settingsIn } from './forecast.service.ts';
import {
  type ForecastRowInsert,
  forecastRowsDirty,
  markForecastRowsDirty,
  replaceForecastRows,
  salesChangedSince,
  selectQuotaPeriods,
  takeForecastRowsMark,
} from './forecast-rows.repository.ts';

// The forecast kept as records (`forecastRows`, sales-0018): what the forecast screen computes, per fiscal period
// with quotas and the current quarter, so forecast against quota is a report over them like any other.

export const FORECAST_ROWS_TASK = 'rabita:sales-forecast-rows';
const NIL = '00000000-0000-0000-0000-000000000000';
/** Deal fields a forecast number depends on. */
const FORECAST_FIELDS = [
  'amount',
  'status',
  'stage',
  'pipeline',
  'owner',
  'expectedCloseDate',
  'forecastCategory',
  'probability',
];
/** A write committing after the refresh took its mark may have started this long before it (its `updated_at`). */
const WRITE_MARGIN_MS = 2 * 60_000;
const READ = { read: true, create: false, update: false, delete: false };
/** The forecast is computed as an admin would see it: every deal; the roles' rules apply when its rows are read. */
const FORECASTER = {
  id: NIL,
  key: 'forecast',
  name: 'Forecast',
  permissions: { actions: [], objects: { deals: READ, stages: READ, pipelines: READ } },
};

/**
 * Marks the workspace's kept forecast due a refresh, and queues the refresh a minute after the first change since
 * the last one (a workspace already marked costs one read): quotas, settings and deal or stage writes call it.
 */
export async function forecastRowsChanged(trx: Tx, workspaceId: string): Promise<void> {
  if (await forecastRowsDirty(trx, workspaceId)) return;
  const due = await markForecastRowsDirty(trx, workspaceId);
  if (!due) return;
  await scheduleJob(trx, {
    task: FORECAST_ROWS_TASK,
    key: 'sales:forecast-rows',
    runAt: due,
    payload: { workspaceId },
  });
}

/** Deal and stage writes that move a forecast number mark the kept forecast, in the writing transaction. */
export const forecastRowsSubscriber: EventSubscriber = {
  name: 'sales: forecast rows',
  phase: 'transaction',
  objects: ['deals', 'stages'],
  async handle(ctx, events) {
    if (!ctx.trx) return;
    const moves = events.some(
      (e) => e.kind !== 'updated' || e.object === 'stages' || FORECAST_FIELDS.some((k) => k in e.changes),
    );
    if (moves) await forecastRowsChanged(ctx.trx, ctx.workspaceId);
  },
};

const lastDay = (end: string) =>
  new Date(Date.parse(`${end}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/**
 * Recomputes the workspace's kept forecast: every period with a quota and the current fiscal quarter, a row per
 * person, team and the total, as `forecastNumbers` gives them. The mark is taken first, so a change during the
 * refresh marks it again; a write that had read the mark before it was taken is caught by its `updated_at`.
 */
export async function refreshForecastRows(db: Database, payload: { workspaceId: string }): Promise<void> {
  const { workspaceId } = payload;
  const ctx = { db, principal: servicePrincipal(workspaceId, FORECASTER) };
  const taken = new Date();
  const periods = await inWorkspace(ctx, async (trx) => {
    await takeForecastRowsMark(trx, workspaceId);
    const settings = await settingsIn(trx, workspaceId);
    const current = periodOf(settings, 'quarter', taken.toISOString().slice(0, 10))?.key;
    return [...new Set([...(current ? [current] : []), ...(await selectQuotaPeriods(trx, workspaceId))])];
  });
  const rows: ForecastRowInsert[] = [];
  for (const key of periods) {
    // A quota's period the workspace's calendar no longer names (settings changed since) is left out.
    const view = await forecastNumbers(ctx, { period: key }).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'validation_failed') return undefined;
      throw error;
    });
    if (!view) continue;
    for (const r of view.rows)
      rows.push({
        period: view.period.key,
        periodKind: view.period.kind,
        periodStart: view.period.start,
        periodEnd: lastDay(view.period.end),
        kind: r.kind,
        subjectId: r.kind === 'total' ? NIL : r.id,
        ownerId: r.kind === 'user' ? r.id : null,
        name: r.name,
        quota: r.quota,
        closedWon: r.closedWon,
        commit: r.commit,
        bestCase: r.bestCase,
        pipeline: r.pipeline,
        weightedPipeline: r.weightedPipeline,
        deals: r.deals,
      });
  }
  await inWorkspace(ctx, async (trx) => {
    await replaceForecastRows(trx, workspaceId, rows);
    if (await salesChangedSince(trx, workspaceId, new Date(taken.getTime() - WRITE_MARGIN_MS)))
      await forecastRowsChanged(trx, workspaceId);
  });
}
