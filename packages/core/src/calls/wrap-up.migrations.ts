import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `calls-0004-wrap-up`: what the agent adds to a call after it — notes, a wrap-up code, an outcome of their own
 * (the phone system's stays in `outcome`), the record they linked it to (one picked from the pick list, or a person
 * made from the call's number), the ticket and follow-up task opened from it, and who wrapped it up when. The
 * workspace's wrap-up codes are a short ordered list of their own (`call_wrap_up_codes`), with row-level security
 * like every tenant table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table calls
      add column notes text,
      add column wrap_up_code text,
      add column outcome_override text
        check (outcome_override in ('answered', 'missed', 'voicemail', 'abandoned', 'busy', 'failed')),
      add column linked_object text check (linked_object in ('people', 'companies', 'leads')),
      add column linked_record_id uuid,
      add column ticket_id uuid,
      add column task_id uuid,
      add column wrapped_up_at timestamptz,
      add column wrapped_up_by uuid references users (id) on delete set null,
      add constraint calls_linked_check check ((linked_object is null) = (linked_record_id is null))`.execute(
    db,
  );

  await sql`
    create table call_wrap_up_codes (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      code text not null,
      label text not null,
      position integer not null,
      primary key (workspace_id, code)
    )`.execute(db);
  await sql`alter table call_wrap_up_codes enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on call_wrap_up_codes
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on call_wrap_up_codes to rabita_app`.execute(db);
}
