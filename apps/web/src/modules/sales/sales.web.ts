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

/** Sales: the pipeline board of deals by stage, and a deal's stages on its record page. */
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
  ],
  live: {
    records: (qc) => void qc.invalidateQueries({ queryKey: salesKeys.all }),
  },
});
