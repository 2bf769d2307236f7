import { onCitus } from '@rabita/db';
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import type { WriteCause } from '../modules/manifest.ts';
import { objectScope } from './expressions.ts';
import { type FilterLookup, listLookupKey, lookupKey, type ValueLookup } from './filter-lookups.ts';
import { ALIAS } from './scope.ts';

// The SQL of record tables and their audit trail (`record_changes`). Every function takes the executor first:
// the scope's `raw` transaction (record tables are read and written by column name, without the camel-case
// plugin). Functions that lock rows take a `Transaction`, so locking outside one does not compile.

type Row = Record<string, unknown>;

// PostgreSQL binds at most 65,535 parameters per statement.
const MAX_PARAMS = 30_000;

/** Where one object's rows are: its table, and for a custom object its id within the shared table. */
function objectCondition(object: ObjectDef) {
  return object.id ? sql`and object_id = ${object.id}` : sql``;
}

/**
 * Inserts rows (column name → value; a column a row lacks takes its default) with multi-row inserts of as many
 * rows as the parameter limit allows, and returns the stored rows by id.
 */
export async function insertRows(
  db: Kysely<unknown>,
  object: ObjectDef,
  rows: readonly Row[],
): Promise<Map<string, Row>> {
  const names = [...new Set(rows.flatMap((c) => Object.keys(c)))];
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / names.length));
  const byId = new Map<string, Row>();
  for (let at = 0; at < rows.length; at += perStatement) {
    const slice = rows.slice(at, at + perStatement);
    const { rows: stored } = await sql<Row>`
      insert into ${sql.table(object.table)} (${sql.join(names.map((n) => sql.id(n)))})
      values ${sql.join(slice.map((c) => sql`(${sql.join(names.map((n) => (n in c ? sql`${c[n]}` : sql`default`)))})`))}
      returning *`.execute(db);
    for (const row of stored) byId.set(String(row.id), row);
  }
  return byId;
}

/** Sets columns of one row (the caller has locked it) and returns the stored row. */
export async function updateRow(
  db: Transaction<unknown>,
  object: ObjectDef,
  workspaceId: string,
  id: string,
  sets: RawBuilder<unknown>[],
): Promise<Row> {
  const { rows } = await sql<Row>`
    update ${sql.table(object.table)} set ${sql.join(sets)}
    where workspace_id = ${workspaceId} ${objectCondition(object)} and id = ${id}
    returning *`.execute(db);
  return rows[0]!;
}

/** Marks one row deleted (restorable). */
export async function softDeleteRow(
  db: Transaction<unknown>,
  object: ObjectDef,
  workspaceId: string,
  id: string,
): Promise<void> {
  await sql`update ${sql.table(object.table)} set deleted_at = now() where workspace_id = ${workspaceId} ${objectCondition(object)} and id = ${id}`.execute(
    db,
  );
}

/** Clears one row's deletion and returns the stored row. */
export async function restoreRow(
  db: Transaction<unknown>,
  object: ObjectDef,
  workspaceId: string,
  id: string,
): Promise<Row> {
  const { rows } = await sql<Row>`
    update ${sql.table(object.table)} set deleted_at = null, updated_at = now()
    where workspace_id = ${workspaceId} ${objectCondition(object)} and id = ${id} returning *`.execute(db);
  return rows[0]!;
}

