import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';

export type KbCategory = components['schemas']['KbCategory'];
export type KbArticle = components['schemas']['KbArticle'];
export type KbArticleSummary = components['schemas']['KbArticleSummary'];
export type KbTranslation = components['schemas']['KbTranslation'];
export type KbHit = components['schemas']['KbHit'];
export type KbSite = components['schemas']['KbSite'];
export type KbLocale = KbTranslation['locale'];
export type KbStatus = KbTranslation['status'];

/** The languages an article is written in, in the order the editor shows them side by side. */
export const KB_LOCALES: readonly KbLocale[] = ['en', 'ar', 'fa'];

/** The writing direction of a translation's language. */
export const directionOf = (locale: KbLocale): 'ltr' | 'rtl' => (locale === 'en' ? 'ltr' : 'rtl');

/** Articles a page of the list holds. */
export const KB_PAGE = 50;

/** The knowledge base's routes through the typed client: each answer, or an ApiError with the server's problem. */
export const kbApi = {
  categories: async () => (await call(client.GET('/api/v1/service/kb/categories'))).data,
  saveCategory: (
    id: string | undefined,
    body: { names: Partial<Record<KbLocale, string>>; parentId: string | null },
  ) =>
    id
      ? call(client.PATCH('/api/v1/service/kb/categories/{id}', { params: { path: { id } }, body }))
      : call(client.POST('/api/v1/service/kb/categories', { body })),
  deleteCategory: (id: string) =>
    call(client.DELETE('/api/v1/service/kb/categories/{id}', { params: { path: { id } } })),
  articles: (before: string | undefined, categoryId: string | undefined) =>
    call(
      client.GET('/api/v1/service/kb/articles', {
        params: {
          query: { limit: KB_PAGE, ...(before ? { before } : {}), ...(categoryId ? { categoryId } : {}) },
        },
      }),
    ),
  article: (id: string) => call(client.GET('/api/v1/service/kb/articles/{id}', { params: { path: { id } } })),
  createArticle: (
    categoryId: string | null,
    locale: KbLocale,
    translation: { title: string; body: string; status: KbStatus },
  ) =>
    call(
      client.POST('/api/v1/service/kb/articles', {
        body: { categoryId, translations: { [locale]: translation } },
      }),
    ),
  moveArticle: (id: string, categoryId: string | null) =>
    call(
      client.PATCH('/api/v1/service/kb/articles/{id}', { params: { path: { id } }, body: { categoryId } }),
    ),
  deleteArticle: (id: string) =>
    call(client.DELETE('/api/v1/service/kb/articles/{id}', { params: { path: { id } } })),
  saveTranslation: (id: string, locale: KbLocale, body: { title: string; body: string; status: KbStatus }) =>
    call(
      client.PUT('/api/v1/service/kb/articles/{id}/translations/{locale}', {
        params: { path: { id, locale } },
        body,
      }),
    ),
  search: (q: string, published: boolean) =>
    call(
      client.GET('/api/v1/service/kb/search', {
        params: { query: { q, limit: 10, ...(published ? { status: 'published' as const } : {}) } },
      }),
    ),
  suggested: (ticketId: string) =>
    call(
      client.GET('/api/v1/tickets/{id}/suggested-articles', {
        params: { path: { id: ticketId }, query: { limit: 5 } },
      }),
    ),
  site: () => call(client.GET('/api/v1/service/kb/site')),
  setSite: (enabled: boolean) => call(client.PUT('/api/v1/service/kb/site', { body: { enabled } })),
};
