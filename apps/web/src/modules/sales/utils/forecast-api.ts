import { call, client } from '../../../api/client.ts';
import type { components, paths } from '../../../api/schema.gen.ts';

// The sales forecast's API (`/api/v1/sales/forecast…`) through the typed client: every type below comes from the
// server's OpenAPI document.

type Schemas = components['schemas'];
type Json<P extends keyof paths, M extends 'get' | 'put' | 'post'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer R } } };
}
  ? R
  : never;
type Body<P extends keyof paths, M extends 'put' | 'post'> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

export type ForecastSettings = Schemas['ForecastSettings'];
/** The fiscal calendar a workspace counts its periods in. */
export type FiscalCalendar = ForecastSettings['calendar'];
export type ForecastSettingsInput = Body<'/api/v1/sales/forecast/settings', 'put'>;
/** A fiscal period: `1405-Q3`, `1405-M07` or `1405`; `end` is the day after its last. */
export type ForecastPeriod = Schemas['FiscalPeriod'];
export type PeriodKind = ForecastPeriod['kind'];
export type ForecastRow = Schemas['ForecastRow'];
export type ForecastAdjustment = Schemas['ForecastAdjustment'];
export type ForecastCategory = ForecastAdjustment['category'];
export type Forecast = Json<'/api/v1/sales/forecast', 'get'>;
/** A deal behind a number, through the gate: a field the caller's role hides comes as null. */
export type ForecastDeal = Schemas['ForecastDeal'];
export type AccuracyRow = Json<'/api/v1/sales/forecast/accuracy', 'get'>['data'][number];
export type VelocityRow = Json<'/api/v1/sales/forecast/velocity', 'get'>['data'][number];
export type QuotaInput = Body<'/api/v1/sales/forecast/quotas', 'put'>;
export type AdjustmentInput = Body<'/api/v1/sales/forecast/adjustments', 'put'>;
export type SubmissionInput = Body<'/api/v1/sales/forecast/submissions', 'post'>;
type DealsParams = NonNullable<paths['/api/v1/sales/forecast/deals']['get']['parameters']['query']>;
/** A drill-down's category: closed won, commit, best case or the open pipeline. */
export type DealsCategory = DealsParams['category'];

/** Whose deals a drill-down lists: one owner's, one team's, or (neither) everyone's the caller may see. */
export interface DealsQuery {
  period: string;
  owner?: string;
  team?: string;
  category: DealsCategory;
}

/** The forecast's routes: settings, periods, the forecast itself, quotas, adjustments, submissions and deals. */
export const forecastApi = {
  settings: () => call(client.GET('/api/v1/sales/forecast/settings')),
  saveSettings: (body: ForecastSettingsInput) =>
    call(client.PUT('/api/v1/sales/forecast/settings', { body })),
  periods: (kind: PeriodKind, around: string, count: number) =>
    call(client.GET('/api/v1/sales/forecast/periods', { params: { query: { kind, around, count } } })),
  forecast: (period: string, team: string | undefined) =>
    call(client.GET('/api/v1/sales/forecast', { params: { query: { period, ...(team ? { team } : {}) } } })),
  setQuota: (body: QuotaInput) => call(client.PUT('/api/v1/sales/forecast/quotas', { body })),
  adjust: (body: AdjustmentInput) => call(client.PUT('/api/v1/sales/forecast/adjustments', { body })),
  submit: (body: SubmissionInput) => call(client.POST('/api/v1/sales/forecast/submissions', { body })),
  deals: (q: DealsQuery, after: string | undefined) =>
    call(
      client.GET('/api/v1/sales/forecast/deals', {
        params: { query: { ...q, ...(after ? { after } : {}) } },
      }),
    ),
  accuracy: (count: number, team: string | undefined) =>
    call(
      client.GET('/api/v1/sales/forecast/accuracy', {
        params: { query: { kind: 'quarter', count, ...(team ? { team } : {}) } },
      }),
    ),
  velocity: (period: string) =>
    call(client.GET('/api/v1/sales/forecast/velocity', { params: { query: { period } } })),
};

/** Query keys of the forecast (under the sales module's, so a deal's change refreshes them). */
export const forecastKeys = {
  all: ['kanban', 'forecast'] as const,
  settings: ['kanban', 'forecast', 'settings'] as const,
  periods: (kind: PeriodKind, around: string) => ['kanban', 'forecast', 'periods', kind, around] as const,
  forecast: (period: string, team: string | undefined) =>
    ['kanban', 'forecast', 'table', period, team ?? null] as const,
  deals: (q: DealsQuery) => ['kanban', 'forecast', 'deals', q] as const,
  accuracy: (team: string | undefined) => ['kanban', 'forecast', 'accuracy', team ?? null] as const,
  velocity: (period: string) => ['kanban', 'forecast', 'velocity', period] as const,
};