/** One row by id, live or deleted, under the owner condition; locked for update when asked. */
export async function selectRowById(
  db: Transaction<unknown>,
  object: ObjectDef,
  workspaceId: string,
  id: string,
  options: { ownerCondition: RawBuilder<unknown>; deleted?: boolean | undefined; lock?: boolean | undefined },
): Promise<Row | undefined> {
  const live = options.deleted
    ? sql`${sql.ref(`${ALIAS}.deleted_at`)} is not null`
    : sql`${sql.ref(`${ALIAS}.deleted_at`)} is null`;
  const objectCond = object.id ? sql`and ${sql.ref(`${ALIAS}.object_id`)} = ${object.id}` : sql``;
  const { rows } = await sql<Row>`
    select * from ${sql.table(object.table)} as ${sql.table(ALIAS)}
    where ${sql.ref(`${ALIAS}.workspace_id`)} = ${workspaceId} ${objectCond}
      and ${sql.ref(`${ALIAS}.id`)} = ${id} and ${live} and ${options.ownerCondition}
    ${options.lock ? sql`for update` : sql``}`.execute(db);
  return rows[0];
}

/** Live rows by id that the owner condition lets through, locked for update, by id. */
export async function selectRowsByIds(
  db: Transaction<unknown>,
  object: ObjectDef,
  workspaceId: string,
  ids: readonly string[],
  ownerCondition: RawBuilder<unknown>,
): Promise<Map<string, Row>> {
  const { rows } = await sql<Row>`
    select * from ${sql.table(object.table)} as ${sql.table(ALIAS)}
    where ${objectScope(object, ALIAS, workspaceId)} and ${ownerCondition}
      and ${sql.ref(`${ALIAS}.id`)} = any(${ids}::uuid[])
    order by ${sql.ref(`${ALIAS}.id`)}
    for update`.execute(db);
  return new Map(rows.map((r) => [String(r.id), r]));
}

/**
 * Updates many locked rows at once, each with its own values: `patch` holds standard columns as JSON (cast to each
 * column's type by `jsonb_populate_record`; a column a row's patch lacks keeps its value), `custom` is merged into
 * the custom values. Returns the stored rows by id.
 */
export async function updateRows(
  db: Transaction<unknown>,
  object: ObjectDef,
  workspaceId: string,
  rows: readonly { id: string; patch: Row; custom: Row }[],
): Promise<Map<string, Row>> {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r.patch)))];
  const byId = new Map<string, Row>();
  const perStatement = Math.floor(MAX_PARAMS / 3);
  for (let at = 0; at < rows.length; at += perStatement) {
    const slice = rows.slice(at, at + perStatement);
    const values = sql.join(
      slice.map(
        (r) => sql`(${r.id}::uuid, ${JSON.stringify(r.patch)}::jsonb, ${JSON.stringify(r.custom)}::jsonb)`,
      ),
    );
    const sets = [
      ...(columns.length > 0
        ? [
            sql`(${sql.join(columns.map((c) => sql.id(c)))}) = (select ${sql.join(
              columns.map((c) => sql.ref(`p.${c}`)),
            )} from jsonb_populate_record(t, v.patch) as p)`,
          ]
        : []),
      sql`custom = t.custom || v.custom`,
      sql`updated_at = now()`,
    ];
    const { rows: stored } = await sql<Row>`
      update ${sql.table(object.table)} as t set ${sql.join(sets)}
      from (values ${values}) as v(id, patch, custom)
      where t.workspace_id = ${workspaceId} ${object.id ? sql`and t.object_id = ${object.id}` : sql``}
        and t.id = v.id
      returning t.*`.execute(db);
    for (const row of stored) byId.set(String(row.id), row);
  }
  return byId;
}

/** The first live row whose field (`expr`, over the table alias) equals `value`, locked for update. */
export async function selectRowByValue(
  db: Transaction<unknown>,
  object: ObjectDef,
  workspaceId: string,
  expr: RawBuilder<unknown>,
  value: unknown,
  ownerCondition: RawBuilder<unknown>,
): Promise<Row | undefined> {
  const { rows } = await sql<Row>`
    select * from ${sql.table(object.table)} as ${sql.table(ALIAS)}
    where ${objectScope(object, ALIAS, workspaceId)} and ${ownerCondition} and ${expr} = ${value}
    limit 1 for update`.execute(db);
  return rows[0];
}

