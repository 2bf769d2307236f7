import { onCitus, type Tx } from '@rabita/db';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import { hiddenFor, ownerLimit, ruleFor } from './access.ts';
import { fieldSql, objectScope } from './expressions.ts';
import { ALIAS, ownerCondition } from './scope.ts';

/** One field to look records up by, and the values wanted (each in the form a write to the field stores). */
export interface FieldLookup {
  fieldKey: string;
  values: string[];
}

const unmatchable = (object: ObjectDef, fieldKey: string, message: string) =>
  new AppError('validation_failed', `Records cannot be matched by "${fieldKey}".`, {
    errors: [{ field: 'matchBy', message: message || `There is no field "${fieldKey}" on ${object.key}.` }],
  });

/**
 * The records of `object` holding each wanted value, for every lookup at once: one statement for the whole batch,
 * whatever the number of values and fields. The answer has one map per lookup (value → record id; the first
 * record found when several hold it). List fields (emails, phones, tags, domains) match on any item, through the
 * owner-run `rabita_match_list`, which probes their GIN indexes (row-level security keeps the app role's own
 * queries off them); single-valued fields compare their stored text. Emails compare lower-cased. The caller's
 * role applies: an object it may not read matches nothing (as if no record held the value), a hidden field cannot
 * be looked up by, and with "own records only" only the caller's own records are found.
 */
export async function matchRecordsByFields(
  trx: Tx,
  principal: Principal,
  object: ObjectDef,
  lookups: FieldLookup[],
): Promise<Map<string, string>[]> {
  const out = lookups.map(() => new Map<string, string>());
  for (const row of await matchRows(trx, principal, object, lookups)) {
    const found = out[row.rank]!;
    if (!found.has(row.k)) found.set(row.k, row.id);
  }
  return out;
}

/**
 * Every record of `object` holding each wanted value (value → record ids), with the same rules as
 * `matchRecordsByFields`: mail sync finds every person with an address, not only the first.
 */
export async function recordsHoldingValues(
  trx: Tx,
  principal: Principal,
  object: ObjectDef,
  fieldKey: string,
  values: string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const row of await matchRows(trx, principal, object, [{ fieldKey, values }])) {
    const ids = out.get(row.k) ?? [];
    if (!ids.includes(row.id)) ids.push(row.id);
    out.set(row.k, ids);
  }
  return out;
}

async function matchRows(
  trx: Tx,
  principal: Principal,
  object: ObjectDef,
  lookups: FieldLookup[],
): Promise<{ rank: number; k: string; id: string }[]> {
  const hidden = hiddenFor(principal);
  if (!ruleFor(principal, object.key).read) return [];
  const raw = trx.withoutPlugins() as unknown as Kysely<unknown>;
  const limit = ownerLimit(principal, ruleFor(principal, object.key));
  const hasOwner = object.fields.some((f) => f.key === 'owner');
  // Each lookup's select, and whether it is an owner-run lookup: on a Citus cluster those may not share a statement
  // with a table's select, which would route them to the workspace's shard (see `compileFilterBound`).
  const parts: { select: RawBuilder<unknown>; ownerRun?: OwnerRunMatch }[] = [];
  for (const [rank, lookup] of lookups.entries()) {
    const field = object.fields.find((f) => f.key === lookup.fieldKey);
    if (!field || hidden(object.key, field.key)) throw unmatchable(object, lookup.fieldKey, '');
    const f = fieldSql(field, ALIAS);
    if (!f.array && !f.scalar)
      throw unmatchable(
        object,
        lookup.fieldKey,
        'Must be a field with single values, emails, phones or tags.',
      );
    const lower = field.type === 'emails' || field.type === 'email';
    const wanted = [...new Set(lookup.values.map((v) => (lower ? v.toLowerCase() : v)))];
    if (wanted.length === 0 || limit === null) continue;
    // A plain text[] column (email_addresses, phone_numbers, domains, tags) has a GIN index the owner can use.
    const column = f.array ? /^"?t"?\."?(\w+)"?$/.exec(f.array.compile(raw).sql)?.[1] : undefined;
    if (f.array && column) {
      const owner = hasOwner ? (limit ?? null) : null;
      parts.push({
        ownerRun: { rank, table: object.table, column, keys: wanted, objectId: object.id ?? null, owner },
        select: sql`
        select ${rank}::int as rank, m.k, m.id::text as id from rabita_match_list(${object.table}, ${column},
          ${wanted}::text[], ${object.id ?? null}::uuid, ${owner}::uuid) as m`,
      });
    } else if (f.array) {
      parts.push({
        select: sql`
        select ${rank}::int as rank, k, ${sql.ref(`${ALIAS}.id`)}::text as id
        from ${sql.table(object.table)} as ${sql.table(ALIAS)}, unnest(${f.array}) as k
        where ${objectScope(object, ALIAS, principal.workspaceId)} and ${ownerCondition(principal, object)}
          and ${f.array} && ${wanted}::text[] and k = any(${wanted}::text[])`,
      });
    } else {
      const expr = lower ? sql`lower((${f.scalar})::text)` : sql`(${f.scalar})::text`;
      parts.push({
        select: sql`
        select ${rank}::int as rank, ${expr} as k, ${sql.ref(`${ALIAS}.id`)}::text as id
        from ${sql.table(object.table)} as ${sql.table(ALIAS)}
        where ${objectScope(object, ALIAS, principal.workspaceId)} and ${ownerCondition(principal, object)}
          and ${expr} = any(${wanted}::text[])`,
      });
    }
  }
  const union = async (selects: typeof parts) =>
    selects.length === 0
      ? []
      : (
          await sql<{ rank: number; k: string; id: string }>`${sql.join(
            selects.map((p) => sql`(${p.select})`),
            sql` union all `,
          )}`.execute(raw)
        ).rows;
  const ownerRun = parts.flatMap((p) => (p.ownerRun ? [p.ownerRun] : []));
  if (ownerRun.length === 0 || !(await onCitus(raw))) return union(parts);
  // On a cluster the owner-run lookups are one call naming the workspace, which Citus runs on its worker over the
  // transaction's own connection (records-0003), after the transaction's writes too; the rest is routed as a
  // statement of its own. Each lookup is one part, so its rows keep their order either way.
  const matched = await sql<{ rank: number; k: string; id: string }>`
    select m.rank, m.k, m.id::text as id
    from rabita_match_lists(${principal.workspaceId}::uuid, ${JSON.stringify(ownerRun)}::jsonb) as m`.execute(
    raw,
  );
  return [...matched.rows, ...(await union(parts.filter((p) => !p.ownerRun)))];
}

/** A list lookup `rabita_match_list` answers (`rabita_match_lists` on a cluster). */
interface OwnerRunMatch {
  rank: number;
  table: string;
  column: string;
  keys: string[];
  objectId: string | null;
  owner: string | null;
}

/** The records of `object` whose field holds each value (one statement); see `matchRecordsByFields`. */
export async function matchRecords(
  trx: Tx,
  principal: Principal,
  object: ObjectDef,
  fieldKey: string,
  values: string[],
): Promise<Map<string, string>> {
  const [found] = await matchRecordsByFields(trx, principal, object, [{ fieldKey, values }]);
  return found!;
}
