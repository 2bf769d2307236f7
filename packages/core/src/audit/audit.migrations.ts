import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `audit-0001-security-events`: the workspace's security audit log (sign-ins and their failures, MFA changes,
 * role, key and member changes, exports, imports, workspace settings), one row per event, newest read first by
 * id (UUIDv7, so id order is time order). Row-level security like every tenant table. Existing workspaces' admin
 * roles get the new `audit.read` action (new workspaces get it from the manifest).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table audit_events (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      at timestamptz not null default now(),
      kind text not null,
      actor_user_id uuid,
      actor_api_key_id uuid,
      subject text,
      details jsonb not null default '{}',
      ip text,
      user_agent text,
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index audit_events_kind on audit_events (workspace_id, kind, id)`.execute(db);
  await sql`create index audit_events_actor on audit_events (workspace_id, actor_user_id, id)`.execute(db);
  await sql`alter table audit_events enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on audit_events
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  // An audit log is appended to, never edited: the application may add and read rows, not change them.
  await sql`grant select, insert on audit_events to rabita_app`.execute(db);
  await grantAuditReadToAdmins(db);
}

/** Adds `audit.read` to every workspace's admin role that lacks it (a workspace made before the log). */
export async function grantAuditReadToAdmins(db: Kysely<unknown>): Promise<void> {
  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions -> 'actions', '[]'::jsonb) || '["audit.read"]'::jsonb)
    where key = 'admin' and not coalesce(permissions -> 'actions', '[]'::jsonb) ? 'audit.read'`.execute(db);
}
