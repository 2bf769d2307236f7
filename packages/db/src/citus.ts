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

/**
 * What every Rabita database on a coordinator needs besides its tables, each idempotent and run after every
 * `migrate` (they are cheap and say nothing when already so):
 * - `citus.propagate_set_commands = 'local'` for the database, so the `SET LOCAL rabita.workspace_id` that opens
 *   every workspace transaction (tenancy.ts) reaches the workers, where row-level security is checked on the shards.
 * - `rabita_app` may log in, on every node: the coordinator opens its connections to the workers as the role the
 *   query runs as. It is altered on the coordinator, and Citus propagates the change to the workers. It must be so on
 *   the coordinator too: whenever Citus copies the role to a worker (a node added, a grant or a table distributed by
 *   any database's migrate) it writes the coordinator's attributes and password there, so a role left `NOLOGIN` on the
 *   coordinator and allowed on the workers alone was made `NOLOGIN` on a worker again by another database's migrate
 *   until that migrate's own pass ran (once seen in CI). The pass on the workers, first, stays for a worker whose
 *   copy differs, and changes nothing where the role may log in already.
 *   Without a password it can only log in where `pg_hba.conf` trusts it (the loopback cluster) or by certificate; a
 *   real cluster gives it a password on the coordinator (propagated) and in `pg_dist_authinfo` (docs/OPERATIONS.md).
 */
/** Lets `rabita_app` log in where it cannot; changes nothing where it can. */
const LOGIN_APP_ROLE = `
    do $do$ begin
      if exists (select 1 from pg_roles where rolname = 'rabita_app' and not rolcanlogin) then
        alter role rabita_app login;
      end if;
    end $do$`;

async function prepareCluster(trx: Transaction<unknown>): Promise<void> {
  const { rows } = await sql<{ name: string; set: boolean }>`
    select current_database() as name, exists (
      select 1 from pg_db_role_setting s
      where s.setdatabase = (select oid from pg_database where datname = current_database()) and s.setrole = 0
        and 'citus.propagate_set_commands=local' = any (s.setconfig)) as set`.execute(trx);
  const database = rows[0];
  if (database && !database.set)
    await sql`alter database ${sql.id(database.name)} set citus.propagate_set_commands = 'local'`.execute(
      trx,
    );
  // Every worker answers; those where the role is already allowed to log in change nothing.
  await sql`select run_command_on_workers(${LOGIN_APP_ROLE})`.execute(trx);
  // Then the coordinator, in this transaction; Citus sends the change to the workers. After the pass above, which
  // commits on each worker at once: the propagated change holds the worker's role row until this transaction
  // commits, and a pass after it would wait for that row outside the transaction, for ever.
  await sql.raw(LOGIN_APP_ROLE).execute(trx);
}

/**
 * Row-level forms of the derived tables' statement-level triggers, for a Citus cluster only. On one PostgreSQL the
 * statement-level forms (migrations 0011, 0019, 0020, 0027, 0031, sales-0015) stay: they were chosen for bulk imports, one
 * statement per batch. On a cluster a trigger runs on the shard, where Citus gives it no transition table
 * (`executor could not find named tuplestore "new_rows"`) and where `tg_table_name` is the shard's name, so each
 * trigger is replaced by a `for each row` one (same name, same events, columns and condition) calling these
 * functions, which write the same rows. The object key the phone suffixes record is passed as the trigger's argument.
 * The kept converted deal totals' forms (`deal_money_row`, `deal_money_rates_row`) touch one workspace per row, so
 * their basis-row locks (`for share` by deal writes, `for update` by rate changes) are taken on its shard group.
 */
