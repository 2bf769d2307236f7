import type { ModuleManifest } from '../modules/manifest.ts';
import { assignmentRoutes } from './assignment.routes.ts';
import {
  REASSIGN_SWEEP_TASK,
  REASSIGN_TASK,
  reassignmentSubscriber,
  runReassignJob,
  sweepReassignments,
} from './assignment-reassign.ts';
import * as capacityTables from './capacity.migrations.ts';
import * as moneyTables from './currency.migrations.ts';
import * as customerSinceColumns from './customer-since.migrations.ts';
import { customerSinceSubscriber } from './customer-since.service.ts';
import * as dealHistoryTables from './deal-history.migrations.ts';
import { dealHistoryRoutes } from './deal-history.routes.ts';
import { dealHistorySubscriber } from './deal-history.service.ts';
import * as dealMoneyTables from './deal-money.migrations.ts';
import * as dealReportKeys from './deal-report-keys.migrations.ts';
import { dealHooks } from './deal-rules.ts';
import { dealTotals } from './deal-totals.ts';
import { insertDefaultPipeline } from './default-pipeline.ts';
import { exchangeRatesRoutes } from './exchange-rates.routes.ts';
import * as forecastTables from './forecast.migrations.ts';
import { forecastRoutes } from './forecast.routes.ts';
import { forecastCacheSubscriber } from './forecast-cache.ts';
import * as forecastNoticeTables from './forecast-notices.migrations.ts';
import * as forecastRowTables from './forecast-rows.migrations.ts';
import { FORECAST_ROWS_TASK, forecastRowsSubscriber, refreshForecastRows } from './forecast-rows.service.ts';
import * as forecastSpeedTables from './forecast-speed.migrations.ts';
import * as formTargetTables from './form-targets.migrations.ts';
import * as keysLedByWorkspace from './keys-led-by-workspace.migrations.ts';
import * as leadMailTables from './lead-mail.migrations.ts';
import { leadMailRoutes } from './lead-mail.routes.ts';
import { takeLeadMail } from './lead-mail.service.ts';
import { leadHooks } from './leads.hooks.ts';
import * as leadTables from './leads.migrations.ts';
import { leadsRoutes } from './leads.routes.ts';
import { convertedLeadTasksTimeline } from './leads.timeline.ts';
import { lineItemHooks } from './line-items.hooks.ts';
import { productsRoutes } from './products.routes.ts';
import { salesMetrics } from './sales.metrics.ts';
import { deals, forecastRows, pipelines, stages } from './sales.objects.ts';
import * as scoringTables from './scoring.migrations.ts';
import { scoringRoutes } from './scoring.routes.ts';
import {
  DECAY_TASK,
  decayLeadScores,
  RECOMPUTE_TASK,
  recomputeAllLeadScores,
  scoringHooks,
  scoringSubscriber,
} from './scoring-run.ts';
import { stageRowHooks } from './stage-rows.ts';
import * as territoryTables from './territories.migrations.ts';
import { leadFormTarget } from './web-forms.leads.ts';
import * as webFormTables from './web-forms.migrations.ts';
import { webFormPages, webFormsRoutes } from './web-forms.routes.ts';
import { FORM_SUBMITTED } from './web-forms.service.ts';
import { winLossHooks } from './win-loss.hooks.ts';
import { winLossRoutes } from './win-loss.routes.ts';

