import { call, client } from '../../../api/client.ts';
import type { components, paths } from '../../../api/schema.gen.ts';
import { timelineKeys } from '../../timeline/utils/timeline-keys.ts';

export type CallCardData = components['schemas']['CallCard'];
export type CallCardPick = CallCardData['candidates'][number];
export type CallWrapUp = NonNullable<
  paths['/api/v1/calls/{id}']['patch']['requestBody']
>['content']['application/json'];
export type CallTicketInput = NonNullable<
  paths['/api/v1/calls/{id}/ticket']['post']['requestBody']
>['content']['application/json'];
export type WrapUpCodesInput = components['schemas']['CallWrapUpCodesInput'];
export type CallTaskInput = NonNullable<
  paths['/api/v1/calls/{id}/task']['post']['requestBody']
>['content']['application/json'];

/** The outcomes an agent may give a call. */
export const CALL_OUTCOMES = ['answered', 'missed', 'voicemail', 'abandoned', 'busy', 'failed'] as const;

/** Query keys of the call card. */
export const callCardKeys = {
  all: ['calls', 'card'] as const,
  card: (id: string) => ['calls', 'card', id] as const,
  wrapUpCodes: ['calls', 'wrap-up-codes'] as const,
  /** The codes of one call: its queue's own, else the workspace's. */
  wrapUpCodesOf: (id: string) => ['calls', 'wrap-up-codes', id] as const,
  /**
   * One call's entry on a record's timeline, under the timeline's own key, so whatever reads the timeline again
   * (a wrap-up saved, a record event) reads it again too.
   */
  timelineEntry: (object: string, recordId: string, callId: string) =>
    [...timelineKeys.record(object, recordId), 'call', callId] as const,
};

/** The objects whose timelines hold calls. */
export type CallRecordObject = 'people' | 'companies' | 'leads';

/** The call card's reads and the agent's actions, through the typed client. */
export const callCardApi = {
  card: (id: string) => call(client.GET('/api/v1/calls/{id}/card', { params: { path: { id } } })),
  wrapUp: (id: string, body: CallWrapUp) =>
    call(client.PATCH('/api/v1/calls/{id}', { params: { path: { id } }, body })),
  openTicket: (id: string, body: CallTicketInput) =>
    call(client.POST('/api/v1/calls/{id}/ticket', { params: { path: { id } }, body })),
  addTask: (id: string, body: CallTaskInput) =>
    call(client.POST('/api/v1/calls/{id}/task', { params: { path: { id } }, body })),
  wrapUpCodes: async () => (await call(client.GET('/api/v1/calls/wrap-up-codes'))).codes,
  /** Replaces the workspace's wrap-up codes (`calls.manage`); answers them as kept. */
  setWrapUpCodes: async (codes: WrapUpCodesInput['codes']) =>
    (await call(client.PUT('/api/v1/calls/wrap-up-codes', { body: { codes } }))).codes,
  timelineEntry: (id: string, object: CallRecordObject, recordId: string) =>
    call(
      client.GET('/api/v1/calls/{id}/timeline-entry', {
        params: { path: { id }, query: { object, recordId } },
      }),
    ),
  wrapUpCodesOf: async (id: string) =>
    (await call(client.GET('/api/v1/calls/{id}/wrap-up-codes', { params: { path: { id } } }))).codes,
};
