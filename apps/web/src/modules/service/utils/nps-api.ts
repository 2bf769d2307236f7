import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';

export type NpsSettings = components['schemas']['NpsSettings'];
export type NpsCampaign = components['schemas']['NpsCampaign'];
export type NpsReport = components['schemas']['NpsReport'];
export type PersonNpsSurvey = components['schemas']['PersonNpsSurvey'];

const byId = (id: string) => ({ params: { path: { id } } });

/** Net promoter score surveys: settings, relationship campaigns, the report and a person's answers. */
export const npsApi = {
  settings: () => call(client.GET('/api/v1/service/surveys/nps/settings')),
  putSettings: (body: NpsSettings) => call(client.PUT('/api/v1/service/surveys/nps/settings', { body })),
  campaigns: async () => (await call(client.GET('/api/v1/service/surveys/nps/campaigns'))).data,
  createCampaign: (body: {
    name: string;
    filter?: unknown;
    firstRunAt: string;
    repeatMonths: number | null;
  }) => call(client.POST('/api/v1/service/surveys/nps/campaigns', { body })),
  stopCampaign: (id: string) => call(client.DELETE('/api/v1/service/surveys/nps/campaigns/{id}', byId(id))),
  report: (from: string, to: string) =>
    call(client.GET('/api/v1/service/surveys/nps/report', { params: { query: { from, to } } })),
  ofPerson: async (id: string) => (await call(client.GET('/api/v1/people/{id}/nps', byId(id)))).data,
};

export const npsKeys = {
  all: ['service', 'nps'] as const,
  settings: ['service', 'nps', 'settings'] as const,
  campaigns: ['service', 'nps', 'campaigns'] as const,
  report: (days: number) => ['service', 'nps', 'report', days] as const,
  ofPerson: (id: string) => ['service', 'nps', 'person', id] as const,
};
