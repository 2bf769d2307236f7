import { createRoute } from '@tanstack/react-router';
import { lazy } from 'react';
import { appRoute } from '../../app/routes.ts';
import { defineWebModule, lazyScreen } from '../web-module.ts';
import { PipelineNav } from './components/PipelineNav.tsx';
import { salesKeys } from './utils/sales-keys.ts';

const pipeline = createRoute({
  getParentRoute: () => appRoute,
  path: '/pipeline',
  component: lazyScreen(() => import('./components/KanbanPage.tsx')),
});

/**
 * Sales: the pipeline board of deals by stage (totals converted into the workspace's currency; a move to a won or
 * lost stage asks for the reason), a deal's stages, line items and history on its record page, and products, price
 * books, exchange rates and win/loss reasons in settings.
 */
export const salesWeb = defineWebModule({
  name: 'sales',
  routes: [pipeline],
  nav: [{ area: 'main', order: 20, component: PipelineNav }],
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
