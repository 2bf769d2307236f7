import type { Tx } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';
import { AppError } from '../errors/app-error.ts';
import { hiddenFor, ownerLimit, type Reader, ruleFor } from './access.ts';
import { fieldSql, objectScope } from './expressions.ts';
import { ALIAS, openScope, type Scope } from './scope.ts';

/** What a count by owner leaves out. */
export interface CountByOwnerOptions {
  /**
   * Records whose field holds one of these values (a lead's closed statuses). The field must be required and kept in
   * its own column, so "not one of them" is exact and a partial index can name the same condition.
   */
  except?: { field: string; values: readonly string[] } | undefined;
  /** These records (the one being assigned, which already has its creator as owner). */
  excludeIds?: readonly string[] | undefined;
}

/**
 * The grouped count behind `countRecordsByOwnerIn`: live records of the object owned by each of `ownerIds`, as the
 * reader may read them (its "own records only" rule applies). It compares the `owner_id` column itself (not its
 * text, as the list filter does), so an index on `(workspace_id, owner_id, id)` answers it, and a partial one whose
 * predicate is `deleted_at is null and <field> <> all(<values>)` answers it without reading the table.
 */
export function countByOwnerQuery(
  s: Scope,
  reader: Reader,
  ownerIds: readonly string[],
  options: CountByOwnerOptions = {},
): RawBuilder<{ ownerId: string; n: number }> {
  const rule = ruleFor(reader, s.object.key);
  if (!rule.read) throw new AppError('forbidden', `Your role may not read ${s.object.key}.`);
  const owner = s.object.fields.find((f) => f.key === 'owner');
  if (owner?.column !== 'owner_id') throw new Error(`${s.object.key} has no owner column to count by`);
  const limit = ownerLimit(reader, rule);
  const own =
    limit === undefined
      ? sql`true`
      : limit === null
        ? sql`false`
        : sql`${sql.ref(`${ALIAS}.owner_id`)} = ${limit}`;
  let except = sql`true`;
  if (options.except && options.except.values.length > 0) {
    const key = options.except.field;
    const field = s.object.fields.find((f) => f.key === key);
    if (!field?.column || !field.required || hiddenFor(reader)(s.object.key, key))
      throw new Error(`${s.object.key}.${key} is not a required field of its own column the reader sees`);
    except = sql`${fieldSql(field, ALIAS).raw} <> all(${[...options.except.values]}::text[])`;
  }
  const excluded =
    options.excludeIds && options.excludeIds.length > 0
      ? sql`${sql.ref(`${ALIAS}.id`)} <> all(${[...options.excludeIds]}::uuid[])`
      : sql`true`;
  return sql<{ ownerId: string; n: number }>`
    select ${sql.ref(`${ALIAS}.owner_id`)} as "ownerId", count(*)::int as n
    from ${sql.table(s.object.table)} as ${sql.table(ALIAS)}
    where ${objectScope(s.object, ALIAS, s.workspaceId)} and ${own}
      and ${sql.ref(`${ALIAS}.owner_id`)} = any(${[...ownerIds]}::uuid[])
      and ${except} and ${excluded}
    group by ${sql.ref(`${ALIAS}.owner_id`)}`;
}

/**
 * How many live records of an object each of these owners holds (owners with none are absent), in the caller's
 * workspace transaction, leaving out what `options` name: one grouped count a module's index can answer (sales
 * counts each pool member's open leads this way before giving them another).
 */
export async function countRecordsByOwnerIn(
  trx: Tx,
  reader: Reader,
  workspaceId: string,
  objectKey: string,
  ownerIds: readonly string[],
  options: CountByOwnerOptions = {},
): Promise<Map<string, number>> {
  if (ownerIds.length === 0) return new Map();
  const s = await openScope(trx, workspaceId, objectKey);
  const { rows } = await countByOwnerQuery(s, reader, ownerIds, options).execute(s.raw);
  return new Map(rows.map((r) => [r.ownerId, r.n]));
}
