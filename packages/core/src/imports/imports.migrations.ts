import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `imports-0001-lease`: an import's runner holds it on a short lease. The job finds running imports whose
 * heartbeat is older than the lease it is given (it was two minutes, written into the function), and a runner
 * schedules a watch job for its import, pushed back at each heartbeat: if the runner dies, the watch runs soon
 * after the lease lapses and resumes the import, instead of the minutely sweep doing it minutes later.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop function rabita_pending_imports(integer)`.execute(db);
  await sql`
    create function rabita_pending_imports(p_limit integer, p_lease_seconds integer)
    returns table (workspace_id uuid, id uuid)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select i.workspace_id, i.id from imports i
      where i.status = 'queued'
         or (i.status = 'running'
             and (i.heartbeat_at is null or i.heartbeat_at < now() - make_interval(secs => p_lease_seconds)))
      order by i.created_at
      limit p_limit
    $$`.execute(db);

  // (Re)schedules the import task to run once the lease of this import would lapse without another heartbeat.
  await sql`
    create function rabita_watch_import(p_import uuid, p_after_seconds integer) returns void
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
    begin
      if to_regprocedure('graphile_worker.add_job(text, json, text, timestamptz, integer, text, integer, text[], text)') is null then
        return;
      end if;
      begin
        perform graphile_worker.add_job(identifier => 'rabita:import', payload => '{}'::json,
          run_at => now() + make_interval(secs => p_after_seconds), max_attempts => 3,
          job_key => 'rabita:import-watch:' || p_import::text, job_key_mode => 'replace');
      exception when others then
        raise warning 'rabita: could not watch an import: %', sqlerrm;
      end;
    end
    $$`.execute(db);

  // Drops the watch of an import whose run ended.
  await sql`
    create function rabita_unwatch_import(p_import uuid) returns void
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
    begin
      if to_regprocedure('graphile_worker.remove_job(text)') is null then
        return;
      end if;
      begin
        perform graphile_worker.remove_job('rabita:import-watch:' || p_import::text);
      exception when others then
        raise warning 'rabita: could not unwatch an import: %', sqlerrm;
      end;
    end
    $$`.execute(db);

  for (const fn of [
    'rabita_pending_imports(integer, integer)',
    'rabita_watch_import(uuid, integer)',
    'rabita_unwatch_import(uuid)',
  ]) {
    await sql.raw(`revoke all on function ${fn} from public`).execute(db);
    await sql.raw(`grant execute on function ${fn} to rabita_app`).execute(db);
  }
}
