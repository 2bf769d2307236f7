import { call, client } from '../../../api/client.ts';
import type { paths } from '../../../api/schema.gen.ts';

export type CallReportInput = NonNullable<
  paths['/api/v1/calls/{id}/report']['post']['requestBody']
>['content']['application/json'];
export type CallReport = Awaited<ReturnType<typeof cardExtrasApi.report>>;
export type SelfServiceInput = NonNullable<
  paths['/api/v1/calls/{id}/self-service']['post']['requestBody']
>['content']['application/json'];
export type PromiseInput = NonNullable<
  paths['/api/v1/calls/{id}/promise']['put']['requestBody']
>['content']['application/json']['promise'];

/** Query keys of the card's extras' settings. */
export const cardExtrasKeys = {
  selfServiceUrl: ['calls', 'self-service-url'] as const,
};

const byId = (id: string) => ({ params: { path: { id } } });

/** The call card's extras (a report, a self-service link, a promise to pay) and the self-service URL setting. */
export const cardExtrasApi = {
  report: (id: string, body: CallReportInput) =>
    call(client.POST('/api/v1/calls/{id}/report', { ...byId(id), body })),
  selfService: (id: string, body: SelfServiceInput) =>
    call(client.POST('/api/v1/calls/{id}/self-service', { ...byId(id), body })),
  promise: (id: string, promise: PromiseInput) =>
    call(client.PUT('/api/v1/calls/{id}/promise', { ...byId(id), body: { promise } })),
  selfServiceUrl: async () => (await call(client.GET('/api/v1/calls/self-service-url'))).url,
  setSelfServiceUrl: async (url: string | null) =>
    (await call(client.PUT('/api/v1/calls/self-service-url', { body: { url } }))).url,
};
