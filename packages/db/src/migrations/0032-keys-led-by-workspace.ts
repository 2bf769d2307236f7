import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Every unique key of a tenant table includes `workspace_id`, so the table can be sharded by it (a Citus cluster
// refuses a unique key without the distribution column; docs/ARCHITECTURE.md "Citus: keys and cleared columns").
// The keys below were on a random value alone (a 256-bit token's hash, a bigint identity, a job key that already
// names its workspace): each becomes (value, workspace_id), led by the value, so the lookups that find a
// token's workspace before any workspace is known read the same index as before.
// `ON DELETE SET NULL (role_id)` is not supported on a sharded key either: deleting a role clears the webhooks' role
// in a row trigger on `roles` instead, and the key no longer acts on delete (the trigger has cleared it first).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table sessions
      drop constraint sessions_pkey,
      add primary key (workspace_id, id),
      drop constraint sessions_token_hash_key,
      add constraint sessions_token_hash_key unique (token_hash, workspace_id)`.execute(db);
  // A session is also found by its id alone (its last-seen time, once a minute; its sign-in time; a workspace switch).
  await sql`create index sessions_id_idx on sessions (id)`.execute(db);
  await sql`
    alter table sign_in_challenges
      drop constraint sign_in_challenges_pkey,
      add primary key (token_hash, workspace_id)`.execute(db);
  for (const table of ['api_keys', 'invitations']) {
    await sql`
      alter table ${sql.table(table)}
        drop constraint ${sql.id(`${table}_token_hash_key`)},
        add constraint ${sql.id(`${table}_token_hash_key`)} unique (token_hash, workspace_id)`.execute(db);
  }
  await sql`
    alter table pending_jobs
      drop constraint pending_jobs_pkey,
      add primary key (workspace_id, id),
      drop constraint pending_jobs_job_key_key,
      add constraint pending_jobs_job_key_key unique (job_key, workspace_id)`.execute(db);

  await sql`
    create function rabita_role_deleted_clear_webhooks() returns trigger
    language plpgsql volatile set search_path = public, pg_temp
    as $$
    begin
      update webhooks set role_id = null where workspace_id = old.workspace_id and role_id = old.id;
      return old;
    end
    $$`.execute(db);
  await sql`
    create trigger roles_clear_webhooks before delete on roles
    for each row execute function rabita_role_deleted_clear_webhooks()`.execute(db);
  await sql`
    alter table webhooks
      drop constraint webhooks_workspace_id_role_id_fkey,
      add constraint webhooks_workspace_id_role_id_fkey
        foreign key (workspace_id, role_id) references roles (workspace_id, id)`.execute(db);
}