/** For each lookup, which of its ids are live records of its object: every lookup in one statement. */
export async function liveRecordIds(
  db: Kysely<unknown>,
  workspaceId: string,
  lookups: readonly { object: ObjectDef; ids: readonly string[] }[],
): Promise<Set<string>[]> {
  if (lookups.length === 0) return [];
  const parts = lookups.map(
    ({ object, ids }, n) => sql`
      select ${sql.lit(n)}::int as n, id::text from ${sql.table(object.table)} as r
      where ${objectScope(object, 'r', workspaceId)} and r.id = any(${ids}::uuid[])`,
  );
  const { rows } = await sql<{ n: number; id: string }>`${sql.join(parts, sql` union all `)}`.execute(db);
  const found = lookups.map(() => new Set<string>());
  for (const row of rows) found[row.n]!.add(row.id);
  return found;
}

/**
 * Takes a transaction lock on each key (in a fixed order, so two writers never wait on each other): writers of
 * the same unique value queue rather than both passing the check.
 */
export async function lockKeys(db: Transaction<unknown>, keys: readonly string[]): Promise<void> {
  await sql`select count(pg_advisory_xact_lock(h)) from (select distinct hashtext(k) as h from unnest(${keys}::text[]) as k order by 1) x`.execute(
    db,
  );
}

/** True when a live record other than `selfId` has `value` in the field (`expr`, over the table alias). */
export async function valueTaken(
  db: Kysely<unknown>,
  object: ObjectDef,
  workspaceId: string,
  expr: RawBuilder<unknown>,
  value: unknown,
  selfId?: string,
): Promise<boolean> {
  const { rows } = await sql`
    select 1 from ${sql.table(object.table)} as ${sql.table(ALIAS)}
    where ${objectScope(object, ALIAS, workspaceId)} and ${expr} = ${value}
      ${selfId ? sql`and ${sql.ref(`${ALIAS}.id`)} <> ${selfId}` : sql``}
    limit 1`.execute(db);
  return rows.length > 0;
}

/** Which of these values (as text) live records hold in the field (`expr`, over the table alias). */
export async function takenValues(
  db: Kysely<unknown>,
  object: ObjectDef,
  workspaceId: string,
  expr: RawBuilder<unknown>,
  texts: readonly string[],
): Promise<Set<string>> {
  const { rows } = await sql<{ v: string }>`
    select (${expr})::text as v from ${sql.table(object.table)} as ${sql.table(ALIAS)}
    where ${objectScope(object, ALIAS, workspaceId)} and (${expr})::text = any(${texts}::text[])`.execute(db);
  return new Set(rows.map((r) => r.v));
}

/** One audit row: a change to one record. */
export interface ChangeRow {
  recordId: string;
  action: string;
  changes: Record<string, { from: unknown; to: unknown }>;
}

/**
 * Inserts the audit rows of one write (one actor, source and cause for all), as one statement. Anchored on the
 * workspace's own row (`from workspaces w … where w.id = …`): on a Citus cluster the statement then runs whole on
 * the workspace's shard; a batch selected from `unnest` alone would be copied there with `COPY`, which row-level
 * security refuses (ARCHITECTURE.md "Citus: batch inserts anchored on the workspace").
 */
export function insertRecordChangesQuery(
  workspaceId: string,
  objectKey: string,
  ids: readonly string[],
  rows: readonly ChangeRow[],
  by: {
    actor: { userId: string | null; apiKeyId: string | null };
    source: string;
    cause: WriteCause | undefined;
  },
): RawBuilder<unknown> {
  return sql`
    insert into record_changes (workspace_id, id, object_key, record_id, action, changes, actor_user_id, actor_api_key_id, source, cause)
    select w.id, c.id, ${objectKey}, c.record_id, c.action, c.changes, ${by.actor.userId},
           ${by.actor.apiKeyId}, ${by.source}, ${by.cause ? JSON.stringify(by.cause) : null}::jsonb
    from workspaces w
    cross join unnest(${ids}::uuid[], ${rows.map((r) => r.recordId)}::uuid[],
                      ${rows.map((r) => r.action)}::text[], ${rows.map((r) => JSON.stringify(r.changes))}::jsonb[])
      as c (id, record_id, action, changes)
    where w.id = ${workspaceId}`;
}

