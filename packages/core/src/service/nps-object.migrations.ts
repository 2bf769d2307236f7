import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0022-nps-object`: NPS surveys become an object the record engine reads (`npsSurveys`, kept by the desk):
 * lists, filters, exports and reports see every survey and its answer through the roles' rules, and the NPS metric
 * is a report over them. The table gains the columns every object has (`updated_at`, `created_by`, `deleted_at`,
 * `custom`), and the person a survey is sent for becomes its owner (`owner_id`), so "own records only" limits an
 * agent to the surveys sent for them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table nps_surveys rename column owner_user_id to owner_id`.execute(db);
  await sql`
    alter table nps_surveys
      add column updated_at timestamptz not null default now(),
      add column created_by uuid,
      add column deleted_at timestamptz,
      add column custom jsonb not null default '{}'`.execute(db);
  await sql`update nps_surveys set updated_at = coalesce(answered_at, sent_at, created_at)`.execute(db);
  await sql`create index nps_surveys_updated_idx on nps_surveys (workspace_id, updated_at, id)`.execute(db);
  await sql`
    create index nps_surveys_answered_idx on nps_surveys (workspace_id, answered_at)
    where status = 'answered'`.execute(db);
}
