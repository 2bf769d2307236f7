import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Imports: one row per uploaded file with its options and progress, the file itself in 1 MiB chunks (so the
// server streams it in and the job streams it out, on any machine of a cluster), and every rejected row.

const TENANT_TABLES = ['imports', 'import_chunks', 'import_rejects', 'import_mappings'];

export async function up(db: Kysely<unknown>): Promise<void> {
  // `rows_done` is the resume mark: the number of data rows whose outcome is committed. It moves in the same
  // transaction as the rows it covers, so a crashed run resumes exactly there. `claimed_by` and
  // `heartbeat_at` keep two runners off one import: a claim goes stale after two minutes without a heartbeat.
  await sql`
    create table imports (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      object_key text not null,
      status text not null default 'queued',
      dry_run boolean not null default false,
      options jsonb not null default '{}',
      principal jsonb not null,
      file_name text,
      file_format text not null,
      file_bytes bigint not null default 0,
      headers jsonb,
      rows_total integer,
      rows_done integer not null default 0,
      created integer not null default 0,
      updated integer not null default 0,
      skipped integer not null default 0,
      rejected integer not null default 0,
      error text,
      claimed_by text,
      heartbeat_at timestamptz,
      started_at timestamptz,
      finished_at timestamptz,
      run_ms bigint not null default 0,
      created_by uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index imports_created_idx on imports (workspace_id, created_at desc, id)`.execute(db);
  await sql`create index imports_pending_idx on imports (status) where status in ('queued', 'running')`.execute(
    db,
  );

  await sql`
    create table import_chunks (
      workspace_id uuid not null,
      import_id uuid not null,
      seq integer not null,
      data bytea not null,
      primary key (workspace_id, import_id, seq),
      foreign key (workspace_id, import_id) references imports (workspace_id, id) on delete cascade
    )`.execute(db);

  // `row_number` counts data rows from 1 (the header is row 0); `cells` keeps the row as read.
  await sql`
    create table import_rejects (
      workspace_id uuid not null,
      import_id uuid not null,
      row_number integer not null,
      reason text not null,
      cells jsonb not null,
      primary key (workspace_id, import_id, row_number),
      foreign key (workspace_id, import_id) references imports (workspace_id, id) on delete cascade
    )`.execute(db);

  // Mappings saved for next time, by object and name.
  await sql`
    create table import_mappings (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      object_key text not null,
      name text not null,
      mapping jsonb not null,
      created_by uuid,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, object_key, name)
    )`.execute(db);

  for (const table of TENANT_TABLES) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }

  // The job finds imports to run across workspaces (queued ones, and running ones whose runner went quiet);
  // it learns only their keys, then works on each inside its workspace.
  await sql`
    create function rabita_pending_imports(p_limit integer)
    returns table (workspace_id uuid, id uuid)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select i.workspace_id, i.id from imports i
      where i.status = 'queued'
         or (i.status = 'running' and (i.heartbeat_at is null or i.heartbeat_at < now() - interval '2 minutes'))
      order by i.created_at
      limit p_limit
    $$`.execute(db);

  // Asks graphile-worker to run the import task once the transaction commits (a minutely cron also does).
  await sql`
    create function rabita_kick_imports() returns void
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
    begin
      if to_regprocedure('graphile_worker.add_job(text, json, text, timestamptz, integer, text, integer, text[], text)') is null then
        return;
      end if;
      begin
        perform graphile_worker.add_job(identifier => 'rabita:import', payload => '{}'::json, max_attempts => 3);
      exception when others then
        raise warning 'rabita: could not queue an import: %', sqlerrm;
      end;
    end
    $$`.execute(db);

  // Finds the live records of the current workspace whose list column (emails, phones, tags, domains) holds
  // one of the keys, for matching imported rows. Row-level security keeps the array operators (which are not
  // leakproof) from using the GIN indexes, so a query by the app role scans the workspace; this function runs as
  // the owner, reads only the workspace of the transaction, and probes the GIN index first.
  await sql`
    create function rabita_match_list(p_table text, p_column text, p_keys text[], p_object_id uuid, p_owner uuid)
    returns table (id uuid, k text)
    language plpgsql stable security definer set search_path = public, pg_temp
    as $$
    declare
      ws uuid := rabita_current_workspace();
    begin
      if ws is null then
        return;
      end if;
      if p_table not in ('people', 'companies', 'leads', 'deals', 'activities', 'tasks', 'records')
         or p_column not in ('email_addresses', 'phone_numbers', 'domains', 'tags', 'flags') then
        raise exception 'rabita_match_list: %.% cannot be matched', p_table, p_column;
      end if;
      return query execute format(
        'with hits as materialized (select t.* from %I t where t.%I && $1)
         select h.id, k from hits h, unnest(h.%I) as k
         where h.workspace_id = $2 and h.deleted_at is null and k = any($1) %s %s',
        p_table, p_column, p_column,
        case when p_object_id is null then '' else 'and h.object_id = $3' end,
        case when p_owner is null then '' else 'and h.owner_id = $4' end)
      using p_keys, ws, p_object_id, p_owner;
    end
    $$`.execute(db);

  for (const fn of [
    'rabita_pending_imports(integer)',
    'rabita_kick_imports()',
    'rabita_match_list(text, text, text[], uuid, uuid)',
  ]) {
    await sql.raw(`revoke all on function ${fn} from public`).execute(db);
    await sql.raw(`grant execute on function ${fn} to rabita_app`).execute(db);
  }
}