/**
 * Runs independent writes as one statement (one round trip): each in a `with` part of its own. PostgreSQL runs
 * every data-modifying part exactly once, on the same snapshot, so the parts must not read each other's rows.
 * `last`, a query whose rows nobody reads (a NOTIFY), runs as the statement's final part.
 */
export async function executeTogether(
  db: Kysely<unknown>,
  statements: readonly RawBuilder<unknown>[],
  last?: RawBuilder<unknown>,
): Promise<void> {
  if (statements.length === 0) {
    if (last) await last.execute(db);
    return;
  }
  if (statements.length === 1 && !last) {
    await statements[0]!.execute(db);
    return;
  }
  const parts = statements.map((s, i) => sql`${sql.id(`w${i}`)} as (${s})`);
  await sql`with ${sql.join(parts)} select ${last ? sql`(${last})` : sql`1`}`.execute(db);
}

/** Rows of the object after `afterId` by id, deleted ones too (to rebuild what is derived from them). */
export async function selectRowsAfter(
  db: Kysely<unknown>,
  object: ObjectDef,
  workspaceId: string,
  afterId: string | null,
  limit: number,
): Promise<Row[]> {
  const { rows } = await sql<Row>`
    select * from ${sql.table(object.table)}
    where workspace_id = ${workspaceId} ${objectCondition(object)} ${afterId ? sql`and id > ${afterId}` : sql``}
    order by id limit ${limit}`.execute(db);
  return rows;
}

/** Live rows of the object under a condition (`where`, over the table alias), after `afterId` by id. */
export async function selectLiveRowsAfter(
  db: Kysely<unknown>,
  object: ObjectDef,
  workspaceId: string,
  where: RawBuilder<unknown>,
  afterId: string | null,
  limit: number,
): Promise<Row[]> {
  const { rows } = await sql<Row>`
    select ${sql.ref(ALIAS)}.* from ${sql.table(object.table)} as ${sql.table(ALIAS)}
    where ${objectScope(object, ALIAS, workspaceId)} and ${where}
      ${afterId ? sql`and ${sql.ref(`${ALIAS}.id`)} > ${afterId}` : sql``}
    order by ${sql.ref(`${ALIAS}.id`)} limit ${limit}`.execute(db);
  return rows;
}

/**
 * One page of a list: each part is one index range of the page (`where`, in `order`), limited on its own;
 * several are merged in the keys' order (`merge`). Each row carries its sort keys as `__sort_<i>`.
 */
export function listPageQuery(
  object: ObjectDef,
  workspaceId: string,
  page: {
    /** The stored columns the page shows (the gate reads only these). */
    columns: readonly string[];
    condition: RawBuilder<unknown>;
    sortColumns: RawBuilder<unknown>;
    parts: readonly { where: RawBuilder<unknown>; order: RawBuilder<unknown> }[];
    merge: RawBuilder<unknown>;
    limit: number;
    /**
     * Find the page's ids first, then read only their rows: when the condition and the order can be answered from
     * an index alone (an index-only scan), so the rows that match but fall outside the page are never read.
     */
    idsFirst?: boolean | undefined;
  },
): RawBuilder<Row> {
  const table = sql.table(object.table);
  const scope = objectScope(object, ALIAS, workspaceId);
  const columns = sql.join(page.columns.map((c) => sql.ref(`${ALIAS}.${c}`)));
  const parts = page.parts.map((part) =>
    page.idsFirst
      ? sql`
    select ${columns}, ${page.sortColumns}
    from ${table} as ${sql.table(ALIAS)}
    where ${scope}
      and ${sql.ref(`${ALIAS}.id`)} = any(array(
        select ${sql.ref(`${ALIAS}.id`)} from ${table} as ${sql.table(ALIAS)}
        where ${scope} and ${page.condition} and ${part.where}
        order by ${part.order}
        limit ${page.limit}))
    order by ${part.order}
    limit ${page.limit}`
      : sql`
    select ${columns}, ${page.sortColumns}
    from ${table} as ${sql.table(ALIAS)}
    where ${scope}
      and ${page.condition}
      and ${part.where}
    order by ${part.order}
    limit ${page.limit}`,
  );
  return parts.length === 1
    ? sql<Row>`${parts[0]}`
    : sql<Row>`
    select * from (${sql.join(
      parts.map((p) => sql`(${p})`),
      sql` union all `,
    )}) as page
    order by ${page.merge}
    limit ${page.limit}`;
}

