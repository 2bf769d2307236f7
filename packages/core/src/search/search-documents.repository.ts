import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { SearchDocument } from './search-documents.ts';

// The SQL of `search_documents` writes. Each statement is given as a query, so the record engine can send it in
// the same statement as a write's audit rows (see records.repository.ts `executeTogether`); the `write…`
// functions run one on its own.

/** Inserts or replaces the documents of records of one object (one statement for any number). */
export function upsertSearchDocumentsQuery(
  workspaceId: string,
  objectKey: string,
  docs: readonly SearchDocument[],
): RawBuilder<unknown> {
  return sql`
    insert into search_documents (workspace_id, object_key, record_id, title, subtitle, content, compact, updated_at)
    select ${workspaceId}, ${objectKey}, d.record_id, d.title, d.subtitle, d.content, d.compact, now()
    from unnest(${docs.map((d) => d.recordId)}::uuid[], ${docs.map((d) => d.title)}::text[],
                ${docs.map((d) => d.subtitle)}::text[], ${docs.map((d) => d.content)}::text[],
                ${docs.map((d) => d.compact)}::text[])
      as d (record_id, title, subtitle, content, compact)
    on conflict (workspace_id, object_key, record_id) do update
      set title = excluded.title, subtitle = excluded.subtitle, content = excluded.content,
          -- The inserted now(): Citus takes no function that is not immutable in DO UPDATE SET.
          compact = excluded.compact, updated_at = excluded.updated_at`;
}

/** Removes the documents of records of one object. */
export function deleteSearchDocumentsQuery(
  workspaceId: string,
  objectKey: string,
  recordIds: readonly string[],
): RawBuilder<unknown> {
  return sql`
    delete from search_documents
    where workspace_id = ${workspaceId} and object_key = ${objectKey} and record_id = any(${recordIds}::uuid[])`;
}

/** Inserts or replaces documents now (nothing to do for none). */
export async function writeSearchDocuments(
  db: Kysely<unknown>,
  workspaceId: string,
  objectKey: string,
  docs: readonly SearchDocument[],
): Promise<void> {
  if (docs.length > 0) await upsertSearchDocumentsQuery(workspaceId, objectKey, docs).execute(db);
}

/** Removes documents now (nothing to do for none). */
export async function deleteSearchDocuments(
  db: Kysely<unknown>,
  workspaceId: string,
  objectKey: string,
  recordIds: readonly string[],
): Promise<void> {
  if (recordIds.length > 0) await deleteSearchDocumentsQuery(workspaceId, objectKey, recordIds).execute(db);
}