export const CITUS_ROW_TRIGGER_FUNCTIONS = String.raw`
create or replace function rabita_derived.folded_values_row() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
declare
  i integer := 0;
  v text;
begin
  -- Arguments in pairs: the column key and the folded column it reads.
  while i < tg_nargs loop
    v := to_jsonb(new) ->> tg_argv[i + 1];
    if v is not null and v <> '' then
      insert into rabita_derived.folded_values (workspace_id, column_key, value)
      values (new.workspace_id, tg_argv[i], v)
      on conflict do nothing;
    end if;
    i := i + 2;
  end loop;
  return null;
end
$$;

create or replace function rabita_derived.deal_totals_row() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
declare
  s smallint := (pg_current_xact_id()::text::bigint % 8)::smallint;
begin
  if tg_op = 'UPDATE' and old.deleted_at is null and new.deleted_at is null
    and (old.pipeline_id, old.stage_id, old.owner_id, old.amount_currency, old.amount_value, scale(old.amount_value))
      is not distinct from
      (new.pipeline_id, new.stage_id, new.owner_id, new.amount_currency, new.amount_value, scale(new.amount_value)) then
    return null;
  end if;
  if tg_op in ('UPDATE', 'DELETE') and old.deleted_at is null
    and (tg_op = 'UPDATE' or exists (select from public.workspaces w where w.id = old.workspace_id)) then
    insert into rabita_derived.deal_totals as t
      (workspace_id, pipeline_id, stage_id, owner_id, currency, scale, slot, deals, amounts, amount)
    values (old.workspace_id, old.pipeline_id, old.stage_id, old.owner_id, old.amount_currency, scale(old.amount_value),
      s, -1, -(old.amount_value is not null)::int, coalesce(-old.amount_value, 0))
    on conflict (workspace_id, pipeline_id, stage_id, owner_id, currency, scale, slot) do update
      set deals = t.deals + excluded.deals, amounts = t.amounts + excluded.amounts, amount = t.amount + excluded.amount;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.deleted_at is null then
    insert into rabita_derived.deal_totals as t
      (workspace_id, pipeline_id, stage_id, owner_id, currency, scale, slot, deals, amounts, amount)
    values (new.workspace_id, new.pipeline_id, new.stage_id, new.owner_id, new.amount_currency, scale(new.amount_value),
      s, 1, (new.amount_value is not null)::int, coalesce(new.amount_value, 0))
    on conflict (workspace_id, pipeline_id, stage_id, owner_id, currency, scale, slot) do update
      set deals = t.deals + excluded.deals, amounts = t.amounts + excluded.amounts, amount = t.amount + excluded.amount;
  end if;
  return null;
end
$$;

create or replace function rabita_derived.activity_links_row() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  if tg_op = 'UPDATE'
    and (old.person_ids, old.company_ids, old.deal_ids, old.lead_ids, coalesce(old.occurred_at, old.created_at),
      old.deleted_at is null)
    is not distinct from (new.person_ids, new.company_ids, new.deal_ids, new.lead_ids,
      coalesce(new.occurred_at, new.created_at), new.deleted_at is null) then
    return null;
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    delete from rabita_derived.activity_links l
    where l.workspace_id = old.workspace_id and l.activity_id = old.id
      and l.at = coalesce(old.occurred_at, old.created_at)
      and l.record_id = any(old.person_ids || old.company_ids || old.deal_ids || old.lead_ids);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.deleted_at is null then
    insert into rabita_derived.activity_links (workspace_id, record_id, at, activity_id)
    select distinct new.workspace_id, x, coalesce(new.occurred_at, new.created_at), new.id
    from unnest(new.person_ids || new.company_ids || new.deal_ids || new.lead_ids) x
    on conflict do nothing;
  end if;
  return null;
end
$$;

create or replace function rabita_derived.caller_suffixes_row() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  -- tg_argv[0]: the object key (the table's name; on a shard tg_table_name is the shard's).
  if tg_op in ('UPDATE', 'DELETE') then
    delete from rabita_derived.caller_phone_suffixes
    where workspace_id = old.workspace_id
      and suffix = any(array(select right(n, 8) from unnest(old.phone_numbers) as n))
      and object_key = tg_argv[0] and record_id = old.id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.deleted_at is null then
    insert into rabita_derived.caller_phone_suffixes (workspace_id, suffix, object_key, record_id)
    select distinct new.workspace_id, right(n, 8), tg_argv[0], new.id
    from unnest(new.phone_numbers) as n
    where n ~ '^\+[0-9]{8,15}$'
    on conflict do nothing;
  end if;
  return null;
end
$$;

create or replace function rabita_derived.deal_money_row() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
declare
  s smallint := (pg_current_xact_id()::text::bigint % 8)::smallint;
  ws uuid;
  b rabita_derived.deal_money_basis;
  cur text;
  o_live boolean := false;
  o_currency text;
  o_at timestamptz;
  o_pipeline uuid;
  o_stage uuid;
  o_owner uuid;
  o_amount numeric;
  n_live boolean := false;
  n_currency text;
  n_at timestamptz;
  n_pipeline uuid;
  n_stage uuid;
  n_owner uuid;
  n_amount numeric;
  c record;
  v_day date;
  v_rate numeric;
begin
  if tg_op in ('UPDATE', 'DELETE') then
    ws := old.workspace_id;
    o_live := old.deleted_at is null and old.amount_value is not null;
    o_currency := old.amount_currency; o_at := old.created_at; o_pipeline := old.pipeline_id;
    o_stage := old.stage_id; o_owner := old.owner_id; o_amount := old.amount_value;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    ws := new.workspace_id;
    n_live := new.deleted_at is null and new.amount_value is not null;
    n_currency := new.amount_currency; n_at := new.created_at; n_pipeline := new.pipeline_id;
    n_stage := new.stage_id; n_owner := new.owner_id; n_amount := new.amount_value;
    -- A workspace without a basis gets one first (inserts and updates, as the statement forms).
    if not exists (select from rabita_derived.deal_money_basis x where x.workspace_id = ws) then
      select w.default_currency into cur from public.workspaces w where w.id = ws;
      if found then
        insert into rabita_derived.deal_money_basis (workspace_id, time_zone, currency)
        values (ws, rabita_derived.deal_money_zone(ws), cur)
        on conflict (workspace_id) do nothing;
      end if;
    end if;
  end if;
  -- Nothing the figures hold changed: the statement forms' +1 and -1 cancel out, so nothing is written.
  if tg_op = 'UPDATE' and (o_live, o_currency, o_at, o_pipeline, o_stage, o_owner, o_amount, scale(o_amount))
      is not distinct from (n_live, n_currency, n_at, n_pipeline, n_stage, n_owner, n_amount, scale(n_amount)) then
    return null;
  end if;
  if not (o_live or n_live) then return null; end if;
  -- The basis row of the workspace, on its shard, before the rates are read (a rate change takes it for update).
  select * into b from rabita_derived.deal_money_basis x where x.workspace_id = ws for share;
  if not found or not exists (select from public.workspaces w where w.id = ws) then return null; end if;
  for c in
    select * from (values (o_live, o_currency, o_at, o_pipeline, o_stage, o_owner, o_amount, -1),
                          (n_live, n_currency, n_at, n_pipeline, n_stage, n_owner, n_amount, 1))
      v(live, currency, created_at, pipeline_id, stage_id, owner_id, amount_value, sign)
    where v.live
  loop
    v_day := (c.created_at at time zone b.time_zone)::date;
    v_rate := rabita_derived.deal_money_rate(ws, b.currency, c.currency, v_day);
    insert into rabita_derived.deal_money_days as t
      (workspace_id, currency, day, pipeline_id, stage_id, owner_id, scale, slot, amounts, amount)
    values (ws, c.currency, v_day, c.pipeline_id, c.stage_id, c.owner_id, scale(c.amount_value), s, c.sign,
      c.sign * c.amount_value)
    on conflict (workspace_id, currency, day, pipeline_id, stage_id, owner_id, scale, slot) do update
      set amounts = t.amounts + excluded.amounts, amount = t.amount + excluded.amount;
    insert into rabita_derived.deal_money_totals as t
      (workspace_id, currency, pipeline_id, stage_id, owner_id, scale, slot, convs, missing, converted)
    values (ws, c.currency, c.pipeline_id, c.stage_id, c.owner_id, scale(c.amount_value), s,
      case when v_rate is not null then c.sign else 0 end, case when v_rate is null then c.sign else 0 end,
      coalesce(c.sign * c.amount_value * v_rate, 0))
    on conflict (workspace_id, currency, pipeline_id, stage_id, owner_id, scale, slot) do update
      set convs = t.convs + excluded.convs, missing = t.missing + excluded.missing,
          converted = t.converted + excluded.converted;
  end loop;
  return null;
end
$$;

create or replace function rabita_derived.deal_money_rates_row() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
declare
  ws uuid;
  currencies text[] := '{}';
  base text;
begin
  if tg_op = 'UPDATE' and (old.workspace_id, old.currency, old.on_date, old.rate)
      is not distinct from (new.workspace_id, new.currency, new.on_date, new.rate) then
    return null; -- the recomputation would write the same figures
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    ws := old.workspace_id;
    currencies := currencies || old.currency;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    ws := new.workspace_id;
    if not new.currency = any(currencies) then currencies := currencies || new.currency; end if;
  end if;
  select x.currency into base from rabita_derived.deal_money_basis x where x.workspace_id = ws;
  if not found then return null; end if;
  -- The basis currency's own rates change nothing: it converts at 1.
  currencies := array_remove(currencies, base);
  if cardinality(currencies) = 0 then return null; end if;
  perform 1 from rabita_derived.deal_money_basis x where x.workspace_id = ws for update;
  perform rabita_derived.deal_money_recompute(ws, currencies);
  return null;
end
$$`;

