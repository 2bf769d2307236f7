import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `email-0009-send-summaries`: what happened to each sent message, kept in a row of its own — the first open, click,
 * reply and bounce (opens and clicks flagged as a machine's left out) and the last event of any kind — written by the
 * email module whenever it writes or flags a message's events. The sent-email view (`email_sends`, `email-0008`)
 * read them by five scalar subqueries over `email_events` for each message, correlated by `workspace_id`: a
 * subquery of a view can name no workspace, so on a Citus cluster every list and report of sent emails asked every
 * shard. The view now left-joins this table and the template by their keys, which PostgreSQL confines by the
 * reader's workspace as it does the messages, so a cluster routes the statement to the workspace's shard; on one
 * PostgreSQL a page of sends reads one row of each by its key, as the subqueries did, and a report reads the
 * summaries once instead of five probes a message. The columns of the view are unchanged.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table email_send_summaries (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      message_id uuid not null,
      opened_at timestamptz,
      clicked_at timestamptz,
      replied_at timestamptz,
      bounced_at timestamptz,
      last_event_at timestamptz not null,
      primary key (workspace_id, message_id),
      foreign key (workspace_id, message_id) references email_messages (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`alter table email_send_summaries enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on email_send_summaries
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on email_send_summaries to rabita_app`.execute(db);
  await sql`
    insert into email_send_summaries
      (workspace_id, message_id, opened_at, clicked_at, replied_at, bounced_at, last_event_at)
    select e.workspace_id, e.message_id,
      min(e.at) filter (where e.kind = 'open' and not e.machine),
      min(e.at) filter (where e.kind = 'click' and not e.machine),
      min(e.at) filter (where e.kind = 'reply' and not e.machine),
      min(e.at) filter (where e.kind = 'bounce' and not e.machine),
      max(e.at)
    from email_events as e
    group by e.workspace_id, e.message_id`.execute(db);
  // Dropped and made again, not replaced: on a Citus cluster migrated before this, the view is a distributed object
  // (Citus copied it to the workers with its tables), and Citus refuses to replace one with a dependency on a table
  // not yet distributed ("has dependency to … that is not in Citus' metadata"); a new view over it is made on the
  // coordinator alone, which is where views are read. In one transaction, as every migration; the same on one
  // PostgreSQL.
  await sql`drop view email_sends`.execute(db);
  await sql`
    create view email_sends with (security_invoker = true) as
    select m.workspace_id, m.id, m.sent_at as created_at,
      greatest(m.sent_at, s.last_event_at) as updated_at,
      m.sent_by_user_id as created_by, null::timestamptz as deleted_at, '{}'::jsonb as custom,
      m.sent_by_user_id as owner_id, m.sent_at, t.name as template,
      s.opened_at, s.clicked_at, s.replied_at, s.bounced_at
    from email_messages as m
    left join email_templates as t on t.workspace_id = m.workspace_id and t.id = m.template_id
    left join email_send_summaries as s on s.workspace_id = m.workspace_id and s.message_id = m.id
    where m.direction = 'out' and m.sent_by_user_id is not null`.execute(db);
  await sql`grant select on email_sends to rabita_app`.execute(db);
}
