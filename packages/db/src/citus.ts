import { type Kysely, sql, type Transaction } from 'kysely';

/**
 * Tables that stay plain tables on the coordinator when the database is a Citus cluster: the migrator's own
 * bookkeeping, which only `migrate` reads and writes (on the coordinator, under its lock table).
 */
export const CITUS_LOCAL_TABLES: readonly string[] = ['rabita_migration', 'rabita_migration_lock'];

/** Schemas whose tables are placed on the cluster (graphile-worker's own schema stays on the coordinator). */
export const CITUS_SCHEMAS: readonly string[] = ['public', 'rabita_derived'];

/** The table every tenant table is colocated with: each workspace's rows live on the shard of its `workspaces` row. */
export const CITUS_COLOCATION_ANCHOR = 'workspaces';

export interface CitusTablePlan {
  /** As `regclass` prints it: bare in `public`, schema-qualified elsewhere. */
  table: string;
  /** `anchor`: `workspaces` by `id`; `tenant`: by `workspace_id`, colocated with it; `reference`: copied to every node. */
  kind: 'anchor' | 'tenant' | 'reference';
}

export interface CitusFailure {
  table: string;
  /** What Citus was asked to do: place the table as `kind`, or put back a foreign key (`foreign key <name>`). */
  step: string;
  error: string;
}

export interface CitusDistribution {
  /** False on a PostgreSQL without the `citus` extension: nothing was read or changed. */
  citus: boolean;
  /** Tables distributed or made reference tables by this call, in the order it did them. */
  done: CitusTablePlan[];
}

/** Citus refused some tables; the whole step was rolled back, so the schema is as the migrations left it. */
export class CitusDistributionError extends Error {
  readonly failures: readonly CitusFailure[];
  constructor(failures: readonly CitusFailure[]) {
    super(
      `Citus refused ${failures.length} step(s), so no table was distributed: ${failures
        .map((f) => `${f.table} (${f.step}): ${f.error}`)
        .join('; ')}`,
    );
    this.name = 'CitusDistributionError';
    this.failures = failures;
  }
}

/** Whether the database has the `citus` extension (a Citus coordinator). */
export async function hasCitus(db: Kysely<unknown>): Promise<boolean> {
  const { rows } = await sql<{ present: boolean }>`
    select exists (select 1 from pg_extension where extname = 'citus') as present`.execute(db);
  return rows[0]?.present === true;
}

export interface TableRow {
  table: string;
  tenant: boolean;
  placed: boolean;
}

export interface ForeignKeyRow {
  table: string;
  references: string;
  name: string;
  definition: string;
}

function kindOf(t: TableRow): CitusTablePlan['kind'] {
  return t.table === CITUS_COLOCATION_ANCHOR ? 'anchor' : t.tenant ? 'tenant' : 'reference';
}

/**
 * The tables still to place, in an order Citus accepts once the foreign keys between them are set aside: reference
 * tables, then `workspaces`, then the tenant tables (colocated with it). Tables already placed and the local ones are
 * left out.
 */
export function citusPlan(tables: readonly TableRow[]): CitusTablePlan[] {
  const rank = { reference: 0, anchor: 1, tenant: 2 } as const;
  return tables
    .filter((t) => !t.placed && !CITUS_LOCAL_TABLES.includes(t.table))
    .map((t) => ({ table: t.table, kind: kindOf(t) }))
    .sort((a, b) => rank[a.kind] - rank[b.kind] || a.table.localeCompare(b.table));
}

async function readTables(db: Kysely<unknown>): Promise<{ tables: TableRow[]; keys: ForeignKeyRow[] }> {
  const schemas = sql.join(CITUS_SCHEMAS.map((s) => sql.lit(s)));
  const { rows: tables } = await sql<TableRow>`
    select c.oid::regclass::text as table,
      exists (select 1 from pg_attribute a
              where a.attrelid = c.oid and a.attname = 'workspace_id' and not a.attisdropped) as tenant,
      exists (select 1 from pg_dist_partition p where p.logicalrelid = c.oid) as placed
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in (${schemas}) and c.relkind in ('r', 'p') and not c.relispartition`.execute(db);
  const { rows: keys } = await sql<ForeignKeyRow>`
    select c.conrelid::regclass::text as table, c.confrelid::regclass::text as references, c.conname as name,
      pg_get_constraintdef(c.oid) as definition
    from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where c.contype = 'f' and n.nspname in (${schemas})
    order by c.conrelid::regclass::text, c.conname`.execute(db);
  return { tables, keys };
}

