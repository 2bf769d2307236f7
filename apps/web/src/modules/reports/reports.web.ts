import { createRoute } from '@tanstack/react-router';
import { appRoute } from '../../app/routes.ts';
import { defineWebModule, lazyScreen } from '../web-module.ts';
import { ReportsNav } from './components/ReportsNav.tsx';
import { reportsKeys } from './utils/reports-keys.ts';

const list = createRoute({
  getParentRoute: () => appRoute,
  path: '/reports',
  component: lazyScreen(() => import('./components/ReportsPage.tsx')),
});
const one = createRoute({
  getParentRoute: () => appRoute,
  path: '/reports/$id',
  component: lazyScreen(() => import('./components/ReportPage.tsx')),
});

/**
 * Reports: the saved reports a reader may run, and a builder (object, the lists' filter, groupings by a date of the
 * reader's calendar or a field, measures, chart) drawing with ECharts right to left in ar/fa; a click on a bar
 * opens its records.
 */
export const reportsWeb = defineWebModule({
  name: 'reports',
  routes: [list, one],
  nav: [{ area: 'main', order: 30, component: ReportsNav }],
  live: {
    records: (qc) => void qc.invalidateQueries({ queryKey: reportsKeys.all }),
  },
});
