import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Every change that can end or narrow someone's access (a session ended or moved to another workspace, an API key
// revoked or given another role, a role's permissions edited, a membership changed or removed) announces itself
// on the `rabita_auth` channel when its transaction commits, so every app process drops the callers it keeps in
// memory. Statement-level triggers catch every path: the API, the command line, cascades from deleted users or
// workspaces, and hand-written SQL.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function rabita_auth_changed() returns trigger
    language plpgsql set search_path = public, pg_temp
    as $$
    begin
      perform pg_notify('rabita_auth', '');
      return null;
    end
    $$`.execute(db);
  const triggers: [table: string, events: string][] = [
    ['sessions', 'delete or update of workspace_id, user_id, token_hash, expires_at'],
    ['api_keys', 'delete or update of revoked_at, role_id, token_hash, workspace_id'],
    ['roles', 'delete or update of permissions, key, name'],
    ['memberships', 'delete or update of role_id, user_id, workspace_id'],
  ];
  for (const [table, events] of triggers) {
    await sql
      .raw(
        `create trigger ${table}_auth_changed after ${events} on ${table} for each statement execute function rabita_auth_changed()`,
      )
      .execute(db);
  }
}
