import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `reports-0007-schedule-failures`: a scheduled report counts the sends that failed in a row (`failures`, back to 0
 * after one that went out) and pauses itself after too many: `paused_at` and the reason (the last error). A paused
 * schedule has no next run until it is resumed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table report_schedules
      add column failures integer not null default 0 check (failures >= 0),
      add column paused_at timestamptz,
      add column pause_reason text check (length(pause_reason) <= 1000)`.execute(db);
}