/** The folded columns each `<table>_folded_values` trigger records (migration 0027), as its row form's arguments. */
const FOLDED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  people: ['people.first_name', 'first_name_folded', 'people.last_name', 'last_name_folded'],
  companies: ['companies.name', 'name_folded'],
  leads: ['leads.name', 'name_folded'],
  deals: ['deals.name', 'name_folded'],
};

export interface TriggerRow {
  table: string;
  /** The trigger's table name without schema (the object key of phone suffixes). */
  relname: string;
  name: string;
  /** `rabita_derived.<function>` as regproc prints it. */
  function: string;
  definition: string;
}

/**
 * The `for each row` form of one of the derived tables' triggers (`CITUS_ROW_TRIGGER_FUNCTIONS`), or undefined when
 * the trigger needs none (already a row trigger of those functions, or no transition table and no
 * `tg_table_name`). Throws for a trigger with a transition table that has no row form: a later migration's trigger
 * must get one here before the cluster can run it.
 */
export function citusRowTrigger(t: TriggerRow): string | undefined {
  const fn = t.function.replace(/^rabita_derived\./, '');
  const call = (name: string, args: readonly string[] = []) =>
    `EXECUTE FUNCTION rabita_derived.${name}(${args.map((a) => `'${a.replace(/'/g, "''")}'`).join(', ')})`;
  let replacement: string | undefined;
  if (/^activity_links_(inserted|updated|deleted)$/.test(fn)) replacement = call('activity_links_row');
  else if (/^deal_totals_(inserted|updated|deleted)$/.test(fn)) replacement = call('deal_totals_row');
  else if (/^deal_money_(inserted|updated|deleted)$/.test(fn)) replacement = call('deal_money_row');
  else if (/^deal_money_rates_(inserted|updated|deleted)$/.test(fn))
    replacement = call('deal_money_rates_row');
  else if (fn === 'caller_suffixes_inserted' || fn === 'caller_suffixes_changed')
    replacement = call('caller_suffixes_row', [t.relname]);
  else if (fn.endsWith('_folded_values')) {
    const columns = FOLDED_COLUMNS[fn.replace(/_folded_values$/, '')];
    if (columns) replacement = call('folded_values_row', columns);
  }
  const transition = /\bREFERENCING\b/.test(t.definition);
  if (!replacement) {
    if (transition) throw new Error(`no row-level form for ${t.function} (trigger ${t.name} on ${t.table})`);
    return undefined;
  }
  return t.definition
    .replace(/ REFERENCING (OLD TABLE AS \w+ )?(NEW TABLE AS \w+ )?FOR EACH STATEMENT/, ' FOR EACH ROW')
    .replace(/EXECUTE FUNCTION \S+\(\)$/, replacement);
}

