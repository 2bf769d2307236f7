import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `email-0003-templates`: email templates (a subject and HTML body in Liquid, with a variant per language), each
 * person's signature, and the template a sent message came from (per-template numbers).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table email_templates (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      subject text not null default '',
      body_html text not null default '',
      variants jsonb not null default '{}',
      owner_user_id uuid references users (id) on delete set null,
      shared boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index email_templates_name on email_templates (workspace_id, name, id)`.execute(db);
  await sql`
    create table email_signatures (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      html text not null,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, user_id)
    )`.execute(db);
  await sql`alter table email_messages add column template_id uuid`.execute(db);
  for (const table of ['email_templates', 'email_signatures']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
}
