import { randomBytes } from 'node:crypto';
import type { Tx } from '@rabita/db';
import { normalizeText } from '@rabita/shared';
import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import { renderArticle, snippetOf } from './kb.render.ts';
import {
  type ArticleRow,
  type AttachmentRow,
  articlesPage,
  attachmentBytes,
  attachmentsOf,
  type CategoryRow,
  categoryContents,
  deleteArticleRow,
  deleteAttachmentRow,
  deleteCategoryRow,
  deleteTranslationRow,
  findArticle,
  findAttachment,
  findCategory,
  findSite,
  insertArticle,
  insertAttachment,
  insertCategory,
  KB_LOCALES,
  type KbLocale,
  type KbStatus,
  listCategories,
  type SearchRow,
  searchTranslations,
  setArticleCategory,
  touchArticle,
  translationsOf,
  updateCategoryRow,
  upsertSite,
  upsertTranslation,
} from './kb.repository.ts';

export const KB_MANAGE = 'service.kb.manage';
/** The largest attachment, and all of one article's attachments together. */
export const MAX_KB_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_KB_ARTICLE_FILES_BYTES = 50 * 1024 * 1024;

export type CategoryNames = Partial<Record<KbLocale, string>>;

export interface TranslationInput {
  title: string;
  body: string;
  status: KbStatus;
}

export interface TranslationView {
  locale: KbLocale;
  title: string;
  body: string;
  /** The body rendered from Markdown and sanitised. */
  bodyHtml: string;
  status: KbStatus;
  publishedAt: string | null;
  updatedBy: string | null;
  updatedAt: string;
}

export interface ArticleSummary extends ArticleRow {
  translations: { locale: KbLocale; title: string; status: KbStatus; updatedAt: string }[];
}

export interface ArticleView extends ArticleRow {
  translations: TranslationView[];
  attachments: AttachmentRow[];
}

export interface KbHit {
  articleId: string;
  locale: KbLocale;
  title: string;
  snippet: string;
  status: KbStatus;
  updatedAt: string;
  /** The published translation's page in the public help centre, when the workspace publishes one. */
  link: string | null;
}

/** What a reader of the API fetches an attachment from. */
export const agentAttachmentUrl = (id: string) => `/api/v1/service/kb/attachments/${id}`;

function assertManage(ctx: ServiceContext): void {
  if (!can(ctx.principal, KB_MANAGE))
    throw new AppError('forbidden', 'Changing the knowledge base needs the service.kb.manage permission.');
}

const notFound = (what: 'article' | 'category' | 'attachment' | 'translation') =>
  new AppError('not_found', `There is no such knowledge-base ${what}.`);

// Categories

/** The workspace's categories, in their order (a parent's children follow their own positions). */
export function listKbCategories(ctx: ServiceContext): Promise<CategoryRow[]> {
  return inWorkspace(ctx, (trx, ws) => listCategories(trx, ws));
}

function checkedNames(names: CategoryNames): CategoryNames {
  const kept = Object.fromEntries(
    Object.entries(names).filter(([, v]) => typeof v === 'string' && v.trim() !== ''),
  ) as CategoryNames;
  if (Object.keys(kept).length === 0)
    throw new AppError('validation_failed', 'Give the category a name in at least one language.', {
      errors: [{ field: 'names', message: 'Name the category in English, Arabic or Persian.' }],
    });
  return kept;
}

/** A parent must be a top-level category of the workspace (categories nest one level). */
async function checkedParent(
  trx: Tx,
  ws: string,
  parentId: string | null,
  self?: string | undefined,
): Promise<string | null> {
  if (parentId === null) return null;
  const parent = parentId === self ? undefined : await findCategory(trx, ws, parentId);
  const problem = !parent
    ? 'There is no such category to put it under.'
    : parent.parentId !== null
      ? 'Categories nest one level: choose a top-level category as the parent.'
      : undefined;
  if (problem)
    throw new AppError('validation_failed', problem, { errors: [{ field: 'parentId', message: problem }] });
  if (self) {
    const { children } = await categoryContents(trx, ws, self);
    if (children > 0) {
      const message = 'This category has sub-categories: it cannot go under another one.';
      throw new AppError('validation_failed', message, { errors: [{ field: 'parentId', message }] });
    }
  }
  return parentId;
}

