import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `email-0008-sends`: the messages members sent from Rabita as an object the record engine reads (`emailSends`,
 * kept by the email module) — a view over `email_messages` with no content, no addresses and no mailbox: who sent
 * it, from which template, when, and when it was first opened, clicked, replied to or bounced (opens and
 * clicks flagged as a machine's left out). The view runs with its reader's rights (`security_invoker`), so the
 * tables' tenant policies apply as they do to the tables. Scalar subqueries, not outer joins: a cluster on
 * PostgreSQL 15 refuses an outer join beside the engine's constant conditions. A template's name is part of a send's record (a private
 * template's too; its subject and body stay its owner's); a role may hide the field like any other.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index email_messages_sends on email_messages (workspace_id, sent_at, id)
    where direction = 'out' and sent_by_user_id is not null`.execute(db);
  const first = (kinds: string) =>
    sql.raw(`(
      select min(e.at) from email_events as e
      where e.workspace_id = m.workspace_id and e.message_id = m.id and e.kind in (${kinds}) and not e.machine)`);
  await sql`
    create view email_sends with (security_invoker = true) as
    select m.workspace_id, m.id, m.sent_at as created_at,
      greatest(m.sent_at, (select max(e.at) from email_events as e
        where e.workspace_id = m.workspace_id and e.message_id = m.id)) as updated_at,
      m.sent_by_user_id as created_by, null::timestamptz as deleted_at, '{}'::jsonb as custom,
      m.sent_by_user_id as owner_id, m.sent_at,
      (select t.name from email_templates as t where t.workspace_id = m.workspace_id and t.id = m.template_id)
        as template,
      ${first("'open'")} as opened_at,
      ${first("'click'")} as clicked_at,
      ${first("'reply'")} as replied_at,
      ${first("'bounce'")} as bounced_at
    from email_messages as m
    where m.direction = 'out' and m.sent_by_user_id is not null`.execute(db);
  await sql`grant select on email_sends to rabita_app`.execute(db);
}
