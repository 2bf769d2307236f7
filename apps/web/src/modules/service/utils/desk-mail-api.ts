import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';

export type DeskMailbox = components['schemas']['DeskMailbox'];

const byId = (id: string) => ({ params: { path: { id } } });

/** The desk's email intake: which shared mailboxes open tickets, and in which queue. */
export const deskMailApi = {
  list: async () => (await call(client.GET('/api/v1/service/mailboxes'))).data,
  put: (id: string, body: { queue: string; enabled: boolean }) =>
    call(client.PUT('/api/v1/service/mailboxes/{id}', { ...byId(id), body })),
  remove: (id: string) => call(client.DELETE('/api/v1/service/mailboxes/{id}', byId(id))),
};

export const deskMailKeys = { list: ['service', 'desk-mailboxes'] as const };

export type SurveySettings = components['schemas']['SurveySettings'];
export type TicketSurvey = components['schemas']['TicketSurvey'];

/** The satisfaction survey: its settings, and a ticket's surveys. */
export const surveysApi = {
  settings: () => call(client.GET('/api/v1/service/surveys/settings')),
  putSettings: (body: SurveySettings) => call(client.PUT('/api/v1/service/surveys/settings', { body })),
  ofTicket: async (id: string) =>
    (await call(client.GET('/api/v1/tickets/{id}/surveys', { params: { path: { id } } }))).data,
};

export const surveyKeys = {
  settings: ['service', 'survey-settings'] as const,
  ofTicket: (id: string) => ['service', 'surveys', id] as const,
};
