import type { components, paths } from '../../../api/schema.gen.ts';

/** A dashboard as the API gives it (`id` is `home` for a role's built-in home). */
export type Dashboard = components['schemas']['Dashboard'];
export type Widget = Dashboard['layout'][number];
export type DashboardFilters = Dashboard['filters'];
export type WidgetRun = components['schemas']['WidgetRun'];
export type DashboardInput = NonNullable<
  paths['/api/v1/dashboards']['post']['requestBody']
>['content']['application/json'];
export const PERIODS = [
  'today',
  'thisWeek',
  'thisMonth',
  'thisQuarter',
  'thisYear',
  'lastWeek',
  'lastMonth',
  'lastQuarter',
  'lastYear',
  'thisFiscalQuarter',
  'thisFiscalYear',
  'lastFiscalQuarter',
  'lastFiscalYear',
] as const;
/** What a KPI widget compares its figure with. */
export type KpiCompare = 'none' | 'previous' | 'previousYear';
/** A dashboard's home as `GET /dashboards/home` answers it. */
export type Home = paths['/api/v1/dashboards/home']['get']['responses']['200']['content']['application/json'];

/** Query keys of the dashboards (under the reports module's, so a record change refreshes them). */
export const dashboardKeys = {
  all: ['reports', 'dashboards'] as const,
  list: ['reports', 'dashboards', 'list'] as const,
  one: (id: string) => ['reports', 'dashboards', 'one', id] as const,
  run: (dashboardId: string, widget: unknown, filters: unknown) =>
    ['reports', 'dashboards', 'run', dashboardId, widget, filters] as const,
};
