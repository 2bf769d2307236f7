import { recordKeys } from '../../records/utils/record-keys.ts';

/** Query keys of the knowledge base. */
export const kbKeys = {
  all: ['service', 'kb'] as const,
  categories: ['service', 'kb', 'categories'] as const,
  articles: (categoryId: string | undefined) => ['service', 'kb', 'articles', categoryId ?? 'all'] as const,
  article: (id: string) => ['service', 'kb', 'article', id] as const,
  search: (q: string, published: boolean) => ['service', 'kb', 'search', q, published] as const,
  site: ['service', 'kb', 'site'] as const,
  /** Under the ticket's own key, so a changed subject (the record read again) suggests again. */
  suggested: (ticketId: string) => [...recordKeys.detail('tickets', ticketId), 'kb-suggestions'] as const,
};
