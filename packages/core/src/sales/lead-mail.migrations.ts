import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0011-lead-mailboxes`: the shared mailboxes whose mail from strangers becomes leads (each from a moment
 * on, so a first sync of old mail makes none, and with the source its leads are given), and an index that finds a
 * workspace's leads by their address lower-cased, which every inbound mail and every captured contact asks.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table lead_mailboxes (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      mailbox_id uuid not null,
      enabled boolean not null default true,
      since timestamptz not null default now(),
      source text not null default 'email' check (length(source) between 1 and 200),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, mailbox_id)
    )`.execute(db);
  await sql`alter table lead_mailboxes enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on lead_mailboxes
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on lead_mailboxes to rabita_app`.execute(db);
  await sql`
    create index leads_email_lower_idx on leads (workspace_id, lower(email))
    where deleted_at is null`.execute(db);
}