/**
 * Trigger functions that only announce a change (`NOTIFY`). On a cluster they run on the worker holding the shard:
 * the coordinator's listeners never hear them, and a transaction that also writes on another node fails at commit
 * (`cannot PREPARE a transaction that has executed LISTEN, UNLISTEN, or NOTIFY`). The step drops their triggers
 * from distributed tables; the caches they fed fall back to their time limits (docs/OPERATIONS.md, Citus status).
 */
export const CITUS_NOTIFY_TRIGGER_FUNCTIONS: readonly string[] = [
  'rabita_auth_changed',
  'rabita_sales_changed',
];

/**
 * Drops the announcing triggers (`CITUS_NOTIFY_TRIGGER_FUNCTIONS`) from placed tables; any other trigger on a
 * placed table whose function sends a notification is a refusal, so a later migration's cannot slip through.
 */
async function dropNotifyTriggers(trx: Transaction<unknown>, failures: CitusFailure[]): Promise<void> {
  const { rows } = await sql<{ table: string; name: string; function: string }>`
    select t.tgrelid::regclass::text as table, t.tgname as name, p.proname as function
    from pg_trigger t join pg_proc p on p.oid = t.tgfoid
    where not t.tgisinternal and p.prosrc ~* '(pg_notify|\\mnotify\\M)'
      and exists (select 1 from pg_dist_partition d where d.logicalrelid = t.tgrelid)
    order by 1, 2`.execute(trx);
  for (const row of rows)
    await attempt(trx, failures, { table: row.table, step: `notify trigger ${row.name}` }, async () => {
      if (!CITUS_NOTIFY_TRIGGER_FUNCTIONS.includes(row.function))
        throw new Error(`${row.function} sends a notification from a shard; it needs a decision (citus.ts)`);
      await sql`drop trigger ${sql.id(row.name)} on ${sql.raw(row.table)}`.execute(trx);
    });
}

/**
 * Rewrites the `language sql` functions that read tables with their arguments (the owner-run lookups: session and
 * API-key principals, memberships, public ids, due jobs…) as PL/pgSQL with the same signature, attributes and
 * query: Citus cannot plan a parameterised statement of a SQL function ("could not create distributed plan …
 * Possibly this is caused by the use of parameters in SQL functions"), and PL/pgSQL hands it plans with the values.
 * Set-returning functions `return query` their statement; the others return its first row's value. Column names
 * win over argument names, as in SQL functions (`#variable_conflict use_column`). One PostgreSQL keeps them as the
 * migrations wrote them (a SQL function can be inlined).
 */
