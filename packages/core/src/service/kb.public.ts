import { type Database, type Tx, withWorkspace } from '@rabita/db';
import type pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { AppError } from '../errors/app-error.ts';
import { escapeHtml } from '../http/escape-html.ts';
import { renderArticle, snippetOf } from './kb.render.ts';
import {
  type AttachmentRow,
  type CategoryRow,
  findArticle,
  findAttachment,
  KB_LOCALES,
  type KbLocale,
  listCategories,
  publishedPage,
  siteWorkspace,
  translationsOf,
} from './kb.repository.ts';
import { decodeCursor, encodeCursor, type KbHit, searchPage } from './kb.service.ts';

// The public help centre: published translations only, found by the workspace's public id (which names a workspace
// only while it publishes its help centre), read by anyone, rate-limited per address.

/** Public reads a minute from one address, whatever the help centre. */
export const KB_READS_PER_MINUTE = 120;

export interface PublicKbDeps {
  db: Database;
  limits: { take(ip: string): Promise<void> };
  publicUrl: string;
}

/** Public reads per address, counted in PostgreSQL so every app process shares them. */
export function createKbReadLimits(pool: pg.Pool): PublicKbDeps['limits'] {
  const byIp = new RateLimiterPostgres({
    storeClient: pool,
    storeType: 'pool',
    tableName: 'rate_limits',
    tableCreated: true,
    clearExpiredByTimeout: false,
    keyPrefix: 'kb-ip',
    points: 1_000_000_000,
    duration: 60,
  });
  return {
    async take(ip) {
      const res = await byIp.consume(ip, 1);
      if (res.consumedPoints > KB_READS_PER_MINUTE) {
        const wait = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
        throw new AppError('rate_limited', `Too many requests from this address; try again in ${wait} s.`, {
          retryAfterSeconds: wait,
        });
      }
    },
  };
}

const NO_SITE = () => new AppError('not_found', 'There is no such help centre, or it is not published.');
const NO_ARTICLE = () => new AppError('not_found', 'There is no such published article.');

async function inSite<T>(
  deps: PublicKbDeps,
  ip: string,
  publicId: string,
  steps: (trx: Tx, ws: string) => Promise<T>,
): Promise<T> {
  await deps.limits.take(ip);
  const ws = /^[A-Za-z0-9_-]{22}$/.test(publicId) ? await siteWorkspace(deps.db, publicId) : undefined;
  if (!ws) throw NO_SITE();
  return withWorkspace(deps.db, ws, (trx) => steps(trx, ws));
}

const linkFor = (deps: PublicKbDeps, publicId: string) => (row: { articleId: string; locale: string }) =>
  `${deps.publicUrl.replace(/\/+$/, '')}/kb/${publicId}/${row.articleId}/${row.locale}`;

export const publicAttachmentUrl = (publicId: string) => (id: string) =>
  `/api/v1/public/kb/${publicId}/attachments/${id}`;

interface ListCursor {
  updatedAt: string;
  articleId: string;
  locale: string;
}
const isListCursor = (v: unknown): v is ListCursor =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as ListCursor).updatedAt === 'string' &&
  /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test((v as ListCursor).updatedAt) &&
  typeof (v as ListCursor).articleId === 'string' &&
  /^[0-9a-f-]{36}$/.test((v as ListCursor).articleId) &&
  (KB_LOCALES as readonly string[]).includes((v as ListCursor).locale);

