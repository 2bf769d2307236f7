import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `calls-0007-queues`: call queues. A queue (`call_queues`) is a workspace's, with a name and, optionally, its own
 * after-call (wrap-up) seconds; removing one keeps its row (`deleted_at`) so the calls that went through it keep
 * their queue. What a phone system says to name it — a provider's queue key (an Asterisk queue, a Twilio queue or
 * TaskRouter name) or a number dialled (a DID) — are rows of `call_queue_keys`, unique per workspace by their folded
 * form (`match`), so a key or number names one queue; the members who take its calls are `call_queue_members`; its
 * own wrap-up codes, when it has any, `call_queue_wrap_up_codes` (none: the workspace's list). A call gets the queue
 * its events name (`calls.queue_id`) and keeps who was offered its pop while it waited (`offered_to`), so the others
 * hear it close when one answers. Row-level security like every tenant table. The wall's index of today's ended
 * calls now carries the queue too, and a repeat call from the same number is found by an index of its own.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table call_queues (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      wrap_up_seconds integer check (wrap_up_seconds between 0 and 3600),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      deleted_at timestamptz,
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index call_queues_live_idx on call_queues (workspace_id, name) where deleted_at is null`.execute(
    db,
  );

  await sql`
    create table call_queue_keys (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      queue_id uuid not null,
      kind text not null check (kind in ('key', 'number')),
      value text not null,
      match text not null,
      position integer not null,
      primary key (workspace_id, kind, match),
      foreign key (workspace_id, queue_id) references call_queues (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index call_queue_keys_queue_idx on call_queue_keys (workspace_id, queue_id)`.execute(db);

  await sql`
    create table call_queue_members (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      queue_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      primary key (workspace_id, queue_id, user_id),
      foreign key (workspace_id, queue_id) references call_queues (workspace_id, id) on delete cascade
    )`.execute(db);

  await sql`
    create table call_queue_wrap_up_codes (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      queue_id uuid not null,
      code text not null,
      label text not null,
      position integer not null,
      primary key (workspace_id, queue_id, code),
      foreign key (workspace_id, queue_id) references call_queues (workspace_id, id) on delete cascade
    )`.execute(db);

  for (const table of ['call_queues', 'call_queue_keys', 'call_queue_members', 'call_queue_wrap_up_codes']) {
    await sql`alter table ${sql.id(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.id(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.id(table)} to rabita_app`.execute(db);
  }

  await sql`
    alter table calls
      add column queue_id uuid,
      add column offered_to uuid[] not null default '{}',
      add constraint calls_queue_fk foreign key (workspace_id, queue_id) references call_queues (workspace_id, id)`.execute(
    db,
  );
  // The wall: today's ended calls by their end, now with their queue.
  await sql`drop index calls_ended_idx`.execute(db);
  await sql`
    create index calls_ended_idx on calls (workspace_id, ended_at)
    include (connection_id, queue_id, outcome, duration)
    where ended_at is not null`.execute(db);
  // First-contact resolution: a later call from the same number.
  await sql`
    create index calls_number_idx on calls (workspace_id, matched_number)
    where matched_number is not null`.execute(db);
}
