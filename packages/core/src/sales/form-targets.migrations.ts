import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0007-form-targets`: a web form makes records of a target object (`leads` for every form so far, `tickets`
 * from the service desk), and a submission keeps the record it made in a general `record_id` (the former
 * `lead_id`, renamed so its values stay). The index that finds a lead's submission now finds any record's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table web_forms add column target text not null default 'leads'
      check (target ~ '^[a-z][A-Za-z0-9_]{0,62}$')`.execute(db);
  await sql`alter table web_form_submissions rename column lead_id to record_id`.execute(db);
  await sql`drop index web_form_submissions_lead`.execute(db);
  await sql`
    create index web_form_submissions_record on web_form_submissions (workspace_id, record_id)
    where record_id is not null`.execute(db);
}
