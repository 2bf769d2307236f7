import { buildRegistry, MODULES } from '@rabita/core';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '../../../test/harness.ts';
import {
  CITUS_COLOCATION_ANCHOR,
  CITUS_LOCAL_TABLES,
  CITUS_ROW_TRIGGER_FUNCTIONS,
  citusPlan,
  citusRowTrigger,
  citusSettingsForm,
  distributeTables,
  hasCitus,
  LOOKUP_POOL_SIZE_SETTING,
  type SettingFunctionRow,
  type TriggerRow,
} from './citus.ts';
import { openDatabase, openOwnerDatabase } from './database.ts';
import { migrateToLatest } from './migrate.ts';
import { withWorkspace } from './tenancy.ts';

describe('the Citus step on one PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  beforeAll(async () => {
    database = await createEmptyDatabase();
  });
  afterAll(() => database?.drop());

  it('does nothing without the citus extension: no table placed, the schema as the migrations left it', async () => {
    const owner = openOwnerDatabase(database.url);
    try {
      await migrateToLatest(owner);
      expect(await hasCitus(owner)).toBe(false);
      const before = await sql<{ n: string }>`select count(*)::text as n from pg_class`.execute(owner);
      expect(await distributeTables(owner)).toEqual({ citus: false, done: [] });
      const after = await sql<{ n: string }>`select count(*)::text as n from pg_class`.execute(owner);
      expect(after.rows).toEqual(before.rows);
    } finally {
      await owner.destroy();
    }
  });

  it('plans reference tables first, then workspaces, then tenant tables; skips local and placed ones', () => {
    const plan = citusPlan([
      { table: 'roles', tenant: true, placed: false },
      { table: 'users', tenant: false, placed: false },
      { table: 'workspaces', tenant: false, placed: false },
      { table: 'rabita_migration', tenant: false, placed: false },
      { table: 'people', tenant: true, placed: true },
      { table: 'rabita_derived.deal_totals', tenant: true, placed: false },
    ]);
    expect(plan).toEqual([
      { table: 'users', kind: 'reference' },
      { table: CITUS_COLOCATION_ANCHOR, kind: 'anchor' },
      { table: 'rabita_derived.deal_totals', kind: 'tenant' },
      { table: 'roles', kind: 'tenant' },
    ]);
  });
});