async function place(trx: Transaction<unknown>, plan: CitusTablePlan): Promise<void> {
  const table = sql`${plan.table}::regclass`;
  if (plan.kind === 'reference') await sql`select create_reference_table(${table})`.execute(trx);
  else if (plan.kind === 'anchor')
    await sql`select create_distributed_table(${table}, 'id', colocate_with => 'none')`.execute(trx);
  else
    await sql`select create_distributed_table(${table}, 'workspace_id', colocate_with => ${CITUS_COLOCATION_ANCHOR})`.execute(
      trx,
    );
}

function describe(error: unknown): string {
  const e = error as { message?: string; detail?: string; hint?: string };
  return [e.message ?? String(error), e.detail, e.hint].filter(Boolean).join(' — ');
}

/** Runs `step` under a savepoint, so a refusal is recorded and the transaction goes on to find the next one. */
async function attempt(
  trx: Transaction<unknown>,
  failures: CitusFailure[],
  failure: Omit<CitusFailure, 'error'>,
  step: () => Promise<void>,
): Promise<boolean> {
  await sql`savepoint rabita_citus_step`.execute(trx);
  try {
    await step();
    await sql`release savepoint rabita_citus_step`.execute(trx);
    return true;
  } catch (error) {
    await sql`rollback to savepoint rabita_citus_step`.execute(trx);
    failures.push({ ...failure, error: describe(error) });
    return false;
  }
}

/**
 * On a Citus coordinator, places every table not yet placed: `workspaces` distributed by `id`, every table with a
 * `workspace_id` distributed by it and colocated with `workspaces`, every other table a reference table, except
 * `CITUS_LOCAL_TABLES`. Foreign keys touching those tables are set aside first and put back after (Citus refuses a
 * key from a plain table to a distributed one, so no order alone works). Tables already placed are left alone, so it
 * runs after every `migrate`. All in one transaction: when Citus refuses anything, nothing changes and the error
 * lists every refusal. Without the extension it does nothing after one query.
 */
export async function distributeTables(db: Kysely<unknown>): Promise<CitusDistribution> {
  if (!(await hasCitus(db))) return { citus: false, done: [] };
  return db.transaction().execute(async (trx) => {
    // Two processes migrating at once (both past the migrator's lock) place the tables once.
    await sql`select pg_advisory_xact_lock(hashtext('rabita_citus_distribute'))`.execute(trx);
    // Citus asks for sequential mode when a transaction creates shards with foreign keys to reference tables.
    await sql`set local citus.multi_shard_modify_mode to 'sequential'`.execute(trx);
    // Citus distributes tables that have triggers only under this setting; which of Rabita's triggers then fail on
    // the shards is in docs/OPERATIONS.md, "Citus (scaling the database out): status".
    await sql`set local citus.enable_unsafe_triggers to on`.execute(trx);
    const { tables, keys } = await readTables(trx);
    const plan = citusPlan(tables);
    if (plan.length === 0) return { citus: true, done: [] };
    const pending = new Set(plan.map((p) => p.table));
    const moved = keys.filter((k) => pending.has(k.table) || pending.has(k.references));
    for (const key of moved)
      await sql`alter table ${sql.raw(key.table)} drop constraint ${sql.id(key.name)}`.execute(trx);
    const failures: CitusFailure[] = [];
    const done: CitusTablePlan[] = [];
    for (const step of plan)
      if (await attempt(trx, failures, { table: step.table, step: step.kind }, () => place(trx, step)))
        done.push(step);
    for (const key of moved)
      await attempt(trx, failures, { table: key.table, step: `foreign key ${key.name}` }, async () => {
        await sql`alter table ${sql.raw(key.table)} add constraint ${sql.id(key.name)} ${sql.raw(key.definition)}`.execute(
          trx,
        );
      });
    if (failures.length > 0) throw new CitusDistributionError(failures);
    return { citus: true, done };
  });
}