/** Adds a category (needs service.kb.manage). */
export function createKbCategory(
  ctx: ServiceContext,
  input: { names: CategoryNames; parentId?: string | null | undefined; position?: number | undefined },
): Promise<CategoryRow> {
  assertManage(ctx);
  const names = checkedNames(input.names);
  return inWorkspace(ctx, async (trx, ws) =>
    insertCategory(trx, ws, {
      id: newId(),
      parentId: await checkedParent(trx, ws, input.parentId ?? null),
      position: input.position ?? 0,
      names,
    }),
  );
}

/** Renames, moves or reorders a category (needs service.kb.manage). */
export function updateKbCategory(
  ctx: ServiceContext,
  id: string,
  input: {
    names?: CategoryNames | undefined;
    parentId?: string | null | undefined;
    position?: number | undefined;
  },
): Promise<CategoryRow> {
  assertManage(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    const current = await findCategory(trx, ws, id);
    if (!current) throw notFound('category');
    return updateCategoryRow(trx, ws, {
      id,
      names: input.names === undefined ? current.names : checkedNames(input.names),
      parentId:
        input.parentId === undefined ? current.parentId : await checkedParent(trx, ws, input.parentId, id),
      position: input.position ?? current.position,
    });
  });
}

/** Removes an empty category (409 while it holds articles or sub-categories). */
export function deleteKbCategory(ctx: ServiceContext, id: string): Promise<void> {
  assertManage(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    if (!(await findCategory(trx, ws, id))) throw notFound('category');
    const { children, articles } = await categoryContents(trx, ws, id);
    if (children > 0 || articles > 0)
      throw new AppError(
        'conflict',
        'The category still holds articles or sub-categories: move or remove them first.',
      );
    await deleteCategoryRow(trx, ws, id);
  });
}

// Articles

async function checkedCategory(trx: Tx, ws: string, categoryId: string | null): Promise<string | null> {
  if (categoryId === null || (await findCategory(trx, ws, categoryId))) return categoryId;
  throw new AppError('validation_failed', 'There is no such category.', {
    errors: [{ field: 'categoryId', message: 'Choose one of the knowledge base’s categories.' }],
  });
}

/** A page of articles, most recently changed first, each with its translations' titles and statuses. */
export function listKbArticles(
  ctx: ServiceContext,
  page: { limit: number; before?: string | undefined; categoryId?: string | undefined },
): Promise<{ data: ArticleSummary[]; nextCursor: string | null }> {
  return inWorkspace(ctx, async (trx, ws) => {
    const rows = await articlesPage(trx, ws, { ...page, limit: page.limit + 1 });
    const more = rows.length > page.limit;
    const articles = rows.slice(0, page.limit);
    const translations = await translationsOf(
      trx,
      ws,
      articles.map((a) => a.id),
      { withBody: false },
    );
    return {
      data: articles.map((a) => ({
        ...a,
        translations: translations
          .filter((t) => t.articleId === a.id)
          .map(({ locale, title, status, updatedAt }) => ({ locale, title, status, updatedAt })),
      })),
      nextCursor: more ? articles[articles.length - 1]!.id : null,
    };
  });
}

async function articleView(trx: Tx, ws: string, article: ArticleRow): Promise<ArticleView> {
  const translations = await translationsOf(trx, ws, [article.id]);
  return {
    ...article,
    translations: translations.map(({ articleId: _, ...t }) => ({
      ...t,
      bodyHtml: renderArticle(t.body, agentAttachmentUrl),
    })),
    attachments: await attachmentsOf(trx, ws, article.id),
  };
}

/** One article with every translation (drafts too) and its attachments. */
export function getKbArticle(ctx: ServiceContext, id: string): Promise<ArticleView> {
  return inWorkspace(ctx, async (trx, ws) => {
    const article = await findArticle(trx, ws, id);
    if (!article) throw notFound('article');
    return articleView(trx, ws, article);
  });
}

async function writeTranslation(
  trx: Tx,
  ws: string,
  userId: string | null,
  articleId: string,
  locale: KbLocale,
  input: TranslationInput,
) {
  return upsertTranslation(trx, ws, {
    articleId,
    locale,
    ...input,
    updatedBy: userId,
    titleFolded: normalizeText(input.title),
    bodyFolded: normalizeText(input.body),
  });
}

