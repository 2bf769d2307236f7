import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `email-0005-sequences`: sequences (steps of templates with delays in business days, a send window and a daily
 * cap per mailbox), enrolments of people in them (one active a person and sequence), and which sequence and step a
 * sent message came from.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table email_sequences (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      steps jsonb not null,
      settings jsonb not null default '{}',
      enabled boolean not null default true,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`
    create table email_enrolments (
      workspace_id uuid not null,
      id uuid not null,
      sequence_id uuid not null,
      person_id uuid not null,
      deal_id uuid,
      mailbox_id uuid not null,
      enrolled_by uuid not null references users (id) on delete cascade,
      status text not null check (status in ('active', 'sending', 'finished', 'stopped')),
      stop_reason text,
      step integer not null default 0,
      next_at timestamptz,
      paused_until timestamptz,
      last_message_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, sequence_id) references email_sequences (workspace_id, id) on delete cascade,
      foreign key (workspace_id, mailbox_id) references mailboxes (workspace_id, id) on delete cascade
    )`.execute(db);
  // One active enrolment per person and sequence.
  await sql`
    create unique index email_enrolments_active on email_enrolments (workspace_id, sequence_id, person_id)
    where status in ('active', 'sending')`.execute(db);
  await sql`create index email_enrolments_person on email_enrolments (workspace_id, person_id)
    where status in ('active', 'sending')`.execute(db);
  await sql`create index email_enrolments_deal on email_enrolments (workspace_id, deal_id)
    where deal_id is not null and status in ('active', 'sending')`.execute(db);
  await sql`alter table email_messages add column sequence_id uuid`.execute(db);
  await sql`create index email_messages_sequence on email_messages (workspace_id, sequence_id, sent_at)
    where sequence_id is not null`.execute(db);
  for (const table of ['email_sequences', 'email_enrolments']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
}