/** The same writes in a workspace: records with names and phones, changed, soft- and hard-deleted, and activities. */
async function writeRecords(owner: Kysely<unknown>, workspaceId: string): Promise<void> {
  const id = (n: number) => `0190c3f0-0000-7000-8000-${String(n).padStart(12, '0')}`;
  await sql`insert into workspaces (id, name) values (${workspaceId}, 'Row forms')`.execute(owner);
  await sql`
    insert into people (workspace_id, id, first_name, last_name, phone_numbers) values
      (${workspaceId}, ${id(1)}, 'Élodie', 'Núñez', '{+14155550123,+14155550124}'),
      (${workspaceId}, ${id(2)}, 'علی', 'رضایی', '{+989121234567}'),
      (${workspaceId}, ${id(3)}, 'Ana', null, '{}')`.execute(owner);
  await sql`insert into companies (workspace_id, id, name, phone_numbers) values
      (${workspaceId}, ${id(4)}, 'Rabita Ltd', '{+442071234567}')`.execute(owner);
  await sql`update people set phone_numbers = '{+14155550999}', first_name = 'Elo' where id = ${id(1)}`.execute(
    owner,
  );
  await sql`update people set deleted_at = now() where id = ${id(2)}`.execute(owner);
  await sql`delete from companies where id = ${id(4)}`.execute(owner);
  await sql`
    insert into activities (workspace_id, id, type, person_ids, company_ids, occurred_at) values
      (${workspaceId}, ${id(10)}, 'note', ${sql.lit(`{${id(1)},${id(3)}}`)}::uuid[], '{}', '2026-01-02'),
      (${workspaceId}, ${id(11)}, 'call', ${sql.lit(`{${id(1)}}`)}::uuid[], '{}', '2026-01-03'),
      (${workspaceId}, ${id(12)}, 'note', ${sql.lit(`{${id(3)}}`)}::uuid[], '{}', '2026-01-04')`.execute(
    owner,
  );
  await sql`update activities set person_ids = ${sql.lit(`{${id(3)}}`)}::uuid[], occurred_at = '2026-02-01'
    where id = ${id(10)}`.execute(owner);
  await sql`update activities set type = 'meeting' where id = ${id(11)}`.execute(owner);
  await sql`update activities set deleted_at = now() where id = ${id(12)}`.execute(owner);
  await sql`insert into exchange_rates (workspace_id, currency, on_date, rate) values
      (${workspaceId}, 'EUR', '2020-01-01', 1.1)`.execute(owner);
  await sql`
    insert into deals (workspace_id, id, name, amount) values
      (${workspaceId}, ${id(20)}, 'Big', '{"amount": "1200.50", "currency": "EUR"}'),
      (${workspaceId}, ${id(21)}, 'Small', '{"amount": "10", "currency": "EUR"}'),
      (${workspaceId}, ${id(22)}, 'Open', null),
      (${workspaceId}, ${id(23)}, 'Lost', '{"amount": "99.999", "currency": "USD"}')`.execute(owner);
  await sql`update deals set amount = '{"amount": "1300", "currency": "EUR"}' where id = ${id(20)}`.execute(
    owner,
  );
  await sql`update deals set name = 'Smaller' where id = ${id(21)}`.execute(owner);
  await sql`update deals set deleted_at = now() where id = ${id(22)}`.execute(owner);
  await sql`delete from deals where id = ${id(23)}`.execute(owner);
  // The kept converted totals (sales-0015): more deals in one statement, moved and deleted, then rates changed.
  await sql`
    insert into deals (workspace_id, id, name, amount) values
      (${workspaceId}, ${id(24)}, 'Pounds', '{"amount": "70.25", "currency": "GBP"}'),
      (${workspaceId}, ${id(25)}, 'Dollars', '{"amount": "5", "currency": "USD"}'),
      (${workspaceId}, ${id(26)}, 'Euros', '{"amount": "0.5", "currency": "EUR"}')`.execute(owner);
  await sql`update deals set amount = '{"amount": "8", "currency": "GBP"}' where id in (${id(25)}, ${id(26)})`.execute(
    owner,
  );
  await sql`delete from deals where id = ${id(21)}`.execute(owner);
  await sql`insert into exchange_rates (workspace_id, currency, on_date, rate) values
      (${workspaceId}, 'GBP', '2020-01-01', 1.25), (${workspaceId}, 'USD', '2020-01-01', 0.5)`.execute(owner);
  await sql`update exchange_rates set rate = 1.2 where workspace_id = ${workspaceId} and currency = 'EUR'`.execute(
    owner,
  );
  await sql`delete from exchange_rates where workspace_id = ${workspaceId} and currency = 'GBP'`.execute(
    owner,
  );
}

/** The derived rows of a workspace, without its id. */
async function derivedRows(owner: Kysely<unknown>, workspaceId: string): Promise<unknown> {
  const folded = await sql`select column_key, value from rabita_derived.folded_values
    where workspace_id = ${workspaceId} order by 1, 2`.execute(owner);
  const suffixes = await sql`select suffix, object_key, record_id from rabita_derived.caller_phone_suffixes
    where workspace_id = ${workspaceId} order by 1, 2, 3`.execute(owner);
  const links = await sql`select record_id, at, activity_id from rabita_derived.activity_links
    where workspace_id = ${workspaceId} order by 1, 2, 3`.execute(owner);
  // Slots follow transaction ids, which differ between runs: the totals are compared summed over them.
  const totals = await sql`select currency, scale, sum(deals)::int as deals, sum(amounts)::int as amounts,
      sum(amount)::text as amount
    from rabita_derived.deal_totals where workspace_id = ${workspaceId}
    group by 1, 2 having sum(deals) <> 0 or sum(amounts) <> 0 or sum(amount) <> 0 order by 1, 2`.execute(
    owner,
  );
  const basis = await sql`select time_zone, currency from rabita_derived.deal_money_basis
    where workspace_id = ${workspaceId}`.execute(owner);
  const days = await sql`select currency, day::text as day, scale, sum(amounts)::int as amounts,
      sum(amount)::text as amount
    from rabita_derived.deal_money_days where workspace_id = ${workspaceId}
    group by 1, 2, 3 having sum(amounts) <> 0 or sum(amount) <> 0 order by 1, 2, 3`.execute(owner);
  const converted = await sql`select currency, scale, sum(convs)::int as convs, sum(missing)::int as missing,
      sum(converted)::text as converted
    from rabita_derived.deal_money_totals where workspace_id = ${workspaceId}
    group by 1, 2 having sum(convs) <> 0 or sum(missing) <> 0 or sum(converted) <> 0 order by 1, 2`.execute(
    owner,
  );
  return {
    folded: folded.rows,
    suffixes: suffixes.rows,
    links: links.rows,
    totals: totals.rows,
    basis: basis.rows,
    days: days.rows,
    converted: converted.rows,
  };
}

