import type { Database } from '@rabita/db';
import type { ServiceContext } from '../context.ts';
import type { ReportDefinition } from './report-definition.ts';
import { type ReportResult, runReport } from './run-report.ts';

/** Report runs in flight in this process, per database handle, by who runs them and what. */
const inFlight = new WeakMap<Database, Map<string, Promise<ReportResult>>>();

/**
 * Runs a report as `runReport` does, except that an identical run already in flight in this process — the same
 * definition, by the same caller (workspace, person or key, role with its rights) on the same database handle — is
 * joined instead of run again. A dashboard's widgets are asked for together, and two of them often ask the same
 * question (deals by status as a chart and as a table): one statement then answers both. The caller who joins gets
 * an answer read at most one run's length before its own would have been; nothing is kept once the run ends.
 */
export function runReportOnce(ctx: ServiceContext, def: ReportDefinition): Promise<ReportResult> {
  let runs = inFlight.get(ctx.db);
  if (!runs) {
    runs = new Map();
    inFlight.set(ctx.db, runs);
  }
  const p = ctx.principal;
  const key = JSON.stringify([p.workspaceId, p.kind, p.userId, p.apiKeyId, p.role, def]);
  const running = runs.get(key);
  if (running) return running;
  const run = runReport(ctx, def).finally(() => runs.delete(key));
  runs.set(key, run);
  return run;
}
