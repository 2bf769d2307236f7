import { call, client } from '../../../api/client.ts';
import type {
  CreateMailboxBody,
  EnrolBody,
  OutboxBody,
  OutboxEntry,
  PatchMailboxBody,
  RenderBody,
  SendBody,
  SequenceBody,
  StatsQuery,
  TemplateBody,
} from './email-types.ts';

const byId = (id: string) => ({ params: { path: { id } } });

/** The email routes through the typed client: each answer, or an ApiError with the server's problem. */
export const emailApi = {
  mailboxes: async () => (await call(client.GET('/api/v1/mailboxes'))).data,
  createMailbox: (body: CreateMailboxBody) => call(client.POST('/api/v1/mailboxes', { body })),
  updateMailbox: (id: string, body: PatchMailboxBody) =>
    call(client.PATCH('/api/v1/mailboxes/{id}', { ...byId(id), body })),
  deleteMailbox: (id: string) => call(client.DELETE('/api/v1/mailboxes/{id}', byId(id))),
  skipped: async (id: string) => (await call(client.GET('/api/v1/mailboxes/{id}/skipped', byId(id)))).data,
  thread: async (id: string) => (await call(client.GET('/api/v1/email/threads/{id}', byId(id)))).data,
  send: (body: SendBody) => call(client.POST('/api/v1/email/send', { body })),
  /** Queues a send (to undo within seconds, or for later): the outbox entry, or null when it went at once. */
  queueSend: async (body: OutboxBody): Promise<OutboxEntry | null> => {
    const answer = await call(client.POST('/api/v1/email/outbox', { body }));
    return 'message' in answer ? null : answer;
  },
  outbox: async () => (await call(client.GET('/api/v1/email/outbox'))).data,
  undoSend: (id: string) => call(client.DELETE('/api/v1/email/outbox/{id}', byId(id))),
  templates: async () => (await call(client.GET('/api/v1/email/templates'))).data,
  createTemplate: (body: TemplateBody) => call(client.POST('/api/v1/email/templates', { body })),
  updateTemplate: (id: string, body: TemplateBody) =>
    call(client.PUT('/api/v1/email/templates/{id}', { ...byId(id), body })),
  deleteTemplate: (id: string) => call(client.DELETE('/api/v1/email/templates/{id}', byId(id))),
  renderTemplate: (id: string, body: RenderBody) =>
    call(client.POST('/api/v1/email/templates/{id}/render', { ...byId(id), body })),
  signature: async () => (await call(client.GET('/api/v1/email/signature'))).html,
  setSignature: (html: string) => call(client.PUT('/api/v1/email/signature', { body: { html } })),
  stats: (query: StatsQuery) => call(client.GET('/api/v1/email/stats', { params: { query } })),
  suppressions: async () => (await call(client.GET('/api/v1/email/suppressions'))).data,
  allowAgain: (address: string) =>
    call(client.DELETE('/api/v1/email/suppressions/{address}', { params: { path: { address } } })),
  sequences: async () => (await call(client.GET('/api/v1/email/sequences'))).data,
  createSequence: (body: SequenceBody) => call(client.POST('/api/v1/email/sequences', { body })),
  updateSequence: (id: string, body: SequenceBody) =>
    call(client.PUT('/api/v1/email/sequences/{id}', { ...byId(id), body })),
  deleteSequence: (id: string) => call(client.DELETE('/api/v1/email/sequences/{id}', byId(id))),
  enrol: (id: string, body: EnrolBody) =>
    call(client.POST('/api/v1/email/sequences/{id}/enrol', { ...byId(id), body })),
  enrolments: async (id: string) =>
    (await call(client.GET('/api/v1/email/sequences/{id}/enrolments', byId(id)))).data,
  stopEnrolment: (id: string) => call(client.POST('/api/v1/email/enrolments/{id}/stop', byId(id))),
  /** The ids of the newest emails on a record's timeline, newest first. */
  newestOn: async (object: string, id: string) =>
    (
      await call(
        client.GET('/api/v1/objects/{object}/{id}/timeline', {
          params: { path: { object, id }, query: { limit: 10 } },
        }),
      )
    ).data
      .filter((e) => e.kind === 'email')
      .map((e) => e.id),
};

/**
 * Where a message's sanitised HTML is served, for a sandboxed frame; with `images`, its remote images come through
 * Rabita's image proxy instead of staying blocked.
 */
export const messageHtmlUrl = (id: string, images = false) =>
  `/api/v1/email/messages/${encodeURIComponent(id)}/html${images ? '?images=show' : ''}`;

/** Where one attachment of a message is downloaded. */
export const attachmentUrl = (id: string, position: number) =>
  `/api/v1/email/messages/${encodeURIComponent(id)}/attachments/${position}`;