/** Published articles of a help centre: a search when `q` is given, else the most recently changed first. */
export function publicKbArticles(
  deps: PublicKbDeps,
  ip: string,
  publicId: string,
  query: {
    q?: string | undefined;
    locale?: KbLocale | undefined;
    categoryId?: string | undefined;
    cursor?: string | undefined;
    limit: number;
  },
): Promise<{ data: KbHit[]; nextCursor: string | null }> {
  return inSite(deps, ip, publicId, async (trx, ws) => {
    const link = linkFor(deps, publicId);
    if (query.q?.trim())
      return searchPage(
        trx,
        ws,
        {
          q: query.q,
          match: 'all',
          publishedOnly: true,
          locale: query.locale,
          prefer: query.locale,
          cursor: query.cursor,
          limit: query.limit,
        },
        link,
      );
    const after = query.cursor ? decodeCursor(query.cursor, isListCursor) : undefined;
    const rows = await publishedPage(trx, ws, {
      limit: query.limit + 1,
      locale: query.locale,
      categoryId: query.categoryId,
      after,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      data: page.map((r) => ({
        articleId: r.articleId,
        locale: r.locale,
        title: r.title,
        snippet: snippetOf(r.body),
        status: r.status,
        updatedAt: r.updatedAt,
        link: link(r),
      })),
      nextCursor:
        rows.length > query.limit && last
          ? encodeCursor({ updatedAt: last.updatedAt, articleId: last.articleId, locale: last.locale })
          : null,
    };
  });
}

/** A help centre's categories. */
export function publicKbCategories(deps: PublicKbDeps, ip: string, publicId: string): Promise<CategoryRow[]> {
  return inSite(deps, ip, publicId, (trx, ws) => listCategories(trx, ws));
}

export interface PublicArticle {
  articleId: string;
  categoryId: string | null;
  locale: KbLocale;
  title: string;
  /** The Markdown body rendered and sanitised. */
  bodyHtml: string;
  updatedAt: string;
  /** The other languages the article is published in. */
  otherLocales: KbLocale[];
}

/** One published translation of an article (the one asked for, else the first published), rendered safely. */
export function publicKbArticle(
  deps: PublicKbDeps,
  ip: string,
  publicId: string,
  articleId: string,
  locale?: KbLocale | undefined,
): Promise<PublicArticle> {
  return inSite(deps, ip, publicId, async (trx, ws) => {
    const article = await findArticle(trx, ws, articleId);
    const translations = article ? await translationsOf(trx, ws, [articleId], { published: true }) : [];
    const chosen = translations.find((t) => t.locale === locale) ?? (locale ? undefined : translations[0]);
    if (!article || !chosen) throw NO_ARTICLE();
    return {
      articleId,
      categoryId: article.categoryId,
      locale: chosen.locale,
      title: chosen.title,
      bodyHtml: renderArticle(chosen.body, publicAttachmentUrl(publicId)),
      updatedAt: chosen.updatedAt,
      otherLocales: translations.map((t) => t.locale).filter((l) => l !== chosen.locale),
    };
  });
}

/** An attachment of an article published in some language. */
export function publicKbAttachment(
  deps: PublicKbDeps,
  ip: string,
  publicId: string,
  id: string,
): Promise<AttachmentRow & { content: Buffer }> {
  return inSite(deps, ip, publicId, async (trx, ws) => {
    const file = await findAttachment(trx, ws, id, { published: true });
    if (!file) throw new AppError('not_found', 'There is no such attachment in this help centre.');
    return file;
  });
}

const STYLE = `body{font-family:system-ui,Vazirmatn,Tahoma,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;
color:#1a1b1e;line-height:1.7}img{max-width:100%}pre{overflow:auto;background:#f1f3f5;padding:.75rem}
a{color:#1864ab}nav a{margin-inline-end:1rem}`;
const OTHER = { en: 'English', ar: 'العربية', fa: 'فارسی' } as const;

/** The hosted page of a published article: escaped title, sanitised body, the page's direction by its language. */
export function renderArticlePage(publicId: string, article: PublicArticle): string {
  const dir = article.locale === 'en' ? 'ltr' : 'rtl';
  const others = article.otherLocales
    .map(
      (l) =>
        `<a href="/kb/${escapeHtml(publicId)}/${escapeHtml(article.articleId)}/${l}" lang="${l}" hreflang="${l}">${OTHER[l]}</a>`,
    )
    .join('');
  return `<!doctype html>
<html lang="${article.locale}" dir="${dir}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(article.title)}</title><style>${STYLE}</style></head>
<body><main><article><h1 dir="auto">${escapeHtml(article.title)}</h1>
${article.bodyHtml}</article>${others ? `<nav>${others}</nav>` : ''}</main></body>
</html>`;
}

/** A page saying the article is not there (not published, or no such help centre). */
export function renderMissingPage(message: string): string {
  return `<!doctype html>
<html lang="en" dir="ltr"><head><meta charset="utf-8"><title>Not found</title><style>${STYLE}</style></head>
<body><main><h1>Not found</h1><p>${escapeHtml(message)}</p></main></body></html>`;
}
