import { createRoute, redirect } from '@tanstack/react-router';
import { call, client } from '../../api/client.ts';
import { appRoute, rootRoute } from '../../app/routes.ts';
import { defineWebModule, lazyScreen } from '../web-module.ts';
import { DashboardsNav } from './components/DashboardsNav.tsx';
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

const dashboards = createRoute({
  getParentRoute: () => appRoute,
  path: '/dashboards',
  component: lazyScreen(() => import('./components/DashboardsPage.tsx')),
});
const dashboard = createRoute({
  getParentRoute: () => appRoute,
  path: '/dashboards/$id',
  // `?print=1` is the print view: outside the frame, every widget drawn, `data-ready` when all have data.
  beforeLoad: ({ location, params }) => {
    if ((location.search as Record<string, unknown>).print !== undefined)
      throw redirect({ to: '/print/dashboards/$id', params: { id: params.id } });
  },
  component: lazyScreen(() => import('./components/DashboardPage.tsx')),
});
const home = createRoute({
  getParentRoute: () => appRoute,
  path: '/home',
  component: lazyScreen(() => import('./components/DashboardHomePage.tsx')),
});
const printDashboard = createRoute({
  getParentRoute: () => rootRoute,
  path: '/print/dashboards/$id',
  component: lazyScreen(() => import('./components/DashboardPrintPage.tsx')),
});

// The print view sits outside the app's frame (no navigation, no session needed when a print token comes along):
// the server's browser renders it to PDF.
const print = createRoute({
  getParentRoute: () => rootRoute,
  path: '/print/reports/$id',
  component: lazyScreen(() => import('./components/PrintReportPage.tsx')),
});

/**
 * Reports: the saved reports a reader may run, and a builder (object, the lists' filter, groupings by a date of the
 * reader's calendar or a field, measures, chart) drawing with ECharts right to left in ar/fa; a click on a bar
 * opens its records. Dashboards of report, KPI and list widgets arranged by drag and drop (mirrored in ar/fa), each
 * role's home dashboard at `/home`, and a print view of a dashboard for PDFs.
 */
export const reportsWeb = defineWebModule({
  name: 'reports',
  routes: [list, one, dashboards, dashboard, home],
  publicRoutes: [print, printDashboard],
  nav: [
    { area: 'main', order: 30, component: ReportsNav },
    { area: 'main', order: 29, component: DashboardsNav },
  ],
  // The role's home dashboard first, when an admin chose that its people land there.
  landing: {
    order: 10,
    path: async () => ((await call(client.GET('/api/v1/dashboards/home'))).landing ? '/home' : null),
  },
  live: {
    records: (qc) => void qc.invalidateQueries({ queryKey: reportsKeys.all }),
  },
});