describe('the row-level trigger forms used on a cluster, on one PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  beforeAll(async () => {
    database = await createEmptyDatabase();
  });
  afterAll(() => database?.drop());

  it('write the same derived rows as the statement-level forms', async () => {
    const owner = openOwnerDatabase(database.url);
    try {
      await migrateToLatest(owner, buildRegistry(MODULES).migrations);
      const statementForm = crypto.randomUUID();
      await writeRecords(owner, statementForm);
      const expected = await derivedRows(owner, statementForm);
      expect(expected).toMatchObject({
        folded: expect.arrayContaining([{ column_key: 'people.first_name', value: 'elo' }]),
        suffixes: [expect.objectContaining({ suffix: '55550999', object_key: 'people' })],
      });
      expect((expected as { links: unknown[] }).links).toHaveLength(2);
      expect((expected as { totals: unknown[] }).totals).toEqual([
        { currency: 'EUR', scale: 0, deals: 1, amounts: 1, amount: '1300' },
        { currency: 'GBP', scale: 0, deals: 2, amounts: 2, amount: '16' },
        { currency: 'GBP', scale: 2, deals: 1, amounts: 1, amount: '70.25' },
      ]);
      // In USD: EUR 1300 at 1.2; GBP's rate was removed, so its three deals are missing (USD's moved to GBP).
      expect((expected as { converted: unknown[] }).converted).toEqual([
        { currency: 'EUR', scale: 0, convs: 1, missing: 0, converted: '1560.000000000000' },
        { currency: 'GBP', scale: 0, convs: 0, missing: 2, converted: '0' },
        { currency: 'GBP', scale: 2, convs: 0, missing: 1, converted: '0' },
      ]);

      // Swap every derived trigger for its row form, as the Citus step does on the shards.
      const { rows } = await sql<TriggerRow>`
        select t.tgrelid::regclass::text as table, c.relname, t.tgname as name, t.tgfoid::regproc::text as function,
          pg_get_triggerdef(t.oid) as definition
        from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_proc p on p.oid = t.tgfoid
        where not t.tgisinternal and p.pronamespace = 'rabita_derived'::regnamespace and (t.tgtype & 32) = 0`.execute(
        owner,
      );
      await sql.raw(CITUS_ROW_TRIGGER_FUNCTIONS).execute(owner);
      let swapped = 0;
      for (const row of rows) {
        const definition = citusRowTrigger(row);
        if (!definition) continue;
        expect(definition).toMatch(/FOR EACH ROW/);
        await sql`drop trigger ${sql.id(row.name)} on ${sql.raw(row.table)}`.execute(owner);
        await sql.raw(definition).execute(owner);
        swapped++;
      }
      expect(swapped).toBeGreaterThanOrEqual(20);
      const { rows: left } = await sql<{ n: number }>`
        select count(*)::int as n from pg_trigger where tgoldtable is not null or tgnewtable is not null`.execute(
        owner,
      );
      expect(left[0]?.n).toBe(0);

      const rowForm = crypto.randomUUID();
      await writeRecords(owner, rowForm);
      expect(await derivedRows(owner, rowForm)).toEqual(expected);
    } finally {
      await owner.destroy();
    }
  }, 120_000);

  it('clears a deleted role, dashboard or product from the rows naming it, as the keys once did', async () => {
    const owner = openOwnerDatabase(database.url);
    try {
      const ws = crypto.randomUUID();
      const [role, webhook, dashboard, product, deal, line] = Array.from({ length: 6 }, () =>
        crypto.randomUUID(),
      );
      await sql`insert into workspaces (id, name) values (${ws}, 'Cleared')`.execute(owner);
      await sql`insert into roles (workspace_id, id, key, name) values (${ws}, ${role}, 'gone', 'Gone')`.execute(
        owner,
      );
      await sql`insert into webhooks (workspace_id, id, url, objects, events, secret, role_id)
        values (${ws}, ${webhook}, 'https://example.com/hook', '{people}', '{created}', 's', ${role})`.execute(
        owner,
      );
      await sql`insert into dashboards (workspace_id, id, name) values (${ws}, ${dashboard}, 'Home')`.execute(
        owner,
      );
      await sql`insert into dashboard_homes (workspace_id, role_id, dashboard_id) values (${ws}, ${role}, ${dashboard})`.execute(
        owner,
      );
      await sql`insert into products (workspace_id, id, name) values (${ws}, ${product}, '{"en": "Widget"}')`.execute(
        owner,
      );
      await sql`insert into deals (workspace_id, id, name) values (${ws}, ${deal}, 'With a line')`.execute(
        owner,
      );
      await sql`insert into deal_line_items (workspace_id, id, deal_id, position, quantity, unit_price, product_id)
        values (${ws}, ${line}, ${deal}, 1, 2, 5, ${product})`.execute(owner);

      await sql`delete from dashboards where id = ${dashboard}`.execute(owner);
      await sql`delete from products where id = ${product}`.execute(owner);
      const homes =
        await sql`select role_id, dashboard_id from dashboard_homes where workspace_id = ${ws}`.execute(
          owner,
        );
      expect(homes.rows).toEqual([{ role_id: role, dashboard_id: null }]);
      const lines = await sql`select id, product_id from deal_line_items where workspace_id = ${ws}`.execute(
        owner,
      );
      expect(lines.rows).toEqual([{ id: line, product_id: null }]);
      // The role's home goes with it (cascade); its webhooks stay, without a role.
      await sql`delete from roles where id = ${role}`.execute(owner);
      const hooks = await sql`select id, role_id from webhooks where workspace_id = ${ws}`.execute(owner);
      expect(hooks.rows).toEqual([{ id: webhook, role_id: null }]);
      await sql`delete from workspaces where id = ${ws}`.execute(owner);
      const left = await sql<{
        n: number;
      }>`select count(*)::int as n from webhooks where workspace_id = ${ws}`.execute(owner);
      expect(left.rows).toEqual([{ n: 0 }]);
    } finally {
      await owner.destroy();
    }
  }, 60_000);

  it('gives the near-word searches forms setting their threshold in the body: same rows, the setting left as it was', async () => {
    const owner = openOwnerDatabase(database.url);
    try {
      const workspaceId = crypto.randomUUID();
      await sql`insert into workspaces (id, name) values (${workspaceId}, 'Settings forms')`.execute(owner);
      await sql`insert into search_documents (workspace_id, object_key, record_id, title, content, compact)
        values (${workspaceId}, 'people', ${crypto.randomUUID()}, 'José Müller', 'jose muller engineer',
                'josemullerengineer')`.execute(owner);
      // At exactly 0.5 (the function's threshold, not the default 0.6): the setting decides the answer.
      const near = () =>
        owner.transaction().execute(async (trx) => {
          await sql.raw(`set local rabita.workspace_id = '${workspaceId}'`).execute(trx);
          await sql`set local pg_trgm.word_similarity_threshold = 0.7`.execute(trx);
          const { rows } = await sql<{ title: string; score: number }>`
            select title, score from rabita_search_near(${workspaceId}::uuid, array['people'], 'mueller', 300, 60)`.execute(
            trx,
          );
          const after = await sql<{ value: string }>`
            select current_setting('pg_trgm.word_similarity_threshold') as value`.execute(trx);
          return { rows, after: after.rows[0]?.value };
        });
      const expected = await near();
      expect(expected).toEqual({ rows: [{ title: 'José Müller', score: 0.3 }], after: '0.7' });

      const { rows } = await sql<SettingFunctionRow>`
        select p.oid::regprocedure::text as name, p.prosrc as source, pg_get_functiondef(p.oid) as definition,
          p.proconfig as config
        from pg_proc p
        where exists (select 1 from unnest(p.proconfig) c where c not like 'search\\_path=%')
        order by 1`.execute(owner);
      const forms = rows.flatMap((row) => {
        const definition = citusSettingsForm(row);
        return definition ? [{ name: row.name, definition }] : [];
      });
      // rabita_match_list's `enable_seqscan = off` only steers the planner: it keeps its SET clause.
      expect(forms.map((f) => f.name)).toEqual([
        'rabita_kb_matches(uuid,tsquery,tsquery,text,boolean,text,uuid,integer,integer)',
        'rabita_search_near(uuid,text[],text,integer,integer)',
      ]);
      for (const form of forms) {
        expect(form.definition).toMatch(
          /VOLATILE[\s\S]*set local pg_trgm\.word_similarity_threshold = '0\.\d+'/,
        );
        await sql.raw(form.definition).execute(owner);
      }
      const { rows: left } = await sql<{ config: string[] }>`
        select proconfig as config from pg_proc where proname in ('rabita_search_near', 'rabita_kb_matches')`.execute(
        owner,
      );
      expect(left).toEqual([
        { config: ['search_path=public, pg_temp'] },
        { config: ['search_path=public, pg_temp'] },
      ]);
      expect(await near()).toEqual(expected);
      expect(() =>
        citusSettingsForm({
          name: 'f()',
          source: 'begin return next 1; end',
          definition: 'CREATE FUNCTION f() AS $$begin return next 1; end$$',
          config: ['pg_trgm.similarity_threshold=0.4'],
        }),
      ).toThrow(/does not run to its end/);
    } finally {
      await owner.destroy();
    }
  });

  it('refuses a trigger with a transition table that has no row form', () => {
    expect(() =>
      citusRowTrigger({
        table: 'things',
        relname: 'things',
        name: 'things_count',
        function: 'rabita_derived.things_counted',
        definition:
          'CREATE TRIGGER things_count AFTER INSERT ON public.things REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rabita_derived.things_counted()',
      }),
    ).toThrow(/no row-level form/);
  });
});