async function usePlpgsqlLookups(trx: Transaction<unknown>, failures: CitusFailure[]): Promise<void> {
  const schemas = sql.join(CITUS_SCHEMAS.map((s) => sql.lit(s)));
  const { rows } = await sql<{
    name: string;
    retset: boolean;
    source: string;
    result: string;
    definition: string;
  }>`
    select p.oid::regprocedure::text as name, p.proretset as retset, p.prosrc as source,
      pg_get_function_result(p.oid) as result, pg_get_functiondef(p.oid) as definition
    from pg_proc p join pg_language l on l.oid = p.prolang join pg_namespace n on n.oid = p.pronamespace
    where l.lanname = 'sql' and n.nspname in (${schemas}) and p.pronargs > 0 and p.prosrc ~* '\\mfrom\\M'
      and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid
        and d.deptype = 'e')
    order by 1`.execute(trx);
  for (const row of rows)
    await attempt(trx, failures, { table: row.name, step: 'function as PL/pgSQL' }, async () => {
      const statement = row.source.trim().replace(/;\s*$/, '');
      if (statement.includes(';'))
        throw new Error('a SQL function of several statements has no PL/pgSQL form here');
      const body = row.retset
        ? `\n#variable_conflict use_column\nbegin\n  return query ${statement};\nend\n`
        : `\n#variable_conflict use_column\ndeclare result ${row.result};\nbegin\n  for result in ${statement} loop\n    return result;\n  end loop;\n  return null;\nend\n`;
      const start = row.definition.indexOf(row.source);
      if (start < 0) throw new Error('its definition does not contain its body');
      const definition = `${row.definition.slice(0, start)}${body}${row.definition.slice(start + row.source.length)}`;
      await sql.raw(definition.replace(/\bLANGUAGE sql\b/, 'LANGUAGE plpgsql')).execute(trx);
    });
}

/**
 * How many connections per worker the coordinator's executor may open for one statement
 * (`citus.max_adaptive_executor_pool_size`) in the lookups that ask every shard (`oneConnectionPerWorker`).
 */
export const LOOKUP_POOL_SIZE_SETTING = 'citus.max_adaptive_executor_pool_size';

/**
 * Gives the lookups that ask every shard — the `language sql` functions rewritten by `usePlpgsqlLookups`, marked
 * by their `#variable_conflict use_column` (sessions, API keys, memberships, public ids, due jobs) — one connection
 * per worker: `citus.max_adaptive_executor_pool_size = 1` in their `SET` clause, which steers the coordinator's
 * executor while they run. By default (16) the executor opens more connections to a worker for a statement that
 * is not done within 10 ms (`citus.executor_slow_start_interval`) and the transaction's end closes all but one
 * (`citus.max_cached_conns_per_worker`): under load every session lookup opened and closed connections on both
 * workers, and took about a second (the list of page 1 at eight connections: p99 1.3 s on the loopback cluster).
 * Their probes are one index row per shard; one connection runs a worker's four in about a millisecond.
 * Set on each migrate where missing, so a cluster placed before it gets it too.
 */
async function oneConnectionPerWorker(trx: Transaction<unknown>, failures: CitusFailure[]): Promise<void> {
  const schemas = sql.join(CITUS_SCHEMAS.map((s) => sql.lit(s)));
  const { rows } = await sql<{ name: string }>`
    select p.oid::regprocedure::text as name
    from pg_proc p join pg_language l on l.oid = p.prolang join pg_namespace n on n.oid = p.pronamespace
    where l.lanname = 'plpgsql' and n.nspname in (${schemas})
      and p.prosrc like ${'%#variable_conflict use_column%'}
      and not (coalesce(p.proconfig, '{}') @> array[${`${LOOKUP_POOL_SIZE_SETTING}=1`}])
    order by 1`.execute(trx);
  for (const row of rows)
    await attempt(trx, failures, { table: row.name, step: 'one connection per worker' }, async () => {
      await sql.raw(`alter function ${row.name} set ${LOOKUP_POOL_SIZE_SETTING} = 1`).execute(trx);
    });
}

/**
 * Settings that only steer the planner (`enable_seqscan = off` on `rabita_match_list`, migration 0023) or the
 * coordinator's executor (`oneConnectionPerWorker`): they change how a query runs, never its answer, so a function
 * keeps them in its `SET` clause, where they steer the coordinator.
 */
const PLAN_ONLY_SETTINGS =
  /^(enable_[a-z_]+|random_page_cost|seq_page_cost|work_mem|jit|citus\.max_adaptive_executor_pool_size)$/;

