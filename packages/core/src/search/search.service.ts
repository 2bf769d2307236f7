import { onCitus, type Tx, withWorkspace } from '@rabita/db';
import { compactText, normalizeText, toAsciiDigits } from '@rabita/shared';
import { sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { loadObjects } from '../metadata/metadata.service.ts';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import { hiddenFor, ownerLimit, ruleFor } from '../records/access.ts';
import { readRecords, seesTitle, titleFor } from '../records/gate.ts';
import { workspaceSettings } from '../records/scope.ts';
import { readPhone } from '../records/values.ts';

/** One search result: enough to show a line and open the record. */
export interface SearchHit {
  object: string;
  id: string;
  title: string;
  subtitle: string | null;
  score: number;
}

export interface SearchOptions {
  q: string;
  /** Object keys to search; all readable objects when absent. */
  objects?: string[] | undefined;
  limit?: number | undefined;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
/** Objects whose standard phone columns are kept as E.164 arrays with a GIN index. */
const PHONE_TABLES = new Set(['people', 'companies', 'leads']);
const PHONE_LIKE = /^[\s\d+\-().\u0660-\u0669\u06F0-\u06F9]+$/;
// At most this many substring, and near-word, candidates are ranked per search: enough to rank well, bounded
// so that a very common query costs no more than a rare one.
const CANDIDATES = 1000;
const NEAR_CANDIDATES = 300;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The objects a search may look in for this caller, refusing unknown keys by name. */
function searchableObjects(all: ObjectDef[], principal: Principal, wanted?: string[]): ObjectDef[] {
  if (wanted) {
    const unknown = wanted.filter((k) => !all.some((o) => o.key === k));
    if (unknown.length > 0)
      throw new AppError(
        'validation_failed',
        `There is no object ${unknown.map((k) => `"${k}"`).join(', ')}.`,
        {
          errors: [{ field: 'objects', message: `Unknown object: ${unknown.join(', ')}.` }],
        },
      );
  }
  return all.filter((o) => (!wanted || wanted.includes(o.key)) && ruleFor(principal, o.key).read);
}

/** Phone lookups by exact E.164 through the GIN indexes, when the query reads as a phone number. */
async function phoneHits(
  trx: Tx,
  workspaceId: string,
  objects: ObjectDef[],
  q: string,
  defaultCountry: string,
): Promise<SearchHit[]> {
  if (!PHONE_LIKE.test(q) || toAsciiDigits(q).replace(/\D/g, '').length < 6) return [];
  const phone = readPhone(q, defaultCountry);
  if (!phone) return [];
  const hits: SearchHit[] = [];
  const documents = (await onCitus(trx)) ? phoneDocumentsApart : phoneDocuments;
  for (const object of objects.filter((o) => PHONE_TABLES.has(o.key))) {
    for (const row of await documents(trx, workspaceId, object.key, phone.e164))
      hits.push({ object: object.key, id: row.id, title: row.title, subtitle: row.subtitle, score: 1 });
  }
  return hits;
}

type PhoneDocument = { id: string; title: string; subtitle: string | null };

/** The live records of an object holding an E.164 number, with their documents' title and subtitle. */
async function phoneDocuments(
  trx: Tx,
  workspaceId: string,
  objectKey: string,
  e164: string,
): Promise<PhoneDocument[]> {
  // The GIN index on phone_numbers is reached through an owner-run function (see migration 0013).
  const { rows } = await sql<PhoneDocument>`
    select p.id, coalesce(d.title, '') as title, d.subtitle
    from rabita_records_by_phone(${objectKey}, ${e164}, 20) as p(id)
    left join search_documents d
      on d.workspace_id = ${workspaceId} and d.object_key = ${objectKey} and d.record_id = p.id`.execute(trx);
  return rows;
}

/**
 * `phoneDocuments` on a Citus cluster: the owner-run lookup may not read the records from inside a query routed to
 * the workspace's shard, so it runs on its own, named by its workspace so that it runs on the workspace's worker
 * (`rabita_phone_records`, search-0001), and the documents of the ids it found are read after (two statements
 * instead of one), in the lookup's order, with an empty title where a record has no document.
 */
async function phoneDocumentsApart(
  trx: Tx,
  workspaceId: string,
  objectKey: string,
  e164: string,
): Promise<PhoneDocument[]> {
  const found = await sql<{ id: string }>`
    select p.id from rabita_phone_records(${workspaceId}::uuid, ${objectKey}, ${e164}, 20) as p(id)`.execute(
    trx,
  );
  const ids = found.rows.map((r) => r.id);
  if (ids.length === 0) return [];
  const { rows } = await sql<{ recordId: string; title: string; subtitle: string | null }>`
    select record_id, title, subtitle from search_documents
    where workspace_id = ${workspaceId} and object_key = ${objectKey} and record_id = any(${ids}::uuid[])`.execute(
    trx,
  );
  const documents = new Map(rows.map((r) => [r.recordId, r]));
  return ids.map((id) => ({
    id,
    title: documents.get(id)?.title ?? '',
    subtitle: documents.get(id)?.subtitle ?? null,
  }));
}

type HitRow = { objectKey: string; recordId: string; title: string; subtitle: string | null; score: number };

/**
 * Full-text candidates in three tiers, each an index scan with a bounded number of rows, so a query that matches
 * a hundred thousand records costs what a rare one costs: (1) titles starting with the query, in title order,
 * from the prefix index; (2) if those are too few, the query anywhere in the folded text, spaced or spaceless,
 * ranked by where it matched; (3) if nothing matched at all, near-word matches (small typos) by trigram word
 * similarity.
 */
async function textHits(
  trx: Tx,
  workspaceId: string,
  objects: ObjectDef[],
  q: string,
  limit: number,
  options: { nearWords: boolean; enough: number },
): Promise<SearchHit[]> {
  const folded = normalizeText(q);
  const compact = compactText(q);
  if (!folded) return [];
  const keys = objects.map((o) => o.key);
  // Each tier is an owner-run function (migration 0013): under row-level security LIKE and trigram conditions
  // would not use their indexes. Each names its workspace, so a cluster runs it on the workspace's worker alone
  // (search-0001).
  const prefix = await sql<HitRow>`
    select object_key, record_id, title, subtitle, score
    from rabita_search_prefix(${workspaceId}::uuid, ${keys}::text[], ${`${escapeLike(folded)}%`}, ${limit})`.execute(
    trx,
  );
  const rows = [...prefix.rows];
  // Substring matches only when the title prefixes do not fill the page the caller asked for.
  if (rows.length < options.enough) {
    const anywhere = await sql<HitRow>`
      select object_key, record_id, title, subtitle, score
      from rabita_search_contains(${workspaceId}::uuid, ${keys}::text[], ${folded}, ${`%${escapeLike(folded)}%`},
                                  ${`%${escapeLike(compact)}%`}, ${CANDIDATES}, ${limit})`.execute(trx);
    rows.push(...anywhere.rows);
  }
  // Near words only when nothing matched as typed: a typo fallback, and the one tier whose cost grows with
  // how common the query's letters are.
  if (options.nearWords && rows.length === 0 && folded.length >= 3) {
    const near = await sql<HitRow>`
      select object_key, record_id, title, subtitle, score
      from rabita_search_near(${workspaceId}::uuid, ${keys}::text[], ${folded}, ${NEAR_CANDIDATES}, ${limit})`.execute(
      trx,
    );
    rows.push(...near.rows);
  }
  return rows.map((r) => ({
    object: r.objectKey,
    id: r.recordId,
    title: r.title,
    subtitle: r.subtitle,
    score: Math.round(r.score * 1000) / 1000,
  }));
}

/**
 * Hits as the caller may see them, through the record engine's gate: other owners' records under "own records
 * only" are dropped, titles and subtitles are made from the fields the caller may see, and where the caller may
 * not see some searchable or title field only a match on what they can see counts, so a search cannot reveal a
 * hidden value.
 */
async function visibleHits(
  trx: Tx,
  principal: Principal,
  objects: ObjectDef[],
  hits: SearchHit[],
  q: string,
  byPhone: ReadonlySet<string>,
): Promise<SearchHit[]> {
  const hidden = hiddenFor(principal);
  const folded = normalizeText(q);
  const shown = new Map<string, SearchHit>();
  for (const object of objects) {
    const ofObject = hits.filter((h) => h.object === object.key);
    if (ofObject.length === 0) continue;
    const fields = [...object.titleFields, ...(object.subtitleField ? [object.subtitleField] : [])];
    // A document holds the searchable fields and the title (searchable or not): hiding any of them means only
    // what the caller sees may match.
    const hidesSearchable = object.fields.some(
      (f) => (f.searchable || object.titleFields.includes(f.key)) && hidden(object.key, f.key),
    );
    const titleShown = seesTitle(principal, object);
    // The gate reads the records only when it has something to take away: another owner's records, or a title
    // the caller may not see in full (a document's title and subtitle are otherwise what the record shows).
    const ownersLimited =
      ownerLimit(principal, ruleFor(principal, object.key)) !== undefined &&
      object.fields.some((f) => f.key === 'owner');
    const views =
      ownersLimited || !titleShown
        ? await readRecords(
            trx,
            principal,
            object.key,
            ofObject.map((h) => h.id),
            { fields },
          )
        : undefined;
    for (const hit of ofObject) {
      const view = views ? views.get(hit.id) : {};
      if (!view) continue;
      const title = titleShown ? hit.title : (titleFor(principal, object, view) ?? '');
      // A phone match counts when the caller sees the object's phone fields; any other match only when what it
      // matched is in sight.
      const key = `${hit.object}:${hit.id}`;
      const phoneSeen =
        byPhone.has(key) &&
        object.fields.every(
          (f) => !(f.type === 'phones' || f.type === 'phone') || !hidden(object.key, f.key),
        );
      if (hidesSearchable && !phoneSeen && !normalizeText(title).includes(folded)) continue;
      const subtitle =
        object.subtitleField && !hidden(object.key, object.subtitleField) ? hit.subtitle : null;
      shown.set(`${hit.object}:${hit.id}`, { ...hit, title, subtitle });
    }
  }
  return hits.flatMap((h) => shown.get(`${h.object}:${h.id}`) ?? []);
}

/**
 * Searches every searchable field of every object the caller may read, ranked: phone numbers in any written
 * form by exact index lookup, text folded alike on both sides (Arabic and Persian letter variants, digits,
 * case, accents, spaces inside words), partial words and small typos.
 */
export async function searchRecords(
  { db, principal }: ServiceContext,
  options: SearchOptions,
): Promise<SearchHit[]> {
  const q = options.q.trim();
  if (!normalizeText(q))
    throw new AppError('validation_failed', 'The search needs at least one letter or digit.', {
      errors: [{ field: 'q', message: 'Must contain a letter or digit.' }],
    });
  const limit = Math.min(options.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const workspace = await workspaceSettings(trx, principal.workspaceId);
    const all = await loadObjects(trx, principal.workspaceId, workspace.metadataVersion);
    const objects = searchableObjects(all, principal, options.objects);
    if (objects.length === 0) return [];
    const byPhone = await phoneHits(trx, principal.workspaceId, objects, q, workspace.defaultCountry);
    // A number that is someone's phone is answered by the exact lookup alone; the text tiers would only add
    // partial digit matches, at the cost of a trigram scan over every document's digits.
    const byText =
      byPhone.length > 0
        ? []
        : await textHits(trx, principal.workspaceId, objects, q, limit * 3, {
            nearWords: true,
            enough: limit,
          });
    const seen = new Set<string>();
    const merged = [...byPhone, ...byText].filter((h) => {
      const key = `${h.object}:${h.id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const phoneKeys = new Set(byPhone.map((h) => `${h.object}:${h.id}`));
    const visible = await visibleHits(trx, principal, objects, merged, q, phoneKeys);
    return visible.slice(0, limit);
  });
}
