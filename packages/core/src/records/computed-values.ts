import { type Tx, workspaceLiteral } from '@rabita/db';
import { sql } from 'kysely';
import { AppError } from '../errors/app-error.ts';
import type { Reader } from './access.ts';
import { compileFilterBound } from './compile-filter-bound.ts';
import { objectScope } from './expressions.ts';
import { compileFilter } from './filter.ts';
import { ALIAS, openScope } from './scope.ts';

// Seams for modules that derive a value from records and store it in a read-only standard field (the sales
// module's lead score): which records match a filter, which activities are linked to them, and writing the
// derived value. None of these show record data to anyone; what a module shows goes through the gate.

/** The activity column that links activities to records of each standard object. */
const ACTIVITY_LINKS: Record<string, string> = {
  people: 'person_ids',
  companies: 'company_ids',
  deals: 'deal_ids',
  leads: 'lead_ids',
};

/**
 * Whether `reader` may filter the object's lists by this tree (every field it names visible to them, every
 * relation it follows readable): the same compile a list runs, without reading any row.
 */
export async function canFilterBy(
  trx: Tx,
  reader: Reader,
  workspaceId: string,
  objectKey: string,
  filter: unknown,
): Promise<boolean> {
  const s = await openScope(trx, workspaceId, objectKey);
  try {
    compileFilter(s.object, filter, ALIAS, { ...s.ctx, workspaceId, objects: s.objects, reader });
    return true;
  } catch (error) {
    if (error instanceof AppError && error.code === 'validation_failed') return false;
    throw error;
  }
}

/**
 * Which of these live records match a filter tree compiled for `reader` (one statement for all of them). Bad
 * trees are refused with 400 like a list's.
 */
export async function recordsMatchingFilter(
  trx: Tx,
  reader: Reader,
  workspaceId: string,
  objectKey: string,
  ids: readonly string[],
  filter: unknown,
): Promise<Set<string>> {
  const s = await openScope(trx, workspaceId, objectKey);
  const { where } = await compileFilterBound(trx, s.object, filter, ALIAS, {
    ...s.ctx,
    workspaceId,
    objects: s.objects,
    reader,
  });
  if (ids.length === 0) return new Set();
  const { rows } = await sql<{ id: string }>`
    select ${sql.ref(`${ALIAS}.id`)} as id from ${sql.table(s.object.table)} as ${sql.table(ALIAS)}
    where ${objectScope(s.object, ALIAS, workspaceId)} and ${sql.ref(`${ALIAS}.id`)} = any(${ids}::uuid[])
      and ${where}`.execute(s.raw);
  return new Set(rows.map((r) => String(r.id)));
}

/** One live activity linked to a record: its id, type and time (when it happened, else when it was logged). */
export interface LinkedActivity {
  recordId: string;
  activityId: string;
  type: string;
  at: Date;
}

/**
 * The live activities linked to these records through the activities' standard link columns (one statement,
 * through `rabita_derived.activity_links`), newest first per record.
 */
export async function activitiesLinkedTo(
  trx: Tx,
  workspaceId: string,
  objectKey: string,
  recordIds: readonly string[],
): Promise<LinkedActivity[]> {
  if (!ACTIVITY_LINKS[objectKey] || recordIds.length === 0) return [];
  const { rows } = await sql<LinkedActivity>`
    select l.record_id as "recordId", a.id as "activityId", a.type, l.at
    from rabita_derived.activity_links l
      join activities a on a.workspace_id = l.workspace_id and a.id = l.activity_id
    where l.workspace_id = ${workspaceId} and l.record_id = any(${recordIds}::uuid[])
      and a.deleted_at is null and ${sql.ref(`a.${ACTIVITY_LINKS[objectKey]}`)} @> array[l.record_id]
    order by l.record_id, l.at desc, a.id desc`.execute(trx.withoutPlugins());
  return rows.map((r) => ({ ...r, recordId: String(r.recordId), activityId: String(r.activityId) }));
}

/**
 * The records of `objectKey` these activities link to through the standard link columns, deleted activities
 * included (a deletion's event carries no fields, and what it was linked to must be recomputed).
 */
export async function recordsLinkedFromActivities(
  trx: Tx,
  workspaceId: string,
  objectKey: string,
  activityIds: readonly string[],
): Promise<string[]> {
  const column = ACTIVITY_LINKS[objectKey];
  if (!column || activityIds.length === 0) return [];
  const { rows } = await sql<{ id: string }>`
    select distinct x as id from activities a cross join lateral unnest(${sql.ref(`a.${column}`)}) x
    where a.workspace_id = ${workspaceId} and a.id = any(${activityIds}::uuid[])`.execute(
    trx.withoutPlugins(),
  );
  return rows.map((r) => String(r.id));
}

/**
 * Stores values a module derived into a read-only number field with a column (the lead's `score`), for live
 * records, in one statement. Not an edit: no audit row, no record event, `updated_at` kept; the field is
 * read-only to every caller, so this is the only way it changes. The workspace is a literal: with a parameter, a
 * Citus coordinator sent this `update … from unnest(…)` to every shard.
 */
export async function writeComputedNumbers(
  trx: Tx,
  workspaceId: string,
  objectKey: string,
  fieldKey: string,
  values: ReadonlyMap<string, string | null>,
): Promise<void> {
  const s = await openScope(trx, workspaceId, objectKey);
  const field = s.object.fields.find((f) => f.key === fieldKey);
  if (!field?.column || !field.readOnly || field.type !== 'number' || field.custom)
    throw new Error(`${objectKey}.${fieldKey} is not a read-only standard number field.`);
  if (values.size === 0) return;
  const ids = [...values.keys()];
  const numbers = ids.map((id) => values.get(id) ?? null);
  await sql`
    update ${sql.table(s.object.table)} as t set ${sql.ref(field.column)} = v.value
    from unnest(${ids}::uuid[], ${numbers}::numeric[]) as v(id, value)
    where t.workspace_id = ${workspaceLiteral(workspaceId)} and t.id = v.id and t.deleted_at is null
      and ${sql.ref(`t.${field.column}`)} is distinct from v.value`.execute(s.raw);
}