export interface SettingFunctionRow {
  /** As `regprocedure` prints it. */
  name: string;
  /** The body (`prosrc`). */
  source: string;
  /** `pg_get_functiondef`. */
  definition: string;
  /** `proconfig`: `name=value`, one per `SET` clause. */
  config: readonly string[];
}

/**
 * The cluster form of a PL/pgSQL function that runs its query with a setting of its own (`set pg_trgm.
 * word_similarity_threshold = 0.5`), or undefined when it sets only `search_path` and planner settings. A function's `SET` clause changes the setting on the coordinator only: the query it runs is sent to
 * the workers, which read their own value (the default), so the near-word search found nothing there. The form
 * instead sets it with `SET LOCAL` in its body, which Citus sends to the workers (`citus.propagate_set_commands =
 * 'local'`), and puts the caller's value back the same way after its last statement, so the rest of the transaction
 * reads the setting as before. A `SET` is not allowed in a stable function, so the form is volatile. Only a body of
 * `[declare …] begin … end` whose statements all run to its end (no `return` other than `return query`, no inner
 * block or `exception`) has such a form; any other function with a setting is refused, so a later migration's
 * cannot slip through. Two have one: record search's near words (`rabita_search_near`, migration 0013, `search-0001`) and the
 * knowledge base's (`rabita_kb_matches`, `service-0017`, `service-0023`).
 */
export function citusSettingsForm(fn: SettingFunctionRow): string | undefined {
  const settings = fn.config
    .map((c) => {
      const at = c.indexOf('=');
      return { name: c.slice(0, at), value: c.slice(at + 1) };
    })
    .filter((s) => s.name !== 'search_path' && !PLAN_ONLY_SETTINGS.test(s.name));
  if (settings.length === 0) return undefined;
  const refuse = (why: string): never => {
    throw new Error(`${fn.name} sets ${settings.map((s) => s.name).join(', ')} and ${why} (citus.ts)`);
  };
  for (const s of settings)
    if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(s.name)) refuse('has no form');
  const parts = /^\s*(?:declare\b([\s\S]*?))?\bbegin\b([\s\S]*)\bend;?\s*$/i.exec(fn.source);
  const declarations = parts?.[1] ?? '';
  const body = parts?.[2];
  if (body === undefined || /\b(declare|begin|exception)\b|\breturn\b(?!\s+query\b)/i.test(body))
    refuse('its body does not run to its end');
  const start = fn.definition.indexOf(fn.source);
  if (start < 0) refuse('its definition does not contain its body');
  const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;
  const restore = settings
    .map(
      (s, i) => `
  if coalesce(rabita_before[${i + 1}], '') = '' then
    set local ${s.name} to default;
  else
    execute format('set local ${s.name} = %L', rabita_before[${i + 1}]);
  end if;`,
    )
    .join('');
  const source = `
declare
  rabita_before text[] := array[${settings.map((s) => `current_setting(${literal(s.name)}, true)`).join(', ')}];${declarations}
begin
${settings.map((s) => `  set local ${s.name} = ${literal(s.value)};`).join('\n')}
${body}${restore}
end
`;
  // The header without those settings' `SET` lines (search_path's and the planner's stay), volatile.
  const header = fn.definition
    .slice(0, start)
    .split('\n')
    .filter(
      (line) =>
        !settings.some(
          (s) => line.startsWith(` SET "${s.name}" TO `) || line.startsWith(` SET ${s.name} TO `),
        ),
    )
    .join('\n')
    .replace(/^ (STABLE|IMMUTABLE)\b/m, ' VOLATILE');
  return `${header}${source}${fn.definition.slice(start + fn.source.length)}`;
}

/** Replaces the functions that run their query with a setting of their own by their cluster forms (see above). */
async function useSettingsInBody(trx: Transaction<unknown>, failures: CitusFailure[]): Promise<void> {
  const schemas = sql.join(CITUS_SCHEMAS.map((s) => sql.lit(s)));
  const { rows } = await sql<SettingFunctionRow>`
    select p.oid::regprocedure::text as name, p.prosrc as source, pg_get_functiondef(p.oid) as definition,
      p.proconfig as config
    from pg_proc p join pg_language l on l.oid = p.prolang join pg_namespace n on n.oid = p.pronamespace
    where l.lanname = 'plpgsql' and n.nspname in (${schemas}) and p.prokind = 'f'
      and exists (select 1 from unnest(p.proconfig) c where c not like 'search\_path=%')
      and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid
        and d.deptype = 'e')
    order by 1`.execute(trx);
  for (const row of rows)
    await attempt(trx, failures, { table: row.name, step: 'settings in its body' }, async () => {
      const definition = citusSettingsForm(row);
      if (definition) await sql.raw(definition).execute(trx);
    });
}