const citusUrl = process.env.RABITA_TEST_CITUS_URL;

/** Drops what Rabita's migrations create, keeping the citus extension (whose objects live partly in public). */
const RESET = `do $$
declare
  statement text;
  -- Written out before any is run: a cascade drops objects later rows name.
  statements text[] := array(
    select format('drop %s if exists %s cascade',
      case c.relkind when 'v' then 'view' when 'm' then 'materialized view' else 'table' end,
      c.oid::regclass)
    from pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm')
      and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
    union all
    select format('drop routine if exists %s cascade', p.oid::regprocedure)
    from pg_proc p
    where p.pronamespace = 'public'::regnamespace
      and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
    union all
    select format('drop type if exists %s cascade', t.oid::regtype)
    from pg_type t left join pg_class c on c.oid = t.typrelid
    where t.typnamespace = 'public'::regnamespace and (t.typtype in ('e', 'd') or c.relkind = 'c')
      and not exists (select 1 from pg_depend d where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e')
    union all
    select format('drop extension if exists %I cascade', extname)
    from pg_extension where extnamespace = 'public'::regnamespace and extname not like 'citus%');
begin
  drop schema if exists rabita_derived cascade;
  drop schema if exists graphile_worker cascade;
  foreach statement in array statements loop
    execute statement;
  end loop;
end $$`;