/** Adds an article with its first translations (needs service.kb.manage). */
export function createKbArticle(
  ctx: ServiceContext,
  input: {
    categoryId?: string | null | undefined;
    translations: Partial<Record<KbLocale, TranslationInput>>;
  },
): Promise<ArticleView> {
  assertManage(ctx);
  const locales = KB_LOCALES.filter((l) => input.translations[l]);
  if (locales.length === 0)
    throw new AppError('validation_failed', 'Write the article in at least one language.', {
      errors: [{ field: 'translations', message: 'Give a title and body in English, Arabic or Persian.' }],
    });
  return inWorkspace(ctx, async (trx, ws) => {
    const article = await insertArticle(trx, ws, {
      id: newId(),
      categoryId: await checkedCategory(trx, ws, input.categoryId ?? null),
      createdBy: ctx.principal.userId,
    });
    for (const locale of locales)
      await writeTranslation(trx, ws, ctx.principal.userId, article.id, locale, input.translations[locale]!);
    return articleView(trx, ws, article);
  });
}

/** Moves an article to another category, or out of every category (needs service.kb.manage). */
export function updateKbArticle(
  ctx: ServiceContext,
  id: string,
  input: { categoryId?: string | null | undefined },
): Promise<ArticleView> {
  assertManage(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    if (!(await findArticle(trx, ws, id, true))) throw notFound('article');
    if (input.categoryId !== undefined)
      await setArticleCategory(trx, ws, id, await checkedCategory(trx, ws, input.categoryId));
    return articleView(trx, ws, (await findArticle(trx, ws, id))!);
  });
}

/** Writes one translation: its title, body and status (publishing or unpublishing it); needs service.kb.manage. */
export function putKbTranslation(
  ctx: ServiceContext,
  id: string,
  locale: KbLocale,
  input: TranslationInput,
): Promise<ArticleView> {
  assertManage(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    if (!(await findArticle(trx, ws, id, true))) throw notFound('article');
    await writeTranslation(trx, ws, ctx.principal.userId, id, locale, input);
    await touchArticle(trx, ws, id);
    return articleView(trx, ws, (await findArticle(trx, ws, id))!);
  });
}

/** Removes one translation of an article (the article stays, perhaps with none). */
export function deleteKbTranslation(ctx: ServiceContext, id: string, locale: KbLocale): Promise<ArticleView> {
  assertManage(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    if (!(await findArticle(trx, ws, id, true))) throw notFound('article');
    if (!(await deleteTranslationRow(trx, ws, id, locale))) throw notFound('translation');
    await touchArticle(trx, ws, id);
    return articleView(trx, ws, (await findArticle(trx, ws, id))!);
  });
}

/** Removes an article with its translations and attachments. */
export function deleteKbArticle(ctx: ServiceContext, id: string): Promise<void> {
  assertManage(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    if (!(await findArticle(trx, ws, id, true))) throw notFound('article');
    await deleteArticleRow(trx, ws, id);
  });
}

// Search

// Words too common to suggest an article by (folded forms): a ticket's subject is matched on any of its words.
const STOP_WORDS = new Set(
  (
    'و در به از که این آن را با برای یک است هست بود شد می نمی تا هم یا اما اگر من ما شما او ایشان چه چرا کی ' +
    'کجا چطور چگونه نیز بر روی پس هر ها های ای فی من الی علی عن ان هذا هذه ذلک التی الذی هو هی ما لا لم لن قد ' +
    'کان کانت مع او ثم بعد قبل عند کل'
  ).split(' '),
);

/** The folded words of a subject worth matching on, at most twelve. */
function meaningfulWords(text: string): string {
  const words = normalizeText(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 1 && !STOP_WORDS.has(w));
  return [...new Set(words)].slice(0, 12).join(' ');
}

interface SearchCursor {
  score: number;
  articleId: string;
  locale: string;
}

export function encodeCursor(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The keyset a cursor names, or a 400 naming `cursor`. */
export function decodeCursor<T extends object>(cursor: string, check: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!check(value))
    throw new AppError('validation_failed', 'The cursor is not one this list gave.', {
      errors: [{ field: 'cursor', message: 'Pass the nextCursor of the previous page, unchanged.' }],
    });
  return value;
}

