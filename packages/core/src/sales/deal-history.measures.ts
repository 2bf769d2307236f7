import type { Tx } from '@rabita/db';
import {
  applySlipsQuery,
  applyTotalsQuery,
  closeVisitsQuery,
  type HistoryInsert,
  insertHistoryQuery,
  type MeasuresWrite,
  openVisitsQuery,
  type SlipDelta,
  selectDealMeasures,
  type TotalsDelta,
  upsertMeasuresQuery,
  writeTogether,
} from './deal-history.repository.ts';

// What a deal write does to the measures stage statistics read (deal_measures, deal_stage_reach and the totals),
// worked out from the deals' state before and after it, and written with its history rows.

const DAY_MS = 86_400_000;
const negate = (decimal: string) => (decimal.startsWith('-') ? decimal.slice(1) : `-${decimal}`);

/** What a write does to the measures statistics read: the statements' inputs, computed from the deals' states. */
function measuresOf(deals: Awaited<ReturnType<typeof selectDealMeasures>>) {
  const deltas: TotalsDelta[] = [];
  const closing: { dealId: string; stageId: string; enteredAt: string }[] = [];
  const opening: { dealId: string; stageId: string; pipelineId: string | null }[] = [];
  const measures: MeasuresWrite[] = [];
  const slips: SlipDelta[] = [];
  for (const now of deals) {
    const { before, reach } = now;
    const moved = !before || before.stage_id !== now.stage_id;
    // Taken away under the old key: every stage the deal reached, with its ended visits.
    if (before?.live)
      for (const r of reach)
        if (r.pipeline_id)
          deltas.push({
            pipelineId: r.pipeline_id,
            stageId: r.stage_id,
            ownerId: before.owner_id,
            status: before.status,
            reached: -1,
            completed: -r.completed,
            seconds: negate(r.seconds),
          });
    // Added under the new key: the same stages, the visit that ends now, the stage entered now.
    if (now.live) {
      for (const r of reach)
        if (r.pipeline_id)
          deltas.push({
            pipelineId: r.pipeline_id,
            stageId: r.stage_id,
            ownerId: now.owner_id,
            status: now.status,
            reached: 1,
            completed: r.completed,
            seconds: r.seconds,
          });
      const left =
        before && moved && before.stage_id ? reach.find((r) => r.stage_id === before.stage_id) : undefined;
      if (left?.pipeline_id && before?.open_seconds)
        deltas.push({
          pipelineId: left.pipeline_id,
          stageId: left.stage_id,
          ownerId: now.owner_id,
          status: now.status,
          reached: 0,
          completed: 1,
          seconds: before.open_seconds,
        });
      if (moved && now.stage_id && now.pipeline_id && !reach.some((r) => r.stage_id === now.stage_id))
        deltas.push({
          pipelineId: now.pipeline_id,
          stageId: now.stage_id,
          ownerId: now.owner_id,
          status: now.status,
          reached: 1,
          completed: 0,
          seconds: '0',
        });
    }
    if (moved && before?.stage_id && before.entered_at)
      closing.push({ dealId: now.deal_id, stageId: before.stage_id, enteredAt: before.entered_at });
    if (moved && now.stage_id)
      opening.push({ dealId: now.deal_id, stageId: now.stage_id, pipelineId: now.pipeline_id });
    const slipped =
      before?.close_date && now.close_date && now.close_date > before.close_date
        ? Math.round((Date.parse(now.close_date) - Date.parse(before.close_date)) / DAY_MS)
        : 0;
    const pushes = (before?.pushes ?? 0) + (slipped > 0 ? 1 : 0);
    const slipDays = (before?.slip_days ?? 0) + slipped;
    // The slip totals: the deal taken away under its old pipeline and owner, added under its new ones.
    if (before?.live && before.pushes > 0 && before.pipeline_id)
      slips.push({
        pipelineId: before.pipeline_id,
        ownerId: before.owner_id,
        deals: -1,
        pushes: -before.pushes,
        days: -before.slip_days,
      });
    if (now.live && pushes > 0 && now.pipeline_id)
      slips.push({ pipelineId: now.pipeline_id, ownerId: now.owner_id, deals: 1, pushes, days: slipDays });
    measures.push({
      deal_id: now.deal_id,
      pipeline_id: now.pipeline_id,
      stage_id: now.stage_id,
      owner_id: now.owner_id,
      status: now.status,
      close_date: now.close_date,
      live: now.live,
      enteredAt: moved ? null : (before?.entered_at ?? null),
      keepEntered: !moved,
      pushes,
      slipDays,
    });
  }
  return { deltas, closing, opening, measures, slips };
}

/**
 * Appends a write's history rows and brings the measures statistics read up to date for the deals it changed, in
 * two statements whatever the number of deals (a read, then every write as one statement): each deal's
 * contribution to the stage totals under its old owner and status is taken away and its new one added (netted per
 * key, in key order), the visit to the stage it left ends, the one to the stage it entered starts, and a later close
 * date counts as a slip. A deleted deal contributes nothing; restored, it does again.
 */
export async function recordDealChanges(
  trx: Tx,
  workspaceId: string,
  history: readonly HistoryInsert[],
  dealIds: readonly string[],
): Promise<void> {
  const ids = [...new Set(dealIds)].sort();
  const read = ids.length > 0 ? await selectDealMeasures(trx, workspaceId, ids) : [];
  const { deltas, closing, opening, measures, slips } = measuresOf(read);
  // One time for every statement below (see WriteTime).
  const at = read[0]?.at;
  await writeTogether(trx, [
    insertHistoryQuery(workspaceId, history, at),
    applyTotalsQuery(workspaceId, deltas),
    applySlipsQuery(workspaceId, slips),
    closeVisitsQuery(workspaceId, closing, at),
    openVisitsQuery(workspaceId, opening),
    upsertMeasuresQuery(workspaceId, measures, at),
  ]);
}