interface CitusRow {
  table: string;
  tenant: boolean;
  method: string | null;
  repmodel: string | null;
  column: string | null;
  colocation: number | null;
}

// Needs a coordinator with workers (scripts/citus-cluster.sh start); the database at the URL is emptied first.
describe.skipIf(!citusUrl)('on a Citus coordinator (skipped unless RABITA_TEST_CITUS_URL is set)', () => {
  const migrations = buildRegistry(MODULES).migrations;
  const owner = citusUrl ? openOwnerDatabase(citusUrl) : undefined;

  beforeAll(async () => {
    if (!owner) return;
    // The citus extension has objects in public, so the schema cannot be dropped: Rabita's objects are, one by one.
    await sql.raw(RESET).execute(owner);
  }, 120_000);
  afterAll(() => owner?.destroy());

  it('migrates, distributing every table with workspace_id by it, colocated, and the rest as reference tables', async () => {
    if (!owner) return;
    await migrateToLatest(owner, migrations);
    const { rows } = await sql<CitusRow>`
      select c.oid::regclass::text as table,
        exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'workspace_id' and not a.attisdropped) as tenant,
        p.partmethod::text as method, p.repmodel::text as repmodel, p.colocationid as colocation,
        case when p.partmethod = 'h' then column_to_column_name(p.logicalrelid, p.partkey) end as column
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      left join pg_dist_partition p on p.logicalrelid = c.oid
      where n.nspname in ('public', 'rabita_derived') and c.relkind in ('r', 'p') and not c.relispartition`.execute(
      owner,
    );
    const anchor = rows.find((r) => r.table === CITUS_COLOCATION_ANCHOR);
    expect(anchor).toMatchObject({ method: 'h', column: 'id' });
    for (const row of rows) {
      if (CITUS_LOCAL_TABLES.includes(row.table)) expect(row.method, row.table).toBeNull();
      else if (row.tenant)
        expect(row, row.table).toMatchObject({
          method: 'h',
          column: 'workspace_id',
          colocation: anchor?.colocation,
        });
      else if (row.table !== CITUS_COLOCATION_ANCHOR)
        expect(row, row.table).toMatchObject({ method: 'n', repmodel: 't' });
    }
    // rabita_app may log in on the coordinator as well as the workers: Citus writes the coordinator's attributes on a
    // worker whenever it copies the role there (another database's migrate, a node added), so only the same
    // attributes everywhere keep the workers' logins.
    const logins = await sql<{ node: string; login: string }>`
      select 'coordinator' as node, rolcanlogin::text as login from pg_roles where rolname = 'rabita_app'
      union all
      select nodename || ':' || nodeport, result from run_command_on_workers(
        $$select rolcanlogin::text from pg_roles where rolname = 'rabita_app'$$)`.execute(owner);
    expect(logins.rows.length).toBeGreaterThanOrEqual(3);
    for (const row of logins.rows) expect(row, row.node).toMatchObject({ login: 'true' });
    // Functions whose first argument is the workspace are distributed by it, and called on its worker.
    const functions = await sql<{ name: string; argument: number; delegated: boolean }>`
      select o.objid::regprocedure::text as name, o.distribution_argument_index as argument,
        o.force_delegation as delegated
      from pg_dist_object o where o.classid = 'pg_proc'::regclass and o.distribution_argument_index is not null`.execute(
      owner,
    );
    expect(functions.rows).toContainEqual({
      name: 'rabita_filter_lookups(uuid,jsonb)',
      argument: 0,
      delegated: true,
    });
    // The lookups that ask every shard use one connection per worker.
    const settings = await sql<{ name: string; config: string[] }>`
      select p.oid::regprocedure::text as name, p.proconfig as config from pg_proc p
      where p.proname in ('rabita_session_principal', 'rabita_api_key_principal', 'rabita_user_memberships')
      order by 1`.execute(owner);
    expect(settings.rows).toHaveLength(3);
    for (const row of settings.rows) expect(row.config, row.name).toContain(`${LOOKUP_POOL_SIZE_SETTING}=1`);
  }, 300_000);

  it('runs workspace transactions on the workers: own rows only, derived rows written, shared writes committed', async () => {
    if (!owner || !citusUrl) return;
    const app = openDatabase(citusUrl);
    try {
      const a = crypto.randomUUID();
      const b = crypto.randomUUID();
      const person = crypto.randomUUID();
      const role = crypto.randomUUID();
      for (const ws of [a, b])
        await withWorkspace(app.db, ws, (trx) =>
          sql`insert into workspaces (id, name) values (${ws}, 'On the workers')`.execute(trx),
        );
      await withWorkspace(app.db, a, (trx) =>
        sql`insert into people (workspace_id, id, first_name, phone_numbers)
          values (${a}, ${person}, 'Élodie', '{+14155550123}')`.execute(trx),
      );
      const own = await withWorkspace(app.db, a, (trx) => sql`select id from people`.execute(trx));
      expect(own.rows).toEqual([{ id: person }]);
      const other = await withWorkspace(app.db, b, (trx) => sql`select id from people`.execute(trx));
      expect(other.rows).toEqual([]);
      await expect(
        withWorkspace(app.db, b, (trx) =>
          sql`insert into people (workspace_id, id) values (${a}, ${crypto.randomUUID()})`.execute(trx),
        ),
      ).rejects.toThrow(/row-level security/);
      // The row-level forms of the derived tables' triggers wrote on the shard, under the table's own name.
      const folded = await sql`select value from rabita_derived.folded_values
        where workspace_id = ${a} and column_key = 'people.first_name'`.execute(owner);
      expect(folded.rows).toEqual([{ value: 'elodie' }]);
      const suffixes = await sql`select suffix, object_key from rabita_derived.caller_phone_suffixes
        where workspace_id = ${a}`.execute(owner);
      expect(suffixes.rows).toEqual([{ suffix: '55550123', object_key: 'people' }]);
      // A filter's owner-run lookups after a write in the same transaction: the function, distributed by its
      // workspace argument, runs on the worker over the transaction's connection (records-0003).
      const later = crypto.randomUUID();
      await withWorkspace(app.db, a, async (trx) => {
        await sql`insert into people (workspace_id, id, first_name, phone_numbers)
          values (${a}, ${later}, 'Maryam', '{+989121234567}')`.execute(trx);
        const lookups = [
          { kind: 'folded', column: 'people.first_name', pattern: '%ary%' },
          { kind: 'list', table: 'people', column: 'phone_numbers', keys: ['+989121234567'] },
        ];
        const found = await sql`select l.i, l.hits
          from rabita_filter_lookups(${a}::uuid, ${JSON.stringify(lookups)}::jsonb) as l`.execute(trx);
        expect(found.rows).toEqual([
          { i: 1, hits: ['maryam'] },
          { i: 2, hits: [later] },
        ]);
        const elsewhere =
          await sql`select l.i from rabita_filter_lookups(${b}::uuid, ${JSON.stringify(lookups)}::jsonb) as l`.execute(
            trx,
          );
        expect(elsewhere.rows).toEqual([]);
      });
      // The kept converted deal totals (sales-0015): a deal written, then its currency's rate changed, on the shard.
      await withWorkspace(app.db, a, async (trx) => {
        await sql`insert into exchange_rates (workspace_id, currency, on_date, rate)
          values (${a}, 'EUR', '2020-01-01', 1.1)`.execute(trx);
        await sql`insert into deals (workspace_id, id, name, amount)
          values (${a}, ${crypto.randomUUID()}, 'Euros', '{"amount": "200", "currency": "EUR"}')`.execute(
          trx,
        );
      });
      await withWorkspace(app.db, a, (trx) =>
        sql`update exchange_rates set rate = 1.5 where workspace_id = ${a} and currency = 'EUR'`.execute(trx),
      );
      const converted = await sql`select currency, sum(convs)::int as convs, sum(converted)::text as converted
        from rabita_derived.deal_money_totals where workspace_id = ${a} group by 1`.execute(owner);
      expect(converted.rows).toEqual([{ currency: 'EUR', convs: 1, converted: '300.000000000000' }]);
      // A role change and a shared (reference) table's row in one transaction commit on every node (two-phase): a
      // trigger's NOTIFY on a worker would make it fail.
      await withWorkspace(app.db, a, async (trx) => {
        await sql`insert into roles (workspace_id, id, key, name) values (${a}, ${role}, 'probe', 'Probe')`.execute(
          trx,
        );
        await sql`update roles set name = 'Probed' where workspace_id = ${a} and id = ${role}`.execute(trx);
        await sql`insert into rate_limits (key, points) values (${`citus-probe:${a}`}, 1)`.execute(trx);
      });
      const renamed = await withWorkspace(app.db, a, (trx) =>
        sql<{ name: string }>`select name from roles where id = ${role}`.execute(trx),
      );
      expect(renamed.rows).toEqual([{ name: 'Probed' }]);
      // TRUNCATE fires the suffixes' truncate trigger for the table and for each shard; the table's own firing
      // removes a truncated table's suffixes, the shards' do nothing (CITUS_TRUNCATE_FORMS).
      await withWorkspace(app.db, a, (trx) =>
        sql`insert into leads (workspace_id, id, name, phone_numbers)
          values (${a}, ${crypto.randomUUID()}, 'Truncated', '{+14155550999}')`.execute(trx),
      );
      const suffixesBy = async () =>
        (
          await sql<{ object_key: string }>`select object_key from rabita_derived.caller_phone_suffixes
            where workspace_id = ${a} order by 1`.execute(owner)
        ).rows.map((r) => r.object_key);
      expect(await suffixesBy()).toEqual(['leads', 'people', 'people']);
      await sql`truncate leads cascade`.execute(owner);
      expect(await suffixesBy()).toEqual(['people', 'people']);
      for (const ws of [a, b])
        await withWorkspace(app.db, ws, (trx) => sql`delete from workspaces where id = ${ws}`.execute(trx));
      const left =
        await sql`select count(*)::int as n from rabita_derived.folded_values where workspace_id = ${a}`.execute(
          owner,
        );
      expect(left.rows).toEqual([{ n: 0 }]);
    } finally {
      await app.close();
    }
  }, 120_000);

  it('has nothing to do on a second migrate', async () => {
    if (!owner) return;
    expect(await migrateToLatest(owner, migrations)).toEqual([]);
    expect(await distributeTables(owner)).toEqual({ citus: true, done: [] });
  }, 120_000);

  it('applies a later migration that fills a new table from placed ones and makes a view over it again', async () => {
    if (!owner) return;
    // `email-0009-send-summaries` as it met clusters placed before it: undone here — its table gone, and the view it
    // makes again a distributed object over the placed messages — with sent messages and their events in place.
    await sql`drop view email_sends`.execute(owner);
    await sql`drop table email_send_summaries`.execute(owner);
    await sql`delete from rabita_migration where name = 'email-0009-send-summaries'`.execute(owner);
    await sql`create view email_sends with (security_invoker = true) as
      select m.workspace_id, m.id from email_messages m`.execute(owner);
    const distributedView = await sql`
      select 1 from pg_dist_object where classid = 'pg_class'::regclass and objid = 'email_sends'::regclass`.execute(
      owner,
    );
    expect(distributedView.rows).toHaveLength(1);
    const ws = crypto.randomUUID();
    const user = crypto.randomUUID();
    const messages = [crypto.randomUUID(), crypto.randomUUID()];
    await sql`insert into workspaces (id, name) values (${ws}, 'Sent before the upgrade')`.execute(owner);
    await sql`insert into users (id, email, email_normalized, name)
      values (${user}, ${`${user}@example.com`}, ${`${user}@example.com`}, 'Sara')`.execute(owner);
    for (const [i, id] of messages.entries())
      await sql`insert into email_messages (workspace_id, id, message_id, thread_id, sent_at, direction,
          sent_by_user_id, mailbox_id)
        values (${ws}, ${id}, ${`<${id}@example.com>`}, ${crypto.randomUUID()}, ${`2026-12-0${i + 1}T08:00:00Z`},
          'out', ${user}, ${crypto.randomUUID()})`.execute(owner);
    const events: [string, string, string, boolean][] = [
      [messages[0]!, 'open', '2026-12-01T08:00:02Z', true],
      [messages[0]!, 'open', '2026-12-01T09:00:00Z', false],
      [messages[0]!, 'reply', '2026-12-02T10:00:00Z', false],
    ];
    for (const [message, kind, at, machine] of events)
      await sql`insert into email_events (workspace_id, id, message_id, kind, at, machine)
        values (${ws}, ${crypto.randomUUID()}, ${message}, ${kind}, ${at}, ${machine})`.execute(owner);

    expect(await migrateToLatest(owner, migrations)).toEqual(['email-0009-send-summaries']);
    const placed = await sql<{ colocated: boolean; local: string }>`
      select p.colocationid = (select colocationid from pg_dist_partition
          where logicalrelid = 'email_messages'::regclass) as colocated,
        pg_relation_size('email_send_summaries')::text as local
      from pg_dist_partition p where p.logicalrelid = 'email_send_summaries'::regclass`.execute(owner);
    // Placed beside the messages, its rows on the shards and none left in the coordinator's own table.
    expect(placed.rows).toEqual([{ colocated: true, local: '0' }]);
    const sends = await sql<Record<string, unknown>>`
      select id, opened_at, replied_at, clicked_at, updated_at from email_sends where workspace_id = ${ws}
      order by created_at`.execute(owner);
    expect(sends.rows).toEqual([
      {
        id: messages[0],
        opened_at: new Date('2026-12-01T09:00:00Z'),
        replied_at: new Date('2026-12-02T10:00:00Z'),
        clicked_at: null,
        updated_at: new Date('2026-12-02T10:00:00Z'),
      },
      {
        id: messages[1],
        opened_at: null,
        replied_at: null,
        clicked_at: null,
        updated_at: new Date('2026-12-02T08:00:00Z'),
      },
    ]);
  }, 300_000);
});