const UUID = /^[0-9a-f-]{36}$/;
export const isSearchCursor = (v: unknown): v is SearchCursor =>
  typeof v === 'object' &&
  v !== null &&
  Number.isFinite((v as SearchCursor).score) &&
  typeof (v as SearchCursor).articleId === 'string' &&
  UUID.test((v as SearchCursor).articleId) &&
  (KB_LOCALES as readonly string[]).includes((v as SearchCursor).locale);

/** A help centre's link to a published translation (absent when the workspace publishes none). */
export type LinkOf = (hit: SearchRow) => string | null;

function hitOf(row: SearchRow, linkOf: LinkOf): KbHit {
  return {
    articleId: row.articleId,
    locale: row.locale,
    title: row.title,
    snippet: snippetOf(row.body),
    status: row.status,
    updatedAt: row.updatedAt,
    link: row.status === 'published' ? linkOf(row) : null,
  };
}

/** Runs a search in the workspace's transaction and pages its hits. */
export async function searchPage(
  trx: Tx,
  ws: string,
  query: {
    q: string;
    match: 'all' | 'any';
    publishedOnly: boolean;
    locale?: KbLocale | undefined;
    prefer?: KbLocale | undefined;
    cursor?: string | undefined;
    limit: number;
  },
  linkOf: LinkOf,
): Promise<{ data: KbHit[]; nextCursor: string | null }> {
  const folded = query.match === 'any' ? meaningfulWords(query.q) : normalizeText(query.q);
  const after = query.cursor ? decodeCursor(query.cursor, isSearchCursor) : undefined;
  if (folded === '') return { data: [], nextCursor: null };
  const rows = await searchTranslations(trx, ws, {
    folded,
    match: query.match,
    publishedOnly: query.publishedOnly,
    locale: query.locale,
    prefer: query.prefer,
    after,
    limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    data: page.map((r) => hitOf(r, linkOf)),
    nextCursor:
      rows.length > query.limit && last
        ? encodeCursor({ score: last.score, articleId: last.articleId, locale: last.locale })
        : null,
  };
}

/** Links to the help centre's pages, or none while the workspace does not publish one. */
async function linksFor(trx: Tx, ws: string, publicUrl: string): Promise<LinkOf> {
  const site = await findSite(trx, ws);
  if (!site?.enabled) return () => null;
  const base = publicUrl.replace(/\/+$/, '');
  return (row) => `${base}/kb/${site.publicId}/${row.articleId}/${row.locale}`;
}

/**
 * Articles matching a query, best first: Arabic and Persian folded alike (ي and ی, ك and ک, diacritics, digits),
 * English stemmed, titles found through a typo. Agents see drafts too unless they ask for published ones.
 */
export function searchKb(
  ctx: ServiceContext,
  query: {
    q: string;
    locale?: KbLocale | undefined;
    status?: KbStatus | undefined;
    cursor?: string | undefined;
    limit: number;
  },
  publicUrl: string,
): Promise<{ data: KbHit[]; nextCursor: string | null }> {
  return inWorkspace(ctx, async (trx, ws) =>
    searchPage(
      trx,
      ws,
      { ...query, match: 'all', publishedOnly: query.status === 'published' },
      await linksFor(trx, ws, publicUrl),
    ),
  );
}

/**
 * Published articles a ticket's subject suggests, those in the ticket's language first; the caller must be able to
 * read the ticket (a subject hidden from their role suggests nothing).
 */
export function suggestArticles(
  ctx: ServiceContext,
  ticketId: string,
  limit: number,
  publicUrl: string,
): Promise<{ data: KbHit[] }> {
  return inWorkspace(ctx, async (trx, ws) => {
    const seen = await readRecords(trx, ctx.principal, 'tickets', [ticketId], {
      fields: ['subject', 'language'],
    });
    const ticket = seen.get(ticketId);
    assertSeen(ticket !== undefined, 'tickets', ticketId);
    const subject = typeof ticket!.subject === 'string' ? ticket!.subject : '';
    const language = (KB_LOCALES as readonly unknown[]).includes(ticket!.language)
      ? (ticket!.language as KbLocale)
      : undefined;
    const { data } = await searchPage(
      trx,
      ws,
      { q: subject, match: 'any', publishedOnly: true, prefer: language, limit },
      await linksFor(trx, ws, publicUrl),
    );
    return { data };
  });
}

// Attachments

const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Whether a stored type may be shown in the page (images Markdown embeds) rather than downloaded. */
export const shownInline = (contentType: string) => INLINE_TYPES.has(contentType);

/**
 * The image type the bytes themselves say (PNG, JPEG, GIF, WebP), whatever the upload declared: only these are
 * ever shown inline, so a page or script sent as `image/png` is still only a download.
 */
export function sniffImage(content: Buffer): string | undefined {
  const starts = (bytes: number[], at = 0) => bytes.every((b, i) => content[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x47, 0x49, 0x46, 0x38])) return 'image/gif';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return undefined;
}

