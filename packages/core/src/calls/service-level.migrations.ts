import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `calls-0008-service-level`: a queue's service-level target — the share of its calls (`service_level_percent`)
 * answered within `service_level_seconds` of ringing — and how its abandoned calls count
 * (`service_level_abandoned`: `counted` against it, `ignored`, or ignored when the caller hung up within the target
 * time, `ignoredShort`). The wall reads today's figure from the calls' own times, so the index of today's ended
 * calls now carries when each rang and was answered (an index-only range, as before).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table call_queues
      add column service_level_seconds integer check (service_level_seconds between 1 and 3600),
      add column service_level_percent integer check (service_level_percent between 1 and 100),
      add column service_level_abandoned text not null default 'counted'
        check (service_level_abandoned in ('counted', 'ignored', 'ignoredShort')),
      add constraint call_queues_service_level_check
        check ((service_level_seconds is null) = (service_level_percent is null))`.execute(db);
  await sql`drop index calls_ended_idx`.execute(db);
  await sql`
    create index calls_ended_idx on calls (workspace_id, ended_at)
    include (connection_id, queue_id, outcome, duration, ringing_at, answered_at)
    where ended_at is not null`.execute(db);
}
