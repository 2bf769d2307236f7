import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// (1) A write made by automation keeps its cause (the kind of automation, the run, how deep in a chain of automated
// writes it is) beside its source, so a later run can tell its own writes from a person's and stop loops.
// (2) A webhook speaks with a role: the role of whoever created it (a member's, or an API key's), so its payloads
// carry only what that role may read. Existing webhooks take their creator's current role, else the admin role
// (what they sent until now). A deleted role leaves its webhooks without one, and they send nothing.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table record_changes add column cause jsonb`.execute(db);
  await sql`alter table webhooks add column role_id uuid`.execute(db);
  await sql`
    update webhooks w set role_id = coalesce(
      (select m.role_id from memberships m where m.workspace_id = w.workspace_id and m.user_id = w.created_by),
      (select r.id from roles r where r.workspace_id = w.workspace_id and r.key = 'admin'))`.execute(db);
  await sql`
    alter table webhooks add foreign key (workspace_id, role_id) references roles (workspace_id, id)
      on delete set null (role_id)`.execute(db);
}