/**
 * Distributes every function whose first argument is `p_workspace uuid` by it, colocated with `workspaces`, with
 * `force_delegation`: a call (`select f($workspace, …)` or `select … from f($workspace, …)`) is then run whole on the
 * workspace's worker, over the transaction's own connection, inside a transaction block too. An owner-run function
 * run on the coordinator instead may not read a shard the application role wrote earlier in the transaction
 * ("cannot perform query on placements that were modified in this transaction by a different user"), and asks every
 * shard when it finds its workspace by a setting rather than an argument. Such a function must keep to its
 * workspace (Citus refuses, inside it, a query on another one) and grant nothing by its argument (check it against
 * `rabita_current_workspace()`). A convention rather than a list, so a later module's function needs no change here.
 */
async function distributeWorkspaceFunctions(
  trx: Transaction<unknown>,
  failures: CitusFailure[],
): Promise<void> {
  const schemas = sql.join(CITUS_SCHEMAS.map((s) => sql.lit(s)));
  const { rows } = await sql<{ name: string }>`
    select p.oid::regprocedure::text as name
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in (${schemas}) and p.prokind = 'f' and p.pronargs >= 1
      and p.proargnames[1] = 'p_workspace' and p.proargtypes[0] = 'uuid'::regtype
      and not exists (select 1 from pg_dist_object o where o.classid = 'pg_proc'::regclass and o.objid = p.oid
        and o.distribution_argument_index = 0 and o.force_delegation)
      and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid
        and d.deptype = 'e')
    order by 1`.execute(trx);
  for (const row of rows)
    await attempt(trx, failures, { table: row.name, step: 'function distributed by workspace' }, async () => {
      await sql`select create_distributed_function(${row.name}, 'p_workspace',
        colocate_with := ${CITUS_COLOCATION_ANCHOR}, force_delegation := true)`.execute(trx);
    });
}

/**
 * Cluster forms of the derived tables' `TRUNCATE` triggers, by function. Citus fires a truncate trigger for the
 * coordinator's table and again on each shard it truncates, where a statement on a distributed table is refused
 * ("cannot execute a distributed query from a query on a shard"), so the whole `TRUNCATE` failed. The form acts
 * only for the distributed table itself (`tg_relid` in `pg_dist_partition`; a shard is not), on the coordinator, in
 * the truncating transaction. `caller_suffixes_truncated` (calls module, `calls-0002-phone-suffix`): a truncated
 * record table's phone suffixes go with it.
 */
export const CITUS_TRUNCATE_FORMS: Readonly<Record<string, string>> = {
  'rabita_derived.caller_suffixes_truncated': `
create or replace function rabita_derived.caller_suffixes_truncated() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  -- Fired for the table and again for each of its shards: only the table's own firing acts.
  if not exists (select 1 from pg_dist_partition d where d.logicalrelid = tg_relid) then
    return null;
  end if;
  delete from rabita_derived.caller_phone_suffixes where object_key = tg_table_name;
  return null;
end
$$`,
};

/**
 * Gives every derived table's `TRUNCATE` trigger function (in `rabita_derived`, which keeps those tables) on a
 * placed table its cluster form (`CITUS_TRUNCATE_FORMS`) where it does not have it yet, so a cluster placed before
 * the form gets it too; such a function with no form is a refusal, so a later migration's cannot slip through.
 * Others are left alone: the append-only tables' (`deal_history_append_only`, `forecast_append_only`) only refuse
 * the `TRUNCATE`, which they do on a shard as well.
 */
async function useTruncateForms(trx: Transaction<unknown>, failures: CitusFailure[]): Promise<void> {
  const schemas = sql.join(CITUS_SCHEMAS.map((s) => sql.lit(s)));
  const { rows } = await sql<{ function: string; source: string }>`
    select distinct t.tgfoid::regproc::text as function, p.prosrc as source
    from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
    join pg_proc p on p.oid = t.tgfoid
    where not t.tgisinternal and n.nspname in (${schemas}) and (t.tgtype & 32) <> 0
      and p.pronamespace = 'rabita_derived'::regnamespace
      and exists (select 1 from pg_dist_partition d where d.logicalrelid = t.tgrelid)
    order by 1`.execute(trx);
  for (const row of rows)
    await attempt(trx, failures, { table: row.function, step: 'truncate trigger form' }, async () => {
      const form = CITUS_TRUNCATE_FORMS[row.function];
      if (!form) throw new Error(`${row.function} runs on TRUNCATE and has no cluster form (citus.ts)`);
      if (!row.source.includes('pg_dist_partition')) await sql.raw(form).execute(trx);
    });
}

