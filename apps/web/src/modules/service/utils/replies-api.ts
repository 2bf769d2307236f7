import { call, client } from '../../../api/client.ts';
import type { components, paths } from '../../../api/schema.gen.ts';

export type CannedReply = components['schemas']['CannedReply'];
export type CannedReplyInput = NonNullable<
  paths['/api/v1/service/canned-replies']['post']['requestBody']
>['content']['application/json'];
export type Macro = components['schemas']['Macro'];
export type MacroInput = NonNullable<
  paths['/api/v1/service/macros']['post']['requestBody']
>['content']['application/json'];
export type ReplyLanguage = 'en' | 'ar' | 'fa';

/** Query keys of canned replies and macros. */
export const repliesKeys = {
  all: ['service', 'replies'] as const,
  /** The replies the caller may use, found by `q`. */
  search: (q: string) => ['service', 'replies', 'search', q] as const,
  macros: ['service', 'macros'] as const,
};

/** Canned replies and macros through the typed client: each answer, or an ApiError with the server's problem. */
export const repliesApi = {
  /** The first page of the replies the caller may use, by name; `q` finds by name, shortcut or folder. */
  search: async (q: string) =>
    (
      await call(
        client.GET('/api/v1/service/canned-replies', {
          params: { query: { limit: 50, ...(q ? { q } : {}) } },
        }),
      )
    ).data,
  save: (id: string | undefined, body: CannedReplyInput) =>
    id
      ? call(client.PUT('/api/v1/service/canned-replies/{id}', { params: { path: { id } }, body }))
      : call(client.POST('/api/v1/service/canned-replies', { body })),
  remove: (id: string) =>
    call(client.DELETE('/api/v1/service/canned-replies/{id}', { params: { path: { id } } })),
  /** The reply for a ticket, in its language, merge fields filled as the caller sees the ticket. */
  render: (id: string, ticketId: string) =>
    call(
      client.POST('/api/v1/service/canned-replies/{id}/render', {
        params: { path: { id } },
        body: { ticketId },
      }),
    ),
  macros: async () =>
    (await call(client.GET('/api/v1/service/macros', { params: { query: { limit: 200 } } }))).data,
  saveMacro: (id: string | undefined, body: MacroInput) =>
    id
      ? call(client.PUT('/api/v1/service/macros/{id}', { params: { path: { id } }, body }))
      : call(client.POST('/api/v1/service/macros', { body })),
  removeMacro: (id: string) =>
    call(client.DELETE('/api/v1/service/macros/{id}', { params: { path: { id } } })),
  applyMacro: (ticketId: string, macroId: string) =>
    call(
      client.POST('/api/v1/tickets/{id}/apply-macro', {
        params: { path: { id: ticketId } },
        body: { macroId },
      }),
    ),
  applyMacroToMany: (macroId: string, ticketIds: string[]) =>
    call(
      client.POST('/api/v1/service/macros/{id}/apply', {
        params: { path: { id: macroId } },
        body: { ticketIds },
      }),
    ),
};

/** The writing direction of a reply's language. */
export const directionOf = (language: string | null | undefined): 'rtl' | 'ltr' | undefined =>
  language === 'ar' || language === 'fa' ? 'rtl' : language === 'en' ? 'ltr' : undefined;