/** Keeps a file on an article (10 MB a file, 50 MB an article); needs service.kb.manage. */
export function addKbAttachment(
  ctx: ServiceContext,
  articleId: string,
  file: { filename: string; contentType: string; content: Buffer },
): Promise<AttachmentRow> {
  assertManage(ctx);
  if (file.content.length === 0)
    throw new AppError('validation_failed', 'The file is empty.', {
      errors: [{ field: 'file', message: 'Choose a file with something in it.' }],
    });
  return inWorkspace(ctx, async (trx, ws) => {
    if (!(await findArticle(trx, ws, articleId, true))) throw notFound('article');
    if ((await attachmentBytes(trx, ws, articleId)) + file.content.length > MAX_KB_ARTICLE_FILES_BYTES)
      throw new AppError('validation_failed', 'An article’s attachments together may take at most 50 MB.', {
        errors: [{ field: 'file', message: 'Remove an attachment first, or attach a smaller file.' }],
      });
    // An image is stored as what its bytes are; anything else keeps its declared type and is only downloaded.
    const declared = shownInline(file.contentType) ? 'application/octet-stream' : file.contentType;
    const contentType = sniffImage(file.content) ?? declared;
    return insertAttachment(trx, ws, {
      id: newId(),
      articleId,
      ...file,
      contentType,
      createdBy: ctx.principal.userId,
    });
  });
}

/** An attachment's bytes, for anyone signed in to the workspace (agents read drafts too). */
export function getKbAttachment(
  ctx: ServiceContext,
  id: string,
): Promise<AttachmentRow & { content: Buffer }> {
  return inWorkspace(ctx, async (trx, ws) => {
    const file = await findAttachment(trx, ws, id);
    if (!file) throw notFound('attachment');
    return file;
  });
}

export function deleteKbAttachment(ctx: ServiceContext, id: string): Promise<void> {
  assertManage(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    if (!(await deleteAttachmentRow(trx, ws, id))) throw notFound('attachment');
  });
}

// The public help centre's settings

export interface KbSiteView {
  publicId: string | null;
  enabled: boolean;
}

/** Whether the workspace publishes a help centre, and its public id. */
export function getKbSite(ctx: ServiceContext): Promise<KbSiteView> {
  return inWorkspace(ctx, async (trx, ws) => (await findSite(trx, ws)) ?? { publicId: null, enabled: false });
}

/**
 * Turns the public help centre on or off (needs service.kb.manage). Its public id is made once, unguessable
 * (128 random bits), and kept; `newPublicId` makes another, so links given out before stop working.
 */
export function setKbSite(
  ctx: ServiceContext,
  input: { enabled: boolean; newPublicId?: boolean | undefined },
): Promise<KbSiteView> {
  assertManage(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    const current = await findSite(trx, ws);
    const publicId = current && !input.newPublicId ? current.publicId : randomBytes(16).toString('base64url');
    return upsertSite(trx, ws, { publicId, enabled: input.enabled });
  });
}

/**
 * The public address of a published article of the workspace's help centre, in the locale asked for (else its first
 * published one), inside the caller's transaction; null while the help centre or the article is not published.
 */
export async function publishedArticleUrl(
  trx: Tx,
  ws: string,
  publicUrl: string,
  articleId: string,
  locale?: string,
): Promise<string | null> {
  const site = await findSite(trx, ws);
  if (!site?.enabled) return null;
  const published = await translationsOf(trx, ws, [articleId], { published: true, withBody: false });
  const t = published.find((r) => r.locale === locale) ?? published[0];
  return t ? `${publicUrl.replace(/\/+$/, '')}/kb/${site.publicId}/${articleId}/${t.locale}` : null;
}
