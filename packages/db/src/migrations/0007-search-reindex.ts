import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Search reindexing: a queue of objects whose search documents must be rebuilt after a metadata change (a
// searchable field removed or made unsearchable, a title field changed), drained by a job in batches.

export async function up(db: Kysely<unknown>): Promise<void> {
  // `after_id` is the progress mark (the last record rebuilt), so a reindex interrupted by a restart resumes.
  await sql`
    create table search_reindex (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      object_key text not null,
      after_id uuid,
      requested_at timestamptz not null default clock_timestamp(),
      primary key (workspace_id, object_key)
    )`.execute(db);
  await sql`alter table search_reindex enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on search_reindex
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on search_reindex to rabita_app`.execute(db);

  // The job finds pending reindexes across workspaces; it learns only their keys.
  await sql`
    create function rabita_pending_reindex(p_limit integer)
    returns table (workspace_id uuid, object_key text)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select r.workspace_id, r.object_key from search_reindex r order by r.requested_at limit p_limit $$`.execute(
    db,
  );

  // Asks graphile-worker to run the reindex task once the transaction commits (a minutely cron also does).
  await sql`
    create function rabita_kick_reindex() returns void
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
    begin
      if to_regprocedure('graphile_worker.add_job(text, json, text, timestamptz, integer, text, integer, text[], text)') is null then
        return;
      end if;
      begin
        perform graphile_worker.add_job(identifier => 'rabita:search-reindex', payload => '{}'::json,
          job_key => 'rabita:search-reindex', max_attempts => 5);
      exception when others then
        raise warning 'rabita: could not queue a search reindex: %', sqlerrm;
      end;
    end
    $$`.execute(db);

  for (const fn of ['rabita_pending_reindex(integer)', 'rabita_kick_reindex()']) {
    await sql.raw(`revoke all on function ${fn} from public`).execute(db);
    await sql.raw(`grant execute on function ${fn} to rabita_app`).execute(db);
  }
}
