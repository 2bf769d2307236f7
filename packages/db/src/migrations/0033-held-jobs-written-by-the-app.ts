import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Jobs held in `pending_jobs` (migration 0022) are written by the application role, under row-level security,
// instead of by the owner inside `rabita_schedule_job` and `rabita_cancel_job`. On a Citus cluster a transaction's
// connection to a shard belongs to one role, and Citus refuses the owner a shard the application role already wrote
// in the same transaction ("cannot perform query on placements that were modified in this transaction by a different
// user"): creating a ticket wrote the workspace's shards, then cancelled and queued its deadlines' jobs. The held
// rows are now deleted and inserted by the caller (the functions are `security invoker`), confined to its workspace
// by the table's policy; graphile-worker's queue (on the coordinator, not sharded) is still reached through
// owner-run functions. The checks are unchanged and still run in the functions; a row the application role writes
// directly must also name its own workspace in its payload (`pending_jobs_payload_workspace`), as the function
// always made it, so a held job cannot be made to run for another workspace.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`grant select, insert, delete on pending_jobs to rabita_app`.execute(db);
  await sql`
    alter table pending_jobs add constraint pending_jobs_payload_workspace
      check (payload ->> 'workspaceId' = workspace_id::text)`.execute(db);
  // What the functions always made, held for rows written directly too: a Rabita task, a key of the row's own
  // workspace, the attempts the functions allow.
  await sql`
    alter table pending_jobs
      add constraint pending_jobs_task_named check (task ~ '^rabita:[a-z0-9][a-z0-9:._-]{0,62}$'),
      add constraint pending_jobs_key_of_workspace
        check (job_key is null or starts_with(job_key, 'ws:' || workspace_id::text || ':')),
      add constraint pending_jobs_attempts check (max_attempts between 1 and 25)`.execute(db);

  // The checks both paths make (the caller's and the owner-run queueing), in one place.
  await sql`
    create function rabita_check_job(p_task text, p_key text, p_payload json, p_max_attempts integer)
    returns void
    language plpgsql stable security invoker set search_path = public, pg_temp
    as $$
    begin
      if rabita_current_workspace() is null then
        raise exception 'rabita_schedule_job: no workspace in this transaction' using errcode = '42501';
      end if;
      if p_task is null or p_task !~ '^rabita:[a-z0-9][a-z0-9:._-]{0,62}$' then
        raise exception 'rabita_schedule_job: task must be a rabita: task name' using errcode = '22023';
      end if;
      if p_key is not null and (length(p_key) < 1 or length(p_key) > 200) then
        raise exception 'rabita_schedule_job: key must be 1 to 200 characters' using errcode = '22023';
      end if;
      if p_payload is null or json_typeof(p_payload) <> 'object' or octet_length(p_payload::text) > 16384 then
        raise exception 'rabita_schedule_job: payload must be a JSON object of at most 16 KB' using errcode = '22023';
      end if;
      if p_max_attempts is null or p_max_attempts < 1 or p_max_attempts > 25 then
        raise exception 'rabita_schedule_job: max attempts must be 1 to 25' using errcode = '22023';
      end if;
    end
    $$`.execute(db);

  // Queues (or replaces, by key) a job of the current workspace in graphile-worker's queue; false, doing nothing,
  // while its schema does not exist (no worker has started on this database).
  await sql`
    create function rabita_queue_job(
      p_task text, p_key text, p_run_at timestamptz, p_payload json, p_max_attempts integer
    ) returns boolean
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
    declare
      ws uuid := rabita_current_workspace();
    begin
      perform rabita_check_job(p_task, p_key, p_payload, p_max_attempts);
      if to_regprocedure('graphile_worker.add_job(text, json, text, timestamptz, integer, text, integer, text[], text)') is null then
        return false;
      end if;
      perform graphile_worker.add_job(
        identifier => p_task, payload => (p_payload::jsonb || jsonb_build_object('workspaceId', ws))::json,
        run_at => coalesce(p_run_at, now()), max_attempts => p_max_attempts,
        job_key => case when p_key is null then null else 'ws:' || ws::text || ':' || p_key end,
        job_key_mode => 'replace');
      return true;
    end
    $$`.execute(db);

  // Removes the current workspace's queued job of this key (only when it is of task p_task, if given) from
  // graphile-worker's queue; a job already running finishes its run but is not retried. True when one was found.
  await sql`
    create function rabita_unqueue_job(p_task text, p_key text) returns boolean
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
    declare
      ws uuid := rabita_current_workspace();
      full_key text;
    begin
      if ws is null then
        raise exception 'rabita_cancel_job: no workspace in this transaction' using errcode = '42501';
      end if;
      if p_key is null or length(p_key) < 1 or length(p_key) > 200 then
        raise exception 'rabita_cancel_job: key must be 1 to 200 characters' using errcode = '22023';
      end if;
      full_key := 'ws:' || ws::text || ':' || p_key;
      if to_regprocedure('graphile_worker.remove_job(text)') is null then
        return false;
      end if;
      if p_task is not null and not exists (
        select from graphile_worker.jobs j where j.key = full_key and j.task_identifier = p_task
      ) then
        return false;
      end if;
      return (graphile_worker.remove_job(full_key)).id is not null;
    end
    $$`.execute(db);

  // Same signature, checks and effects as migration 0022's; the held rows written as the caller.
  await sql`
    create or replace function rabita_schedule_job(
      p_task text, p_key text, p_run_at timestamptz, p_payload json, p_max_attempts integer
    ) returns void
    language plpgsql volatile security invoker set search_path = public, pg_temp
    as $$
    declare
      ws uuid := rabita_current_workspace();
      full_key text;
    begin
      perform rabita_check_job(p_task, p_key, p_payload, p_max_attempts);
      full_key := case when p_key is null then null else 'ws:' || ws::text || ':' || p_key end;
      if full_key is not null then
        -- A held job of the same key would otherwise be queued later and overwrite this newer one.
        delete from pending_jobs where workspace_id = ws and job_key = full_key;
      end if;
      if not rabita_queue_job(p_task, p_key, p_run_at, p_payload, p_max_attempts) then
        insert into pending_jobs (workspace_id, task, job_key, payload, run_at, max_attempts)
        values (ws, p_task, full_key, p_payload::jsonb || jsonb_build_object('workspaceId', ws),
                coalesce(p_run_at, now()), p_max_attempts);
      end if;
    end
    $$`.execute(db);

  await sql`
    create or replace function rabita_cancel_job(p_task text, p_key text) returns boolean
    language plpgsql volatile security invoker set search_path = public, pg_temp
    as $$
    declare
      ws uuid := rabita_current_workspace();
      found_one boolean;
    begin
      if ws is null then
        raise exception 'rabita_cancel_job: no workspace in this transaction' using errcode = '42501';
      end if;
      if p_key is null or length(p_key) < 1 or length(p_key) > 200 then
        raise exception 'rabita_cancel_job: key must be 1 to 200 characters' using errcode = '22023';
      end if;
      delete from pending_jobs
      where workspace_id = ws and job_key = 'ws:' || ws::text || ':' || p_key and (p_task is null or task = p_task);
      found_one := found;
      return rabita_unqueue_job(p_task, p_key) or found_one;
    end
    $$`.execute(db);

  for (const fn of [
    'rabita_check_job(text, text, json, integer)',
    'rabita_queue_job(text, text, timestamptz, json, integer)',
    'rabita_unqueue_job(text, text)',
  ]) {
    await sql.raw(`revoke all on function ${fn} from public`).execute(db);
    await sql.raw(`grant execute on function ${fn} to rabita_app`).execute(db);
  }
}