/** Replaces the derived tables' statement-level triggers on placed tables with their row forms (see above). */
async function useRowTriggers(trx: Transaction<unknown>, failures: CitusFailure[]): Promise<void> {
  const schemas = sql.join(CITUS_SCHEMAS.map((s) => sql.lit(s)));
  const { rows } = await sql<TriggerRow>`
    select t.tgrelid::regclass::text as table, c.relname, t.tgname as name, t.tgfoid::regproc::text as function,
      pg_get_triggerdef(t.oid) as definition
    from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
    join pg_proc p on p.oid = t.tgfoid
    where not t.tgisinternal and n.nspname in (${schemas})
      and p.pronamespace = 'rabita_derived'::regnamespace and p.proname not like '%\_row'
      and (t.tgtype & 32) = 0 -- not TRUNCATE
      and exists (select 1 from pg_dist_partition d where d.logicalrelid = t.tgrelid)
    order by 1, 3`.execute(trx);
  if (rows.length === 0) return;
  await sql.raw(CITUS_ROW_TRIGGER_FUNCTIONS).execute(trx);
  for (const row of rows)
    await attempt(trx, failures, { table: row.table, step: `row trigger ${row.name}` }, async () => {
      const definition = citusRowTrigger(row);
      if (!definition) return;
      await sql`drop trigger ${sql.id(row.name)} on ${sql.raw(row.table)}`.execute(trx);
      await sql.raw(definition).execute(trx);
    });
}

/** Whether the database has the `citus` extension (a Citus coordinator). */
export async function hasCitus(db: Kysely<unknown>): Promise<boolean> {
  const { rows } = await sql<{ present: boolean }>`
    select exists (select 1 from pg_extension where extname = 'citus') as present`.execute(db);
  return rows[0]?.present === true;
}

const citusDatabases = new WeakMap<object, Promise<boolean>>();

/**
 * Whether `db` (a database handle or one of its transactions, with or without plugins) is a Citus coordinator, for
 * the few queries that take another form there: asked (`hasCitus`) once per handle, by the first query that needs
 * to know. A handle's transactions share its dialect adapter, which is what the answer is kept by.
 */
export function onCitus(db: Pick<Kysely<unknown>, 'getExecutor'>): Promise<boolean> {
  const handle = db.getExecutor().adapter;
  let known = citusDatabases.get(handle);
  if (!known) {
    known = hasCitus(db as Kysely<unknown>);
    citusDatabases.set(handle, known);
    known.catch(() => citusDatabases.delete(handle));
  }
  return known;
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

/** What follows the placing of the tables, placed now or before: each step does nothing where it is done already. */
async function useClusterForms(trx: Transaction<unknown>, failures: CitusFailure[]): Promise<void> {
  await useRowTriggers(trx, failures);
  await useTruncateForms(trx, failures);
  await dropNotifyTriggers(trx, failures);
  await usePlpgsqlLookups(trx, failures);
  await oneConnectionPerWorker(trx, failures);
  await useSettingsInBody(trx, failures);
  await distributeWorkspaceFunctions(trx, failures);
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
    await prepareCluster(trx);
    const { tables, keys } = await readTables(trx);
    const plan = citusPlan(tables);
    const failures: CitusFailure[] = [];
    if (plan.length === 0) {
      await useClusterForms(trx, failures);
      if (failures.length > 0) throw new CitusDistributionError(failures);
      return { citus: true, done: [] };
    }
    const pending = new Set(plan.map((p) => p.table));
    const moved = keys.filter((k) => pending.has(k.table) || pending.has(k.references));
    for (const key of moved)
      await sql`alter table ${sql.raw(key.table)} drop constraint ${sql.id(key.name)}`.execute(trx);
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
    // A table placed with rows (a later migration's backfill on a cluster placed before it: `email-0009`) has them
    // copied to its shards and keeps the originals on the coordinator, where nothing reads them; Citus leaves
    // removing them to the caller.
    const { rows: copied } = await sql<{ table: string }>`
      select t as table from unnest(${done.map((d) => d.table)}::text[]) as t
      where pg_relation_size(t::regclass) > 0`.execute(trx);
    for (const { table } of copied)
      await attempt(trx, failures, { table, step: 'coordinator copy removed' }, async () => {
        await sql`select truncate_local_data_after_distributing_table(${table}::regclass)`.execute(trx);
      });
    if (failures.length === 0) {
      await useClusterForms(trx, failures);
    }
    if (failures.length > 0) throw new CitusDistributionError(failures);
    return { citus: true, done };
  });
}