/**
 * The distinct folded values holding each lookup's text (`rabita_folded_values`), in one statement, by
 * `lookupKey`; a lookup matching more than `max` values is left out (the query looks those up itself). On a Citus
 * coordinator every answer is whole, from one call of `rabita_filter_lookups` run on the workspace's worker:
 * `rabita_folded_values` there would run on the coordinator and ask every shard of the folded values (8 on the
 * loopback cluster, over connections opened for the request), and the filter would then bind the left-out answers
 * whole anyway (`compileFilterBound`).
 */
export async function foldedValuesFor(
  raw: Transaction<unknown>,
  workspaceId: string,
  lookups: readonly ValueLookup[],
  max: number,
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  if (lookups.length === 0) return found;
  if (await onCitus(raw))
    return (
      await filterLookupsFound(
        raw,
        workspaceId,
        lookups.map((l) => ({ kind: 'folded' as const, ...l })),
      )
    ).foldedValues;
  const { rows } = await sql<{ i: string; found: string[] | null }>`
    select q.i, (select case when count(*) <= ${max} then coalesce(array_agg(v.value), '{}') end
                 from (select rabita_folded_values(q.col, q.pat) as value limit ${max + 1}) v) as found
    from unnest(${sql.val(lookups.map((l) => l.column))}::text[], ${sql.val(lookups.map((l) => l.pattern))}::text[])
      with ordinality as q(col, pat, i)`.execute(raw);
  for (const row of rows) {
    const lookup = lookups[Number(row.i) - 1];
    if (lookup && row.found) found.set(lookupKey(lookup), row.found);
  }
  return found;
}

/**
 * The answers of a filter's owner-run lookups (`FilterLookup`), all in one call of `rabita_filter_lookups` naming the
 * workspace, which a Citus cluster runs whole on the workspace's worker, within the transaction (so after its
 * writes too): the folded values by `lookupKey`, the ids of the records holding list keys by `listLookupKey`. Every
 * answer whole, however long.
 */
export async function filterLookupsFound(
  raw: Transaction<unknown>,
  workspaceId: string,
  lookups: readonly FilterLookup[],
): Promise<{ foldedValues: Map<string, string[]>; listIds: Map<string, string[]> }> {
  const foldedValues = new Map<string, string[]>();
  const listIds = new Map<string, string[]>();
  if (lookups.length === 0) return { foldedValues, listIds };
  // One call naming the workspace: on a cluster it is run whole on the workspace's worker (records-0003).
  const { rows } = await sql<{ i: number; hits: string[] }>`
    select l.i, l.hits from rabita_filter_lookups(${workspaceId}::uuid, ${JSON.stringify(lookups)}::jsonb) as l`.execute(
    raw,
  );
  for (const row of rows) {
    const lookup = lookups[row.i - 1];
    if (lookup?.kind === 'folded') foldedValues.set(lookupKey(lookup), row.hits);
    else if (lookup) listIds.set(listLookupKey(lookup), row.hits);
  }
  return { foldedValues, listIds };
}
