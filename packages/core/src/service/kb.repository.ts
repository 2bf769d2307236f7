import { type Database, epochSeconds, onCitus, type Tx, withUtcTexts } from '@rabita/db';
import { type Kysely, type RawBuilder, sql } from 'kysely';

// SQL of the knowledge base (kb.migrations.ts). Every function takes the workspace transaction first. Run without
// the camel-case plugin: category names are jsonb keyed by locale, kept as stored.

const raw = (executor: Database | Tx) => executor.withoutPlugins() as unknown as Kysely<unknown>;

export const KB_LOCALES = ['en', 'ar', 'fa'] as const;
export type KbLocale = (typeof KB_LOCALES)[number];
export type KbStatus = 'draft' | 'published';

export interface CategoryRow {
  id: string;
  parentId: string | null;
  position: number;
  names: Partial<Record<KbLocale, string>>;
  createdAt: string;
  updatedAt: string;
}

export interface ArticleRow {
  id: string;
  categoryId: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface TranslationRow {
  articleId: string;
  locale: KbLocale;
  title: string;
  body: string;
  status: KbStatus;
  publishedAt: string | null;
  updatedBy: string | null;
  updatedAt: string;
}

export interface AttachmentRow {
  id: string;
  articleId: string;
  filename: string;
  contentType: string;
  size: number;
  createdAt: string;
}

/** A translation found by a search, with its score (the keyset of the result's order with article and locale). */
export interface SearchRow {
  articleId: string;
  locale: KbLocale;
  title: string;
  /** The body's first 2,000 characters (enough for a snippet). */
  body: string;
  status: KbStatus;
  updatedAt: string;
  score: number;
}

const ISO = (column: string) =>
  sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

type Time = (column: string) => RawBuilder<unknown>;
const categoryColumns = (time: Time) => sql`id::text, parent_id::text as "parentId", position, names,
  ${time('created_at')} as "createdAt", ${time('updated_at')} as "updatedAt"`;
const articleColumns = (
  time: Time,
) => sql`id::text, category_id::text as "categoryId", created_by::text as "createdBy",
  ${time('created_at')} as "createdAt", ${time('updated_at')} as "updatedAt"`;
const translationColumns = (time: Time) => sql`article_id::text as "articleId", locale, title, body, status,
  ${time('published_at')} as "publishedAt", updated_by::text as "updatedBy", ${time('updated_at')} as "updatedAt"`;
const attachmentColumns = (time: Time) => sql`id::text, article_id::text as "articleId", filename,
  content_type as "contentType", size, ${time('created_at')} as "createdAt"`;
const CATEGORY = categoryColumns(ISO);
const ARTICLE = articleColumns(ISO);
const TRANSLATION = translationColumns(ISO);
const ATTACHMENT = attachmentColumns(ISO);
// What writes return: times as seconds, written by `withUtcTexts` (a cluster takes no `to_char` in `returning`).
const CATEGORY_RETURNED = categoryColumns(epochSeconds);
const ARTICLE_RETURNED = articleColumns(epochSeconds);
const TRANSLATION_RETURNED = translationColumns(epochSeconds);
const ATTACHMENT_RETURNED = attachmentColumns(epochSeconds);

// Categories

export async function listCategories(trx: Tx, workspaceId: string): Promise<CategoryRow[]> {
  const { rows } = await sql<CategoryRow>`
    select ${CATEGORY} from kb_categories where workspace_id = ${workspaceId}
    order by position, id limit 1000`.execute(raw(trx));
  return rows;
}

export async function findCategory(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<CategoryRow | undefined> {
  const { rows } = await sql<CategoryRow>`
    select ${CATEGORY} from kb_categories where workspace_id = ${workspaceId} and id = ${id}`.execute(
    raw(trx),
  );
  return rows[0];
}

export async function insertCategory(
  trx: Tx,
  workspaceId: string,
  c: { id: string; parentId: string | null; position: number; names: Partial<Record<KbLocale, string>> },
): Promise<CategoryRow> {
  const { rows } = await sql<CategoryRow>`
    insert into kb_categories (workspace_id, id, parent_id, position, names)
    values (${workspaceId}, ${c.id}, ${c.parentId}, ${c.position}, ${JSON.stringify(c.names)}::jsonb)
    returning ${CATEGORY_RETURNED}`.execute(raw(trx));
  return withUtcTexts(rows[0]!, ['createdAt', 'updatedAt'], 6);
}

export async function updateCategoryRow(
  trx: Tx,
  workspaceId: string,
  c: { id: string; parentId: string | null; position: number; names: Partial<Record<KbLocale, string>> },
): Promise<CategoryRow> {
  const { rows } = await sql<CategoryRow>`
    update kb_categories set parent_id = ${c.parentId}, position = ${c.position},
      names = ${JSON.stringify(c.names)}::jsonb, updated_at = now()
    where workspace_id = ${workspaceId} and id = ${c.id}
    returning ${CATEGORY_RETURNED}`.execute(raw(trx));
  return withUtcTexts(rows[0]!, ['createdAt', 'updatedAt'], 6);
}

/** How many sub-categories and articles a category holds (it is removed only when empty). */
export async function categoryContents(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<{ children: number; articles: number }> {
  const { rows } = await sql<{ children: number; articles: number }>`
    select (select count(*)::int from kb_categories where workspace_id = ${workspaceId} and parent_id = ${id})
        as children,
      (select count(*)::int from kb_articles where workspace_id = ${workspaceId} and category_id = ${id})
        as articles`.execute(raw(trx));
  return rows[0]!;
}

export async function deleteCategoryRow(trx: Tx, workspaceId: string, id: string): Promise<void> {
  await sql`delete from kb_categories where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
}

// Articles and translations

export async function insertArticle(
  trx: Tx,
  workspaceId: string,
  a: { id: string; categoryId: string | null; createdBy: string | null },
): Promise<ArticleRow> {
  const { rows } = await sql<ArticleRow>`
    insert into kb_articles (workspace_id, id, category_id, created_by)
    values (${workspaceId}, ${a.id}, ${a.categoryId}, ${a.createdBy})
    returning ${ARTICLE_RETURNED}`.execute(raw(trx));
  return withUtcTexts(rows[0]!, ['createdAt', 'updatedAt'], 6);
}

/** The article, locked for a writer when `forUpdate`. */
export async function findArticle(
  trx: Tx,
  workspaceId: string,
  id: string,
  forUpdate = false,
): Promise<ArticleRow | undefined> {
  const { rows } = await sql<ArticleRow>`
    select ${ARTICLE} from kb_articles where workspace_id = ${workspaceId} and id = ${id}
    ${forUpdate ? sql`for update` : sql``}`.execute(raw(trx));
  return rows[0];
}

export async function setArticleCategory(
  trx: Tx,
  workspaceId: string,
  id: string,
  categoryId: string | null,
): Promise<void> {
  await sql`
    update kb_articles set category_id = ${categoryId}, updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
}

export async function touchArticle(trx: Tx, workspaceId: string, id: string): Promise<void> {
  await sql`update kb_articles set updated_at = now() where workspace_id = ${workspaceId} and id = ${id}`.execute(
    raw(trx),
  );
}

export async function deleteArticleRow(trx: Tx, workspaceId: string, id: string): Promise<void> {
  await sql`delete from kb_articles where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
}

/** A page of articles, most recently changed first, strictly after the article `before` when given. */
export async function articlesPage(
  trx: Tx,
  workspaceId: string,
  page: { limit: number; before?: string | undefined; categoryId?: string | undefined },
): Promise<ArticleRow[]> {
  const after = page.before
    ? sql`and (a.updated_at, a.id) < (select b.updated_at, b.id from kb_articles b
        where b.workspace_id = ${workspaceId} and b.id = ${page.before})`
    : sql``;
  const inCategory = page.categoryId ? sql`and a.category_id = ${page.categoryId}` : sql``;
  const { rows } = await sql<ArticleRow>`
    select ${ARTICLE} from kb_articles a
    where a.workspace_id = ${workspaceId} ${inCategory} ${after}
    order by a.updated_at desc, a.id desc
    limit ${page.limit}`.execute(raw(trx));
  return rows;
}

/** The translations of some articles, in locale order; `published` keeps only published ones. */
export async function translationsOf(
  trx: Tx,
  workspaceId: string,
  articleIds: readonly string[],
  options: { published?: boolean; withBody?: boolean } = {},
): Promise<TranslationRow[]> {
  if (articleIds.length === 0) return [];
  const { rows } = await sql<TranslationRow>`
    select ${TRANSLATION} from kb_translations
    where workspace_id = ${workspaceId} and article_id = any(${articleIds}::uuid[])
      ${options.published ? sql`and status = 'published'` : sql``}
    order by article_id, array_position(array['en', 'ar', 'fa'], locale)`.execute(raw(trx));
  return options.withBody === false ? rows.map((r) => ({ ...r, body: '' })) : rows;
}

/** How much of a translation's folded body its search head holds (migration `service-0017-kb-search-head`). */
const HEAD_CHARS = 600;
/**
 * Titles a typo away from the query are looked for only when its words matched fewer translations than this (one
 * number for every page of a search, so its pages agree).
 */
const TYPO_PASS_BELOW = 20;

/**
 * Writes one translation with its search columns: the folded title (for trigrams), a tsvector of the folded
 * title (weight A) and body (weight B) under `english` for English and `simple` for Arabic and Persian (what a
 * search matches), and the same of the title and the body's first `HEAD_CHARS` characters (what ranks the matches).
 */
export async function upsertTranslation(
  trx: Tx,
  workspaceId: string,
  t: {
    articleId: string;
    locale: KbLocale;
    title: string;
    body: string;
    status: KbStatus;
    updatedBy: string | null;
    titleFolded: string;
    bodyFolded: string;
  },
): Promise<TranslationRow> {
  const config = t.locale === 'en' ? 'english' : 'simple';
  const { rows } = await sql<TranslationRow>`
    insert into kb_translations as k (workspace_id, article_id, locale, title, body, status, published_at,
      updated_by, title_folded, search, search_head)
    values (${workspaceId}, ${t.articleId}, ${t.locale}, ${t.title}, ${t.body}, ${t.status},
      case when ${t.status} = 'published' then now() end, ${t.updatedBy}, ${t.titleFolded},
      setweight(to_tsvector(${config}::regconfig, ${t.titleFolded}), 'A')
        || setweight(to_tsvector(${config}::regconfig, ${t.bodyFolded}), 'B'),
      setweight(to_tsvector(${config}::regconfig, ${t.titleFolded}), 'A')
        || setweight(to_tsvector(${config}::regconfig, ${t.bodyFolded.slice(0, HEAD_CHARS)}), 'B'))
    on conflict (workspace_id, article_id, locale) do update set
      title = excluded.title, body = excluded.body, status = excluded.status,
      published_at = case when excluded.status = 'draft' then null
        when k.status = 'published' then k.published_at else excluded.updated_at end,
      updated_by = excluded.updated_by, updated_at = excluded.updated_at, title_folded = excluded.title_folded,
      search = excluded.search, search_head = excluded.search_head
    returning ${TRANSLATION_RETURNED}`.execute(raw(trx));
  return withUtcTexts(rows[0]!, ['publishedAt', 'updatedAt'], 6);
}

export async function deleteTranslationRow(
  trx: Tx,
  workspaceId: string,
  articleId: string,
  locale: KbLocale,
): Promise<boolean> {
  const result = await sql`
    delete from kb_translations where workspace_id = ${workspaceId} and article_id = ${articleId}
      and locale = ${locale}`.execute(raw(trx));
  return Number(result.numAffectedRows ?? 0) > 0;
}

/**
 * Translations matching a folded query, best first: full-text under both configurations (an English stem and the
 * plain words of Arabic and Persian), or a title within trigram reach of the query (a typo). `match: 'any'` ORs the
 * query's words (suggestions from a ticket's subject), `'all'` reads it as a web search (every word, "phrases",
 * -exclusions). A match of the words anywhere in the text counts, ranked by the title and the body's opening (the
 * search head); titles a typo away come after them, and only when the words found few. A translation in `prefer`
 * ranks above every other. Pages by `(score, article, locale)`; at most 2,000 matches a pass are ranked.
 */
export async function searchTranslations(
  trx: Tx,
  workspaceId: string,
  q: {
    folded: string;
    match: 'all' | 'any';
    publishedOnly: boolean;
    locale?: KbLocale | undefined;
    prefer?: KbLocale | undefined;
    excludeArticle?: string | undefined;
    after?: { score: number; articleId: string; locale: string } | undefined;
    limit: number;
  },
): Promise<SearchRow[]> {
  const tsquery = (config: 'english' | 'simple') =>
    q.match === 'all'
      ? sql`websearch_to_tsquery(${config}::regconfig, ${q.folded})`
      : sql`nullif(replace(plainto_tsquery(${config}::regconfig, ${q.folded})::text, ' & ', ' | '), '')::tsquery`;
  const after = q.after
    ? sql`where (s.score, s."articleId", s.locale) < (${q.after.score}::float8, ${q.after.articleId}, ${q.after.locale})`
    : sql``;
  // The matches and their scores come from `rabita_kb_matches` (migrations `service-0017-kb-search-head` and
  // `service-0023-kb-matches-by-workspace`, named by the workspace so a Citus cluster runs it on its worker: through the
  // indexes, which row-level security keeps the application's role from; by words, then titles a typo away when the
  // words found fewer than `TYPO_PASS_BELOW`). The page is chosen from the scores alone; only its rows' bodies are
  // read (a common word matches many translations, and reading each one's body cost as much as ranking it:
  // bench/service-speed.ts).
  const call = sql`rabita_kb_matches(${workspaceId}::uuid, ${tsquery('english')}, ${tsquery('simple')}, ${q.folded},
    ${q.publishedOnly}, ${q.locale ?? null}, ${q.excludeArticle ?? null}::uuid, 2000, ${TYPO_PASS_BELOW})`;
  const matches = (await onCitus(trx)) ? await matchesApart(trx, call) : call;
  const { rows } = await sql<SearchRow>`
    select p."articleId", p.locale, t.title, left(t.body, 2000) as body, t.status,
      ${ISO('t.updated_at')} as "updatedAt", p.score
    from (
      select * from (
        select m.article_id, m.article_id::text as "articleId", m.locale,
          m.score + case when m.locale = ${q.prefer ?? null} then 10 else 0 end as score
        from ${matches} as m(article_id, locale, score)
      ) s
      ${after}
      order by s.score desc, s."articleId" desc, s.locale desc
      limit ${q.limit}
    ) p
    join kb_translations t
      on t.workspace_id = ${workspaceId} and t.article_id = p.article_id and t.locale = p.locale
    order by p.score desc, p."articleId" desc, p.locale desc`.execute(raw(trx));
  return rows;
}

/**
 * On a Citus cluster: the search's matches found by a call of their own, which the cluster runs on the workspace's
 * worker (`service-0023`), and given to the page's query as bound lists. Inside that query, which Citus routes to
 * the workspace's shard, the owner-run function may not read `kb_translations` again ("cannot execute a distributed
 * query from a query on a shard"). Two statements instead of one; at most 2,000 matches a pass travel.
 */
async function matchesApart(trx: Tx, call: RawBuilder<unknown>): Promise<RawBuilder<unknown>> {
  const { rows } = await sql<{ article_id: string; locale: string; score: number }>`
    select m.article_id, m.locale, m.score from ${call} as m`.execute(raw(trx));
  return sql`unnest(${rows.map((r) => r.article_id)}::uuid[], ${rows.map((r) => r.locale)}::text[],
    ${rows.map((r) => r.score)}::float8[])`;
}

/** Published translations, most recently changed first, for a help centre's front page (keyset on the pair). */
export async function publishedPage(
  trx: Tx,
  workspaceId: string,
  page: {
    limit: number;
    locale?: KbLocale | undefined;
    categoryId?: string | undefined;
    after?: { updatedAt: string; articleId: string; locale: string } | undefined;
  },
): Promise<SearchRow[]> {
  const after = page.after
    ? sql`and (t.updated_at, t.article_id, t.locale) < (${page.after.updatedAt}::timestamptz,
        ${page.after.articleId}::uuid, ${page.after.locale})`
    : sql``;
  const { rows } = await sql<SearchRow>`
    select t.article_id::text as "articleId", t.locale, t.title, left(t.body, 2000) as body, t.status,
      ${ISO('t.updated_at')} as "updatedAt", 0::float8 as score
    from kb_translations t
    where t.workspace_id = ${workspaceId} and t.status = 'published'
      ${page.locale ? sql`and t.locale = ${page.locale}` : sql``}
      ${
        page.categoryId
          ? sql`and exists (select 1 from kb_articles a where a.workspace_id = t.workspace_id
              and a.id = t.article_id and a.category_id = ${page.categoryId})`
          : sql``
      }
      ${after}
    order by t.updated_at desc, t.article_id desc, t.locale desc
    limit ${page.limit}`.execute(raw(trx));
  return rows;
}

// Attachments

export async function insertAttachment(
  trx: Tx,
  workspaceId: string,
  a: {
    id: string;
    articleId: string;
    filename: string;
    contentType: string;
    content: Buffer;
    createdBy: string | null;
  },
): Promise<AttachmentRow> {
  const { rows } = await sql<AttachmentRow>`
    insert into kb_attachments (workspace_id, id, article_id, filename, content_type, size, content, created_by)
    values (${workspaceId}, ${a.id}, ${a.articleId}, ${a.filename}, ${a.contentType}, ${a.content.length},
      ${a.content}, ${a.createdBy})
    returning ${ATTACHMENT_RETURNED}`.execute(raw(trx));
  return withUtcTexts(rows[0]!, ['createdAt'], 6);
}

export async function attachmentsOf(
  trx: Tx,
  workspaceId: string,
  articleId: string,
): Promise<AttachmentRow[]> {
  const { rows } = await sql<AttachmentRow>`
    select ${ATTACHMENT} from kb_attachments where workspace_id = ${workspaceId} and article_id = ${articleId}
    order by created_at, id limit 200`.execute(raw(trx));
  return rows;
}

/** Bytes an article's attachments take together. */
export async function attachmentBytes(trx: Tx, workspaceId: string, articleId: string): Promise<number> {
  const { rows } = await sql<{ total: number }>`
    select coalesce(sum(size), 0)::int as total from kb_attachments
    where workspace_id = ${workspaceId} and article_id = ${articleId}`.execute(raw(trx));
  return rows[0]!.total;
}

/** An attachment with its bytes; `published` only when its article has a published translation. */
export async function findAttachment(
  trx: Tx,
  workspaceId: string,
  id: string,
  options: { published?: boolean } = {},
): Promise<(AttachmentRow & { content: Buffer }) | undefined> {
  const { rows } = await sql<AttachmentRow & { content: Buffer }>`
    select ${ATTACHMENT}, content from kb_attachments f
    where f.workspace_id = ${workspaceId} and f.id = ${id}
      ${
        options.published
          ? sql`and exists (select 1 from kb_translations t where t.workspace_id = f.workspace_id
              and t.article_id = f.article_id and t.status = 'published')`
          : sql``
      }`.execute(raw(trx));
  return rows[0];
}

export async function deleteAttachmentRow(trx: Tx, workspaceId: string, id: string): Promise<boolean> {
  const result =
    await sql`delete from kb_attachments where workspace_id = ${workspaceId} and id = ${id}`.execute(
      raw(trx),
    );
  return Number(result.numAffectedRows ?? 0) > 0;
}

// The public help centre

export async function findSite(
  trx: Tx,
  workspaceId: string,
): Promise<{ publicId: string; enabled: boolean } | undefined> {
  const { rows } = await sql<{ publicId: string; enabled: boolean }>`
    select public_id as "publicId", enabled from kb_sites where workspace_id = ${workspaceId}`.execute(
    raw(trx),
  );
  return rows[0];
}

export async function upsertSite(
  trx: Tx,
  workspaceId: string,
  site: { publicId: string; enabled: boolean },
): Promise<{ publicId: string; enabled: boolean }> {
  const { rows } = await sql<{ publicId: string; enabled: boolean }>`
    insert into kb_sites (workspace_id, public_id, enabled) values (${workspaceId}, ${site.publicId}, ${site.enabled})
    on conflict (workspace_id) do update set public_id = excluded.public_id, enabled = excluded.enabled,
      updated_at = excluded.updated_at
    returning public_id as "publicId", enabled`.execute(raw(trx));
  return rows[0]!;
}

/** The workspace of a published help centre, by its public id (before any workspace is known). */
export async function siteWorkspace(db: Database, publicId: string): Promise<string | undefined> {
  const { rows } = await sql<{ workspaceId: string | null }>`
    select rabita_kb_workspace(${publicId})::text as "workspaceId"`.execute(raw(db));
  return rows[0]?.workspaceId ?? undefined;
}
