import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Scheduled jobs: one generic, owner-run way for the application role to queue, replace and cancel a job by key
// inside its workspace transaction; a holding table for jobs queued before graphile-worker's schema exists; and
// the heartbeats of running worker processes, so the jobs of one that died are released within two minutes.

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per running worker pool (graphile-worker's `locked_by`), written by its process every ~20 s and
  // removed when it stops. Only the worker (the owner) reads or writes it.
  await sql`
    create table worker_heartbeats (
      pool_id text primary key,
      host text not null,
      pid integer not null,
      started_at timestamptz not null default now(),
      seen_at timestamptz not null default now()
    )`.execute(db);

  // Jobs scheduled while graphile-worker's schema does not exist yet (no worker has started on this database);
  // the worker moves them into its queue when it starts and at every heartbeat. Only the owner reads it.
  await sql`
    create table pending_jobs (
      id bigint generated always as identity primary key,
      workspace_id uuid not null references workspaces (id) on delete cascade,
      task text not null,
      job_key text unique,
      payload jsonb not null,
      run_at timestamptz not null,
      max_attempts integer not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`revoke all on worker_heartbeats, pending_jobs from public`.execute(db);
  // A tenant table like any other: row-level security is the second wall (the application role has no grant on it
  // at all; the owner-run functions below, running as the owner, are not subject to it).
  await sql`alter table pending_jobs enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on pending_jobs
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);

  // Queues (or replaces, by key) a job of the current workspace. The key is namespaced by the workspace, so no
  // tenant can reach another's job; the payload's `workspaceId` is set here, never by the caller. The caller
  // validates first for a clear error; these checks are the boundary.
  await sql`
    create function rabita_schedule_job(
      p_task text, p_key text, p_run_at timestamptz, p_payload json, p_max_attempts integer
    ) returns void
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
    declare
      ws uuid := rabita_current_workspace();
      full_key text;
      body jsonb;
    begin
      if ws is null then
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
      body := p_payload::jsonb || jsonb_build_object('workspaceId', ws);
      full_key := case when p_key is null then null else 'ws:' || ws::text || ':' || p_key end;
      if full_key is not null then
        -- A held job of the same key would otherwise be queued later and overwrite this newer one.
        delete from pending_jobs where job_key = full_key;
      end if;
      if to_regprocedure('graphile_worker.add_job(text, json, text, timestamptz, integer, text, integer, text[], text)') is null then
        insert into pending_jobs (workspace_id, task, job_key, payload, run_at, max_attempts)
        values (ws, p_task, full_key, body, coalesce(p_run_at, now()), p_max_attempts);
        return;
      end if;
      perform graphile_worker.add_job(
        identifier => p_task, payload => body::json, run_at => coalesce(p_run_at, now()),
        max_attempts => p_max_attempts, job_key => full_key, job_key_mode => 'replace');
    end
    $$`.execute(db);

  // Cancels the current workspace's job of this key (only when it is of task p_task, if given). A job already
  // running finishes its run but is not retried. True when a job was found.
  await sql`
    create function rabita_cancel_job(p_task text, p_key text) returns boolean
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
    declare
      ws uuid := rabita_current_workspace();
      full_key text;
      found_one boolean := false;
    begin
      if ws is null then
        raise exception 'rabita_cancel_job: no workspace in this transaction' using errcode = '42501';
      end if;
      if p_key is null or length(p_key) < 1 or length(p_key) > 200 then
        raise exception 'rabita_cancel_job: key must be 1 to 200 characters' using errcode = '22023';
      end if;
      full_key := 'ws:' || ws::text || ':' || p_key;
      delete from pending_jobs where job_key = full_key and (p_task is null or task = p_task);
      found_one := found;
      if to_regprocedure('graphile_worker.remove_job(text)') is null then
        return found_one;
      end if;
      if p_task is not null and not exists (
        select from graphile_worker.jobs j where j.key = full_key and j.task_identifier = p_task
      ) then
        return found_one;
      end if;
      return (graphile_worker.remove_job(full_key)).id is not null or found_one;
    end
    $$`.execute(db);

  for (const fn of [
    'rabita_schedule_job(text, text, timestamptz, json, integer)',
    'rabita_cancel_job(text, text)',
  ]) {
    await sql.raw(`revoke all on function ${fn} from public`).execute(db);
    await sql.raw(`grant execute on function ${fn} to rabita_app`).execute(db);
  }
}
