import { type Tx, withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { assertAllowed, hiddenFor } from './access.ts';
import { compileFilterBound } from './compile-filter-bound.ts';
import { type ExpandedRecord, expandRelationsIn } from './expand-relations.ts';
import { valueLookups } from './filter-lookups.ts';
import { presenter, type RecordView, visibility } from './gate.ts';
import { foldedValuesFor, listPageQuery } from './records.repository.ts';
import { ALIAS, openScope, ownerCondition, type Scope } from './scope.ts';
import { pagePlan } from './seek.ts';
import { parseSort, sortColumns } from './sort.ts';

/** What a list asks for: filter, sort, page size and start, and the fields to show. */
export interface ListOptions {
  filter?: unknown;
  sort?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
  fields?: string[] | undefined;
  /** Where the page starts instead of the top: a first sort key's value, or the end read backwards (seek.ts). */
  seek?: unknown;
  reverse?: boolean | undefined;
}

const MAX_LIMIT = 1000;
/** At most this many folded values a `contains` matches are given to the planner as a list. */
const MAX_KNOWN_VALUES = 2000;

/** The list query for these options, checked against the caller's permissions. */
async function buildList(s: Scope, principal: Principal, options: ListOptions) {
  assertAllowed(principal, s.object.key, 'read');
  const hidden = hiddenFor(principal);
  const visible = visibility(principal, s.object, options.fields);
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new AppError('validation_failed', `limit must be from 1 to ${MAX_LIMIT}.`, {
      errors: [{ field: 'limit', message: `Must be from 1 to ${MAX_LIMIT}.` }],
    });
  }
  // The values a `contains` on a folded name matches, looked up first so the planner sees how many rows they hold.
  const foldedValues = await foldedValuesFor(
    s.raw,
    s.workspaceId,
    valueLookups(s.object, options.filter, hidden),
    MAX_KNOWN_VALUES,
  );
  const filter = await compileFilterBound(s.trx, s.object, options.filter, ALIAS, {
    ...s.ctx,
    foldedValues,
    workspaceId: s.workspaceId,
    objects: s.objects,
    reader: principal,
  });
  const keys = parseSort(s.object, options.sort, ALIAS, hidden);
  const plan = pagePlan(s.object, keys, options);
  // Only the columns of the fields shown (not the derived ones: folded names, phone and email keys).
  const columns = new Set(['id']);
  for (const field of s.object.fields) if (visible(field)) columns.add(field.column ?? 'custom');
  const query = listPageQuery(s.object, s.workspaceId, {
    columns: [...columns],
    condition: sql`${ownerCondition(principal, s.object)} and ${filter.where}`,
    // Sorted by id and filtered on folded columns only: the ids come from those columns' indexes (id included).
    idsFirst: filter.indexOnly && keys.length === 1,
    sortColumns: sortColumns(keys),
    parts: plan.parts,
    merge: plan.merge,
    // One row more than the page: whether another page follows.
    limit: limit + 1,
  });
  return { query, plan, visible, limit };
}

/** Lists records with a filter, sort and keyset pagination; returns a cursor when more rows follow. */
export async function listRecords(
  { db, principal }: ServiceContext,
  objectKey: string,
  options: ListOptions,
): Promise<{ data: RecordView[]; nextCursor: string | null; backCursor: string | null }> {
  return withWorkspace(db, principal.workspaceId, (trx) => listRecordsIn(trx, principal, objectKey, options));
}

/**
 * `listRecords` with the relations asked for expanded (`expandRelationsIn`), the page and its titles read in one
 * transaction: one `begin` and `commit` a list request instead of three.
 */
export function listRecordsExpanded(
  { db, principal }: ServiceContext,
  objectKey: string,
  options: ListOptions,
  expand: string[] | undefined,
): Promise<{ data: ExpandedRecord[]; nextCursor: string | null; backCursor: string | null }> {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const page = await listRecordsIn(trx, principal, objectKey, options);
    return { ...page, data: await expandRelationsIn(trx, principal, objectKey, page.data, expand) };
  });
}

/** `listRecords` inside a transaction the caller opened (a workflow step's), with the same rules. */
export async function listRecordsIn(
  trx: Tx,
  principal: Principal,
  objectKey: string,
  options: ListOptions,
): Promise<{ data: RecordView[]; nextCursor: string | null; backCursor: string | null }> {
  const s = await openScope(trx, principal.workspaceId, objectKey);
  const { query, plan, visible, limit } = await buildList(s, principal, options);
  const { rows } = await query.execute(s.raw);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map(presenter(s.object, visible)),
    nextCursor: rows.length > limit && last ? plan.nextCursor(last) : null,
    backCursor: page[0] ? plan.backCursor(page[0]) : null,
  };
}

/** The SQL and parameters `listRecords` runs for these options (benchmarks replay it as their baseline). */
export async function compileListQuery(
  { db, principal }: ServiceContext,
  objectKey: string,
  options: ListOptions,
) {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    const compiled = (await buildList(s, principal, options)).query.compile(s.raw);
    return { sql: compiled.sql, parameters: [...compiled.parameters] };
  });
}
