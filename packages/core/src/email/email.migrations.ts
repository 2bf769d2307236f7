import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `email-0001-tables`: connected mailboxes (credentials sealed with the server's secret key), their folders' sync
 * cursors, messages stored once per workspace by normalised Message-ID with their locations per mailbox, threads,
 * attachments stored once by content hash, links from messages to records, and every skipped message with its
 * reason. A mailbox is synced by one worker at a time: `sync_holder` and `sync_until` are its lease, claimed and
 * renewed through owner-run functions (the worker looks across workspaces; the functions return ids only).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table mailboxes (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      address text not null,
      kind text not null check (kind in ('personal', 'shared')),
      owner_user_id uuid references users (id) on delete set null,
      imap_host text not null,
      imap_port integer not null,
      imap_security text not null check (imap_security in ('tls', 'starttls', 'none')),
      smtp_host text,
      smtp_port integer,
      smtp_security text check (smtp_security in ('tls', 'starttls', 'none')),
      username text not null,
      auth text not null check (auth in ('password', 'xoauth2')),
      secret text not null,
      sync_days integer not null default 90,
      extra_folders text[] not null default '{}',
      create_people boolean not null default false,
      visibility text not null default 'everything' check (visibility in ('everything', 'subject', 'metadata')),
      status text not null default 'connecting'
        check (status in ('connecting', 'syncing', 'ready', 'failing', 'paused')),
      last_error text,
      last_error_at timestamptz,
      last_synced_at timestamptz,
      progress jsonb not null default '{}',
      settings_version integer not null default 1,
      sync_holder text,
      sync_until timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, address)
    )`.execute(db);
  await sql`create index mailboxes_lease on mailboxes (sync_until) where status <> 'paused'`.execute(db);
  await sql`
    create table mailbox_readers (
      workspace_id uuid not null,
      mailbox_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      primary key (workspace_id, mailbox_id, user_id),
      foreign key (workspace_id, mailbox_id) references mailboxes (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create table mailbox_folders (
      workspace_id uuid not null,
      mailbox_id uuid not null,
      path text not null,
      role text not null check (role in ('inbox', 'sent', 'all', 'other')),
      uid_validity bigint,
      last_uid bigint not null default 0,
      highest_modseq numeric,
      backfill_below bigint,
      backfill_done boolean not null default false,
      total integer not null default 0,
      done integer not null default 0,
      polled_at timestamptz,
      primary key (workspace_id, mailbox_id, path),
      foreign key (workspace_id, mailbox_id) references mailboxes (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create table email_threads (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      subject text not null default '',
      subject_key text not null default '',
      participants text[] not null default '{}',
      first_at timestamptz not null,
      last_at timestamptz not null,
      message_count integer not null default 0,
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index email_threads_subject on email_threads (workspace_id, subject_key, last_at desc)`.execute(
    db,
  );
  await sql`
    create table email_messages (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      message_id text not null,
      synthesised boolean not null default false,
      thread_id uuid not null,
      subject text not null default '',
      from_address text,
      from_name text,
      recipients jsonb not null default '{}',
      participants text[] not null default '{}',
      sent_at timestamptz not null,
      in_reply_to text,
      refs text[] not null default '{}',
      snippet text not null default '',
      body_text text not null default '',
      body_html text,
      size integer not null default 0,
      too_large boolean not null default false,
      auto_reply boolean not null default false,
      bounce jsonb,
      direction text not null check (direction in ('in', 'out', 'internal')),
      sent_by_user_id uuid references users (id) on delete set null,
      -- The mailbox it was first found in or sent from (its access rules apply after every location is gone).
      mailbox_id uuid not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, message_id)
    )`.execute(db);
  await sql`create index email_messages_thread on email_messages (workspace_id, thread_id, sent_at, id)`.execute(
    db,
  );
  // Each reference a message names, one row each: a parent arriving after its reply finds the reply here (its
  // thread adopts it). A b-tree on text, which row-level security lets the application role use.
  await sql`
    create table email_message_refs (
      workspace_id uuid not null,
      ref text not null,
      message_id uuid not null,
      primary key (workspace_id, ref, message_id),
      foreign key (workspace_id, message_id) references email_messages (workspace_id, id) on delete cascade
    )`.execute(db);
  // Each address a message names, one row each: when a person gains an address, their earlier mail is found here.
  await sql`
    create table email_message_addresses (
      workspace_id uuid not null,
      address text not null,
      message_id uuid not null,
      sent_at timestamptz not null,
      primary key (workspace_id, address, message_id),
      foreign key (workspace_id, message_id) references email_messages (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create table email_locations (
      workspace_id uuid not null,
      mailbox_id uuid not null,
      folder text not null,
      uid_validity bigint not null,
      uid bigint not null,
      message_id uuid not null,
      primary key (workspace_id, mailbox_id, folder, uid_validity, uid),
      foreign key (workspace_id, mailbox_id) references mailboxes (workspace_id, id) on delete cascade,
      foreign key (workspace_id, message_id) references email_messages (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index email_locations_message on email_locations (workspace_id, message_id)`.execute(db);
  await sql`
    create table email_blobs (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      sha256 text not null,
      size integer not null,
      content bytea not null,
      primary key (workspace_id, sha256)
    )`.execute(db);
  await sql`
    create table email_attachments (
      workspace_id uuid not null,
      message_id uuid not null,
      position integer not null,
      filename text not null,
      content_type text not null,
      size integer not null,
      sha256 text,
      content_id text,
      inline boolean not null default false,
      primary key (workspace_id, message_id, position),
      foreign key (workspace_id, message_id) references email_messages (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create table email_links (
      workspace_id uuid not null,
      object_key text not null,
      record_id uuid not null,
      message_id uuid not null,
      thread_id uuid not null,
      sent_at timestamptz not null,
      how text not null check (how in ('address', 'thread', 'context', 'suggested')),
      primary key (workspace_id, object_key, record_id, message_id),
      foreign key (workspace_id, message_id) references email_messages (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create index email_links_timeline on email_links (workspace_id, object_key, record_id, sent_at desc, message_id desc)
    where how <> 'suggested'`.execute(db);
  await sql`create index email_links_message on email_links (workspace_id, message_id)`.execute(db);
  await sql`
    create table email_skips (
      workspace_id uuid not null,
      id uuid not null,
      mailbox_id uuid not null,
      folder text not null,
      uid bigint,
      message_id text,
      reason text not null,
      at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, mailbox_id) references mailboxes (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index email_skips_mailbox on email_skips (workspace_id, mailbox_id, at desc, id desc)`.execute(
    db,
  );
  for (const table of [
    'mailboxes',
    'mailbox_readers',
    'mailbox_folders',
    'email_threads',
    'email_messages',
    'email_message_refs',
    'email_message_addresses',
    'email_locations',
    'email_blobs',
    'email_attachments',
    'email_links',
    'email_skips',
  ]) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
  // The sync worker's lease over mailboxes of every workspace: claims up to p_limit mailboxes whose lease has run
  // out (or are held by this holder), for p_seconds, and returns their ids. Renewal is the same call.
  await sql`
    create function rabita_email_claim(p_holder text, p_seconds integer, p_limit integer)
    returns table (workspace_id uuid, mailbox_id uuid, settings_version integer)
    language sql volatile security definer set search_path = public, pg_temp
    as $$
      with wanted as (
        select m.workspace_id, m.id from mailboxes m
        where m.status <> 'paused' and (m.sync_until is null or m.sync_until < now() or m.sync_holder = p_holder)
        order by (m.sync_holder is not distinct from p_holder) desc, m.sync_until nulls first
        limit least(p_limit, 1000)
        for update skip locked
      )
      update mailboxes m set sync_holder = p_holder, sync_until = now() + make_interval(secs => p_seconds)
      from wanted w where m.workspace_id = w.workspace_id and m.id = w.id
      returning m.workspace_id, m.id, m.settings_version
    $$`.execute(db);
  await sql`
    create function rabita_email_release(p_holder text, p_mailbox uuid)
    returns void
    language sql volatile security definer set search_path = public, pg_temp
    as $$
      update mailboxes set sync_holder = null, sync_until = null
      where id = p_mailbox and sync_holder = p_holder
    $$`.execute(db);
  await sql`revoke all on function rabita_email_claim(text, integer, integer) from public`.execute(db);
  await sql`revoke all on function rabita_email_release(text, uuid) from public`.execute(db);
  await sql`grant execute on function rabita_email_claim(text, integer, integer) to rabita_app`.execute(db);
  await sql`grant execute on function rabita_email_release(text, uuid) to rabita_app`.execute(db);
  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions -> 'actions', '[]'::jsonb) || '["mailboxes.manage"]'::jsonb)
    where key = 'admin' and not coalesce(permissions -> 'actions', '[]'::jsonb) ? 'mailboxes.manage'`.execute(
    db,
  );
}
