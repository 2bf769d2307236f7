import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0004-replies`: canned replies (a name, a shortcut, a body per language with merge fields, an optional
 * folder; shared with the workspace or personal to their author) and macros (ticket field changes, an optional
 * reply and an optional internal note, applied together). `search_text` is the folded name, shortcut and folder,
 * for the picker's search. Admins get `service.replies.manage`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table canned_replies (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      shortcut text,
      folder text,
      bodies jsonb not null,
      shared boolean not null,
      owner_user_id uuid references users (id) on delete cascade,
      search_text text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      check (shared or owner_user_id is not null)
    )`.execute(db);
  // The picker's pages: by name then id, among the shared ones and the reader's own.
  await sql`create index canned_replies_name_idx on canned_replies (workspace_id, name, id)`.execute(db);
  await sql`
    create index canned_replies_search_idx on canned_replies using gin (search_text gin_trgm_ops)`.execute(
    db,
  );
  // A shortcut names one shared reply, and one of each person's own.
  await sql`
    create unique index canned_replies_shared_shortcut on canned_replies (workspace_id, shortcut)
    where shared and shortcut is not null`.execute(db);
  await sql`
    create unique index canned_replies_own_shortcut on canned_replies (workspace_id, owner_user_id, shortcut)
    where not shared and shortcut is not null`.execute(db);
  await sql`
    create table service_macros (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      changes jsonb not null default '{}',
      reply_id uuid,
      reply_text text,
      note text,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, reply_id) references canned_replies (workspace_id, id),
      check (reply_id is null or reply_text is null)
    )`.execute(db);
  await sql`create index service_macros_name_idx on service_macros (workspace_id, name, id)`.execute(db);
  await sql`create index service_macros_reply_idx on service_macros (workspace_id, reply_id)`.execute(db);
  for (const table of ['canned_replies', 'service_macros']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions -> 'actions', '[]'::jsonb) || '["service.replies.manage"]'::jsonb)
    where key = 'admin' and not coalesce(permissions -> 'actions', '[]'::jsonb) ? 'service.replies.manage'`.execute(
    db,
  );
}