/** Sales: deals and the pipelines they move through, the rules that keep a deal and its stage consistent. */
export const salesModule: ModuleManifest = {
  key: 'sales',
  objects: [deals, pipelines, stages, forecastRows],
  routes: [
    leadsRoutes,
    assignmentRoutes,
    exchangeRatesRoutes,
    productsRoutes,
    dealHistoryRoutes,
    winLossRoutes,
    scoringRoutes,
    webFormsRoutes,
    forecastRoutes,
    leadMailRoutes,
  ],
  pages: [webFormPages],
  migrations: {
    'sales-0002-leads': leadTables,
    'sales-0003-money': moneyTables,
    'sales-0004-deal-history': dealHistoryTables,
    'sales-0005-web-forms': webFormTables,
    'sales-0006-scoring': scoringTables,
    'sales-0007-form-targets': formTargetTables,
    'sales-0008-forecast': forecastTables,
    'sales-0009-territories': territoryTables,
    'sales-0010-lead-capacity': capacityTables,
    'sales-0011-lead-mailboxes': leadMailTables,
    'sales-0012-forecast-notices': forecastNoticeTables,
    'sales-0013-forecast-speed': forecastSpeedTables,
    'sales-0014-keys-led-by-workspace': keysLedByWorkspace,
    'sales-0015-deal-money': dealMoneyTables,
    'sales-0016-deal-report-keys': dealReportKeys,
    'sales-0017-customer-since': customerSinceColumns,
    'sales-0018-forecast-rows': forecastRowTables,
  },
  permissions: [
    { action: 'sales.assignment.manage', roles: ['manager'] },
    { action: 'sales.rates.manage', roles: [] },
    { action: 'sales.products.manage', roles: [] },
    { action: 'sales.scoring.manage', roles: [] },
    { action: 'sales.reasons.manage', roles: [] },
    { action: 'sales.forms.manage', roles: [] },
    { action: 'sales.forecast.manage', roles: ['manager'] },
  ],
  hooks: [dealHooks, winLossHooks, stageRowHooks, leadHooks, lineItemHooks, scoringHooks],
  subscribers: [
    dealHistorySubscriber,
    scoringSubscriber,
    reassignmentSubscriber,
    forecastCacheSubscriber,
    customerSinceSubscriber,
    forecastRowsSubscriber,
  ],
  tasks: {
    /** Every lead of the workspace rescored after a rule change (queued in the change's transaction). */
    [RECOMPUTE_TASK]: (deps) => async (payload) => {
      await recomputeAllLeadScores(deps.db, payload as { workspaceId: string; version?: number });
    },
    /** Nightly: scores holding decaying activity points recomputed, a batch at a time. */
    /** The kept forecast (forecastRows) recomputed a minute after the first change since its last refresh. */
    [FORECAST_ROWS_TASK]: (deps) => async (payload) => {
      await refreshForecastRows(deps.db, payload as Parameters<typeof refreshForecastRows>[1]);
    },
    [DECAY_TASK]: (deps) => async (_payload, helpers) => {
      const leads = await decayLeadScores(deps.db);
      if (leads > 0) helpers.logger.info(`scoring: ${leads} lead scores decayed`);
    },
    /** A lead its owner left untouched past its rule's hours: given to the next member. */
    [REASSIGN_TASK]: (deps) => async (payload) => {
      await runReassignJob(deps.db, payload as Parameters<typeof runReassignJob>[1]);
    },
    /** Every minute: leads whose re-assignment job was lost. */
    [REASSIGN_SWEEP_TASK]: (deps) => async () => {
      await sweepReassignments(deps.db);
    },
  },
  longTasks: [RECOMPUTE_TASK, DECAY_TASK],
  crontab: [`30 2 * * * ${DECAY_TASK} ?max=1`, `* * * * * ${REASSIGN_SWEEP_TASK} ?max=1`],
  timelineSources: [convertedLeadTasksTimeline],
  seeds: [
    {
      name: 'default pipeline',
      run: async (trx, workspace) => {
        await insertDefaultPipeline(trx, workspace.id, workspace.defaultLocale, workspace.defaultCurrency);
      },
    },
  ],
  aggregateShortcuts: [dealTotals],
  formTargets: [leadFormTarget],
  mailIntakes: [{ name: 'sales-leads', take: takeLeadMail }],
  moduleEvents: [
    {
      key: FORM_SUBMITTED,
      object: '*',
      payload: ['formId', 'formName', 'submissionId', 'utmMedium', 'utmCampaign'],
    },
  ],
  reportMetrics: salesMetrics,
  readSurfaces: ['deal-history', 'lead-score', 'web-form-submissions', 'lead-web-form', 'forecast'],
};
