import type { ModuleManifest } from '../modules/manifest.ts';
import { assignmentRoutes } from './assignment.routes.ts';
import * as moneyTables from './currency.migrations.ts';
import { dealHooks } from './deal-rules.ts';
import { dealTotals } from './deal-totals.ts';
import { insertDefaultPipeline } from './default-pipeline.ts';
import { exchangeRatesRoutes } from './exchange-rates.routes.ts';
import { leadHooks } from './leads.hooks.ts';
import * as leadTables from './leads.migrations.ts';
import { leadsRoutes } from './leads.routes.ts';
import { convertedLeadTasksTimeline } from './leads.timeline.ts';
import { lineItemHooks } from './line-items.hooks.ts';
import { productsRoutes } from './products.routes.ts';
import { deals, pipelines, stages } from './sales.objects.ts';

/** Sales: deals and the pipelines they move through, the rules that keep a deal and its stage consistent. */
export const salesModule: ModuleManifest = {
  key: 'sales',
  objects: [deals, pipelines, stages],
  routes: [leadsRoutes, assignmentRoutes, exchangeRatesRoutes, productsRoutes],
  migrations: { 'sales-0002-leads': leadTables, 'sales-0003-money': moneyTables },
  permissions: [
    { action: 'sales.assignment.manage', roles: ['manager'] },
    { action: 'sales.rates.manage', roles: [] },
    { action: 'sales.products.manage', roles: [] },
  ],
  hooks: [dealHooks, leadHooks, lineItemHooks],
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
  readSurfaces: [],
};
