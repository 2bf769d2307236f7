import { createRoute } from '@tanstack/react-router';
import { lazy } from 'react';
import { appRoute } from '../../app/routes.ts';
import { defineWebModule, lazyScreen } from '../web-module.ts';
import { ForecastNav } from './components/ForecastNav.tsx';
import { PipelineNav } from './components/PipelineNav.tsx';
import { salesKeys } from './utils/sales-keys.ts';

const pipeline = createRoute({
  getParentRoute: () => appRoute,
  path: '/pipeline',
  component: lazyScreen(() => import('./components/KanbanPage.tsx')),
});

/** The forecast's address: its tab, period length, period (`1405-Q3`) and team, each optional. */
export interface ForecastSearch {
  tab?: 'forecast' | 'accuracy';
  kind?: 'quarter' | 'month' | 'year';
  period?: string;
  team?: string;
}
const KINDS = ['quarter', 'month', 'year'] as const;
const forecast = createRoute({
  getParentRoute: () => appRoute,
  path: '/sales/forecast',
  validateSearch: (s: Record<string, unknown>): ForecastSearch => ({
    ...(s.tab === 'forecast' || s.tab === 'accuracy' ? { tab: s.tab } : {}),
    ...(KINDS.find((k) => k === s.kind) ? { kind: s.kind as ForecastSearch['kind'] } : {}),
    ...(typeof s.period === 'string' && /^\d{4}(-Q[1-4]|-M\d{2})?$/.test(s.period)
      ? { period: s.period }
      : {}),
    ...(typeof s.team === 'string' && s.team ? { team: s.team } : {}),
  }),
  component: lazyScreen(() => import('./components/ForecastPage.tsx')),
});

/**
 * Sales: the pipeline board of deals by stage (totals converted into the workspace's currency; a move to a won or
 * lost stage asks for the reason), a deal's stages, line items and history on its record page, and products, price
 * books, exchange rates and win/loss reasons in settings; the forecast screen (per period and rep or team, with
 * quotas, submissions, managers' adjustments, accuracy and velocity) and its fiscal-year settings.
 */
export const salesWeb = defineWebModule({
  name: 'sales',
  routes: [pipeline, forecast],
  nav: [
    { area: 'main', order: 20, component: PipelineNav },
    // The forecast, under the board whose deals it adds up.
    { area: 'main', order: 21, component: ForecastNav },
  ],
  recordPanels: [
    {
      id: 'deal-stages',
      objects: ['deals'],
      area: 'main',
      order: 0,
      component: lazy(() => import('./components/DealStagesPanel.tsx')),
    },
    {
      id: 'deal-line-items',
      objects: ['deals'],
      area: 'main',
      order: 10,
      component: lazy(() => import('./components/LineItemsPanel.tsx')),
    },
    {
      id: 'deal-history',
      objects: ['deals'],
      area: 'main',
      order: 20,
      component: lazy(() => import('./components/DealHistoryPanel.tsx')),
    },
  ],
  settingsTabs: [
    {
      value: 'products',
      labelKey: 'money.productsTab',
      permission: 'sales.products.manage',
      order: 62,
      component: lazy(() => import('./components/ProductsSettings.tsx')),
    },
    {
      value: 'exchange-rates',
      labelKey: 'money.ratesTab',
      permission: 'sales.rates.manage',
      order: 64,
      component: lazy(() => import('./components/ExchangeRatesSettings.tsx')),
    },
    {
      value: 'deal-reasons',
      labelKey: 'dealHistory.reasonsTab',
      permission: 'sales.reasons.manage',
      order: 66,
      component: lazy(() => import('./components/ReasonsSettings.tsx')),
    },
    {
      value: 'forecast',
      labelKey: 'forecast.settingsTab',
      // The fiscal year and the probability are changed only by forecast managers, as the server checks.
      permission: 'sales.forecast.manage',
      order: 66.5,
      component: lazy(() => import('./components/ForecastSettings.tsx')),
    },
  ],
  fieldViews: [
    {
      object: 'deals',
      field: 'closeReason',
      component: lazy(() => import('./components/CloseReasonView.tsx')),
    },
  ],
  // Edited by its label too, not typed as an id.
  fieldInputs: [
    {
      object: 'deals',
      field: 'closeReason',
      component: lazy(() => import('./components/CloseReasonInput.tsx')),
    },
  ],
  live: {
    records: (qc) => void qc.invalidateQueries({ queryKey: salesKeys.all }),
  },
});
