import { randomUUID } from 'node:crypto';
import { type Database, type Tx, workspaceLiteral } from '@rabita/db';
import { type Kysely, type RawBuilder, sql } from 'kysely';

// The email module's SQL. Its tables belong to its own migration, so they are written by column name without the
// generated types (executor first, as every repository).

const raw = (executor: Database | Tx) => executor.withoutPlugins() as unknown as Kysely<unknown>;

export type Security = 'tls' | 'starttls' | 'none';
export type MailboxStatus = 'connecting' | 'syncing' | 'ready' | 'failing' | 'paused';
export type Visibility = 'everything' | 'subject' | 'metadata';

export interface MailboxRow {
  id: string;
  name: string;
  address: string;
  kind: 'personal' | 'shared';
  owner_user_id: string | null;
  imap_host: string;
  imap_port: number;
  imap_security: Security;
  smtp_host: string | null;
  smtp_port: number | null;
  smtp_security: Security | null;
  username: string;
  auth: 'password' | 'xoauth2';
  secret: string;
  sync_days: number;
  extra_folders: string[];
  create_people: boolean;
  visibility: Visibility;
  status: MailboxStatus;
  last_error: string | null;
  last_error_at: Date | null;
  last_synced_at: Date | null;
  progress: {
    startedAt?: string;
    done?: number;
    total?: number;
    reconciledAt?: string;
    reconcile?: { at: string; checked: number; missing: number };
    /** The last comparison that found messages missing (kept when later ones find none). */
    gap?: { at: string; checked: number; missing: number };
  };
  settings_version: number;
  created_at: Date;
  updated_at: Date;
  readers: string[];
  skipped: number;
}

/** A mailbox's columns, its readers and skips counted by subqueries confined by the workspace's literal (routed). */
const mailboxColumns = (workspace: RawBuilder<string>) => sql`m.*, coalesce((select array_agg(r.user_id)
  from mailbox_readers r where r.workspace_id = ${workspace} and r.mailbox_id = m.id), '{}') as readers,
  (select count(*)::int from email_skips s where s.workspace_id = ${workspace} and s.mailbox_id = m.id) as skipped`;

export async function selectMailboxes(trx: Tx, workspaceId: string): Promise<MailboxRow[]> {
  const ws = workspaceLiteral(workspaceId);
  const { rows } = await sql<MailboxRow>`
    select ${mailboxColumns(ws)} from mailboxes m where m.workspace_id = ${ws}
    order by m.name, m.id`.execute(raw(trx));
  return rows;
}

export async function selectMailbox(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<MailboxRow | undefined> {
  const ws = workspaceLiteral(workspaceId);
  const { rows } = await sql<MailboxRow>`
    select ${mailboxColumns(ws)} from mailboxes m where m.workspace_id = ${ws} and m.id = ${id}`.execute(
    raw(trx),
  );
  return rows[0];
}

/** Shared mailboxes, by name (only those among `ids` when given). */
export async function selectSharedMailboxes(
  trx: Tx,
  workspaceId: string,
  ids?: readonly string[],
): Promise<Pick<MailboxRow, 'id' | 'name' | 'address' | 'smtp_host'>[]> {
  const among = ids ? sql`and m.id = any(${ids.filter((i) => UUID_TEXT.test(i))}::uuid[])` : sql``;
  const { rows } = await sql<Pick<MailboxRow, 'id' | 'name' | 'address' | 'smtp_host'>>`
    select m.id, m.name, m.address, m.smtp_host from mailboxes m
    where m.workspace_id = ${workspaceId} and m.kind = 'shared' ${among}
    order by m.name, m.id`.execute(raw(trx));
  return rows;
}
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type MailboxWrite = Partial<
  Pick<
    MailboxRow,
    | 'name'
    | 'address'
    | 'kind'
    | 'owner_user_id'
    | 'imap_host'
    | 'imap_port'
    | 'imap_security'
    | 'smtp_host'
    | 'smtp_port'
    | 'smtp_security'
    | 'username'
    | 'auth'
    | 'secret'
    | 'sync_days'
    | 'extra_folders'
    | 'create_people'
    | 'visibility'
    | 'status'
  >
>;

function assignments(values: Record<string, unknown>) {
  return sql.join(
    Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => sql`${sql.ref(k)} = ${Array.isArray(v) ? sql`${v}::text[]` : v}`),
  );
}

export async function insertMailbox(
  trx: Tx,
  workspaceId: string,
  id: string,
  values: MailboxWrite &
    Pick<MailboxRow, 'name' | 'address' | 'kind' | 'imap_host' | 'imap_port' | 'username'>,
): Promise<void> {
  const entries = Object.entries({ ...values, workspace_id: workspaceId, id }).filter(
    ([, v]) => v !== undefined,
  );
  await sql`
    insert into mailboxes (${sql.join(entries.map(([k]) => sql.ref(k)))})
    values (${sql.join(entries.map(([, v]) => (Array.isArray(v) ? sql`${v}::text[]` : sql`${v}`)))})`.execute(
    raw(trx),
  );
}

/** Changes a mailbox; a change of where or how it connects bumps `settings_version`, so its syncer reconnects. */
export async function updateMailbox(
  trx: Tx,
  workspaceId: string,
  id: string,
  values: MailboxWrite,
  reconnect: boolean,
): Promise<void> {
  const changes = Object.keys(values).some((k) => values[k as keyof MailboxWrite] !== undefined);
  if (!changes && !reconnect) return;
  await sql`
    update mailboxes set ${changes ? sql`${assignments(values)},` : sql``}
      settings_version = settings_version + ${reconnect ? 1 : 0}, updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
}

export async function replaceReaders(
  trx: Tx,
  workspaceId: string,
  id: string,
  userIds: string[],
): Promise<void> {
  await sql`delete from mailbox_readers where workspace_id = ${workspaceId} and mailbox_id = ${id}`.execute(
    raw(trx),
  );
  if (userIds.length === 0) return;
  await sql`
    insert into mailbox_readers (workspace_id, mailbox_id, user_id)
    select ${workspaceId}, ${id}, u from unnest(${userIds}::uuid[]) as u on conflict do nothing`.execute(
    raw(trx),
  );
}

export async function deleteMailboxRow(trx: Tx, workspaceId: string, id: string): Promise<boolean> {
  const result = await sql`delete from mailboxes where workspace_id = ${workspaceId} and id = ${id}`.execute(
    raw(trx),
  );
  return Number(result.numAffectedRows ?? 0) > 0;
}

/** Records how a sync is going: its status, an error (or none), and its progress. */
export async function setMailboxState(
  trx: Tx,
  workspaceId: string,
  id: string,
  state: {
    status?: MailboxStatus | undefined;
    error?: string | null | undefined;
    progress?: Record<string, unknown> | undefined;
    synced?: boolean | undefined;
  },
): Promise<void> {
  // The times are the transaction's, from a one-row `clock` the update is joined with, not `now()` inside the
  // `case`s: a Citus cluster refuses a function that is not immutable inside `case` or `coalesce` in an update
  // ("non-IMMUTABLE functions are not allowed in CASE or COALESCE statements") and runs the `clock` subquery on the
  // coordinator, sending its one value to the shard. One PostgreSQL writes the same `now()` in the same statement.
  await sql`
    update mailboxes set
      status = case when status = 'paused' then status else coalesce(${state.status ?? null}, status) end,
      last_error = case when ${state.error !== undefined} then ${state.error ?? null} else last_error end,
      last_error_at = case when ${state.error !== undefined} then
        (case when ${state.error ?? null}::text is null then null else clock.at end) else last_error_at end,
      progress = case when ${state.progress !== undefined} then progress || ${JSON.stringify(state.progress ?? {})}::jsonb
        else progress end,
      last_synced_at = case when ${state.synced === true} then clock.at else last_synced_at end
    from (select now() as at) as clock
    where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
}

/** Claims (and renews) up to `limit` mailboxes of any workspace for this worker, for `seconds`. */
export async function claimMailboxes(
  db: Database,
  holder: string,
  seconds: number,
  limit: number,
): Promise<{ workspace_id: string; mailbox_id: string; settings_version: number }[]> {
  const { rows } = await sql<{ workspace_id: string; mailbox_id: string; settings_version: number }>`
    select * from rabita_email_claim(${holder}, ${seconds}, ${limit})`.execute(raw(db));
  return rows;
}

export async function releaseMailbox(db: Database, holder: string, mailboxId: string): Promise<void> {
  await sql`select rabita_email_release(${holder}, ${mailboxId}::uuid)`.execute(raw(db));
}

// Folders

export interface FolderRow {
  path: string;
  role: 'inbox' | 'sent' | 'all' | 'other';
  uid_validity: string | null;
  last_uid: string;
  highest_modseq: string | null;
  backfill_below: string | null;
  backfill_done: boolean;
  total: number;
  done: number;
  polled_at: Date | null;
}

export async function selectFolders(trx: Tx, workspaceId: string, mailboxId: string): Promise<FolderRow[]> {
  const { rows } = await sql<FolderRow>`
    select path, role, uid_validity, last_uid, highest_modseq, backfill_below, backfill_done, total, done, polled_at
    from mailbox_folders where workspace_id = ${workspaceId} and mailbox_id = ${mailboxId}
    order by role, path`.execute(raw(trx));
  return rows;
}

/** One folder's sync state, or undefined before its first pass. */
export async function selectFolder(
  trx: Tx,
  workspaceId: string,
  mailboxId: string,
  path: string,
): Promise<FolderRow | undefined> {
  const { rows } = await sql<FolderRow>`
    select path, role, uid_validity, last_uid, highest_modseq, backfill_below, backfill_done, total, done, polled_at
    from mailbox_folders where workspace_id = ${workspaceId} and mailbox_id = ${mailboxId} and path = ${path}`.execute(
    raw(trx),
  );
  return rows[0];
}

export async function upsertFolder(
  trx: Tx,
  workspaceId: string,
  mailboxId: string,
  path: string,
  values: {
    role: FolderRow['role'];
    uidValidity?: bigint | number | string | null | undefined;
    lastUid?: bigint | number | string | undefined;
    highestModseq?: bigint | number | string | null | undefined;
    backfillBelow?: bigint | number | string | null | undefined;
    backfillDone?: boolean | undefined;
    total?: number | undefined;
    done?: number | undefined;
    polled?: boolean | undefined;
  },
): Promise<void> {
  const text = (v: bigint | number | string | null | undefined) =>
    v === undefined || v === null ? v : String(v);
  await sql`
    insert into mailbox_folders (workspace_id, mailbox_id, path, role, uid_validity, last_uid, highest_modseq,
                                 backfill_below, backfill_done, total, done, polled_at)
    values (${workspaceId}, ${mailboxId}, ${path}, ${values.role}, ${text(values.uidValidity) ?? null}::bigint,
            coalesce(${text(values.lastUid) ?? null}::bigint, 0), ${text(values.highestModseq) ?? null}::numeric,
            ${text(values.backfillBelow) ?? null}::bigint, coalesce(${values.backfillDone ?? null}::boolean, false),
            coalesce(${values.total ?? null}::int, 0), coalesce(${values.done ?? null}::int, 0),
            case when ${values.polled === true} then now() end)
    on conflict (workspace_id, mailbox_id, path) do update set
      role = excluded.role,
      uid_validity = case when ${values.uidValidity !== undefined} then excluded.uid_validity
        else mailbox_folders.uid_validity end,
      last_uid = case when ${values.lastUid !== undefined} then excluded.last_uid else mailbox_folders.last_uid end,
      highest_modseq = case when ${values.highestModseq !== undefined} then excluded.highest_modseq
        else mailbox_folders.highest_modseq end,
      backfill_below = case when ${values.backfillBelow !== undefined} then excluded.backfill_below
        else mailbox_folders.backfill_below end,
      backfill_done = case when ${values.backfillDone !== undefined} then excluded.backfill_done
        else mailbox_folders.backfill_done end,
      total = case when ${values.total !== undefined} then excluded.total else mailbox_folders.total end,
      done = case when ${values.done !== undefined} then excluded.done else mailbox_folders.done end,
      polled_at = case when ${values.polled === true} then excluded.polled_at else mailbox_folders.polled_at end`.execute(
    raw(trx),
  );
}

// Messages

export interface StoredMessageRow {
  id: string;
  message_id: string;
  thread_id: string;
}

/** Moves every message and link of the other threads into `keep`, and removes the others. */
export async function mergeThreads(
  trx: Tx,
  workspaceId: string,
  keep: string,
  others: string[],
): Promise<void> {
  if (others.length === 0) return;
  // The links first, found through their messages (the messages' thread index; email_links has none by thread, and
  // a scan of every link grew with the mailbox), then the messages themselves.
  await sql`
    update email_links l set thread_id = ${keep}
    from email_messages m
    where m.workspace_id = ${workspaceId} and m.thread_id = any(${others}::uuid[])
      and l.workspace_id = ${workspaceId} and l.message_id = m.id`.execute(raw(trx));
  await sql`
    update email_messages set thread_id = ${keep}
    where workspace_id = ${workspaceId} and thread_id = any(${others}::uuid[])`.execute(raw(trx));
  await sql`delete from email_threads where workspace_id = ${workspaceId} and id = any(${others}::uuid[])`.execute(
    raw(trx),
  );
}

/** Recounts a thread from its messages: count, first and last time, participants; the subject of its first. */
export async function refreshThread(trx: Tx, workspaceId: string, threadId: string): Promise<void> {
  await sql`
    update email_threads t set
      message_count = s.n, first_at = s.first_at, last_at = s.last_at, participants = s.participants,
      subject = coalesce(s.subject, t.subject)
    from (
      select count(*)::int as n, min(sent_at) as first_at, max(sent_at) as last_at,
             (select coalesce(array_agg(distinct p), '{}') from email_messages m2, unnest(m2.participants) as p
              where m2.workspace_id = ${workspaceId} and m2.thread_id = ${threadId}) as participants,
             (array_agg(subject order by sent_at, id))[1] as subject
      from email_messages where workspace_id = ${workspaceId} and thread_id = ${threadId}
    ) s
    where t.workspace_id = ${workspaceId} and t.id = ${threadId}`.execute(raw(trx));
}

export interface NewMessage {
  id: string;
  messageId: string;
  synthesised: boolean;
  threadId: string;
  subject: string;
  fromAddress: string | null;
  fromName: string | null;
  recipients: { to: unknown[]; cc: unknown[]; bcc: unknown[]; replyTo: unknown[] };
  participants: string[];
  sentAt: Date;
  inReplyTo: string | null;
  refs: string[];
  snippet: string;
  bodyText: string;
  bodyHtml: string | null;
  size: number;
  tooLarge: boolean;
  autoReply: boolean;
  bounce: unknown;
  direction: 'in' | 'out' | 'internal';
  sentByUserId: string | null;
  mailboxId: string;
}

/** The UIDs already stored for a folder at this UIDVALIDITY, among those given. */
export async function selectKnownUids(
  trx: Tx,
  workspaceId: string,
  mailboxId: string,
  folder: string,
  uidValidity: string,
  uids: string[],
): Promise<Set<string>> {
  const { rows } = await sql<{ uid: string }>`
    select uid::text from email_locations
    where workspace_id = ${workspaceId} and mailbox_id = ${mailboxId} and folder = ${folder}
      and uid_validity = ${uidValidity}::bigint and uid = any(${uids}::bigint[])`.execute(raw(trx));
  return new Set(rows.map((r) => r.uid));
}

/** Removes a folder's locations the server no longer has (an expunge); messages stay while any location or link does. */
export async function deleteLocations(
  trx: Tx,
  workspaceId: string,
  mailboxId: string,
  folder: string,
  uidValidity: string,
  uids: string[],
): Promise<number> {
  const result = await sql`
    delete from email_locations
    where workspace_id = ${workspaceId} and mailbox_id = ${mailboxId} and folder = ${folder}
      and uid_validity = ${uidValidity}::bigint and uid = any(${uids}::bigint[])`.execute(raw(trx));
  return Number(result.numAffectedRows ?? 0);
}

/** Every UID stored for a folder at a UIDVALIDITY, with its message's Message-ID (for re-mapping and expunges). */
export async function selectFolderLocations(
  trx: Tx,
  workspaceId: string,
  mailboxId: string,
  folder: string,
  uidValidity: string,
): Promise<{ uid: string; message_id: string }[]> {
  const { rows } = await sql<{ uid: string; message_id: string }>`
    select l.uid::text, m.message_id from email_locations l
    join email_messages m on m.workspace_id = l.workspace_id and m.id = l.message_id
    where l.workspace_id = ${workspaceId} and l.mailbox_id = ${mailboxId} and l.folder = ${folder}
      and l.uid_validity = ${uidValidity}::bigint`.execute(raw(trx));
  return rows;
}

/** Moves a folder's locations to a new UIDVALIDITY by Message-ID (no message is imported again). */
export async function remapLocations(
  trx: Tx,
  workspaceId: string,
  mailboxId: string,
  folder: string,
  uidValidity: string,
  pairs: { uid: string; messageId: string }[],
): Promise<number> {
  await sql`
    delete from email_locations
    where workspace_id = ${workspaceId} and mailbox_id = ${mailboxId} and folder = ${folder}
      and uid_validity <> ${uidValidity}::bigint`.execute(raw(trx));
  if (pairs.length === 0) return 0;
  const result = await sql`
    insert into email_locations (workspace_id, mailbox_id, folder, uid_validity, uid, message_id)
    select ${workspaceId}, ${mailboxId}, ${folder}, ${uidValidity}::bigint, p.uid, m.id
    from unnest(${pairs.map((p) => p.uid)}::bigint[], ${pairs.map((p) => p.messageId)}::text[]) as p (uid, mid)
    join email_messages m on m.workspace_id = ${workspaceId} and m.message_id = p.mid
    on conflict do nothing`.execute(raw(trx));
  return Number(result.numAffectedRows ?? 0);
}

export async function insertSkip(
  trx: Tx,
  workspaceId: string,
  skip: {
    id: string;
    mailboxId: string;
    folder: string;
    uid: string | null;
    messageId: string | null;
    reason: string;
  },
): Promise<void> {
  await sql`
    insert into email_skips (workspace_id, id, mailbox_id, folder, uid, message_id, reason)
    values (${workspaceId}, ${skip.id}, ${skip.mailboxId}, ${skip.folder}, ${skip.uid}::bigint, ${skip.messageId},
            ${skip.reason})`.execute(raw(trx));
}

export async function selectSkips(
  trx: Tx,
  workspaceId: string,
  mailboxId: string,
  limit: number,
): Promise<
  { id: string; folder: string; uid: string | null; message_id: string | null; reason: string; at: Date }[]
> {
  const { rows } = await sql<{
    id: string;
    folder: string;
    uid: string | null;
    message_id: string | null;
    reason: string;
    at: Date;
  }>`
    select id, folder, uid::text, message_id, reason, at from email_skips
    where workspace_id = ${workspaceId} and mailbox_id = ${mailboxId}
    order by at desc, id desc limit ${limit}`.execute(raw(trx));
  return rows;
}

/** UIDs of a folder logged as skipped (the reconcile does not count them as missing again). */
export async function selectSkippedUids(
  trx: Tx,
  workspaceId: string,
  mailboxId: string,
  folder: string,
): Promise<Set<string>> {
  const { rows } = await sql<{ uid: string }>`
    select distinct uid::text from email_skips
    where workspace_id = ${workspaceId} and mailbox_id = ${mailboxId} and folder = ${folder} and uid is not null`.execute(
    raw(trx),
  );
  return new Set(rows.map((r) => r.uid));
}

// Links

export async function insertLinks(
  trx: Tx,
  workspaceId: string,
  links: {
    objectKey: string;
    recordId: string;
    messageId: string;
    threadId: string;
    sentAt: Date;
    how: string;
  }[],
): Promise<void> {
  // A link already there keeps its `how` unless it was only a suggestion.
  await writeLinks(
    trx,
    workspaceId,
    links,
    sql`case when email_links.how = 'suggested' then excluded.how else email_links.how end`,
  );
}

async function writeLinks(
  trx: Tx,
  workspaceId: string,
  links: Parameters<typeof insertLinks>[2],
  how: RawBuilder<unknown>,
): Promise<void> {
  if (links.length === 0) return;
  await sql`
    insert into email_links (workspace_id, object_key, record_id, message_id, thread_id, sent_at, how)
    select ${workspaceId}, l.o, l.r, l.m, l.t, l.s, l.h
    from unnest(${links.map((l) => l.objectKey)}::text[], ${links.map((l) => l.recordId)}::uuid[],
                ${links.map((l) => l.messageId)}::uuid[], ${links.map((l) => l.threadId)}::uuid[],
                ${links.map((l) => l.sentAt.toISOString())}::timestamptz[], ${links.map((l) => l.how)}::text[])
         as l (o, r, m, t, s, h)
    on conflict (workspace_id, object_key, record_id, message_id) do update set how = ${how}`.execute(
    raw(trx),
  );
}

/** Messages linked to a record, newest first, keyset-paged. */
export async function selectRecordMessages(
  trx: Tx,
  workspaceId: string,
  objectKey: string,
  recordId: string,
  page: { limit: number; before?: { at: string; id: string } | undefined },
): Promise<(MessageSummaryRow & { at: string })[]> {
  const ws = workspaceLiteral(workspaceId);
  const { rows } = await sql<MessageSummaryRow & { at: string }>`
    select ${summaryColumns(ws)},
           to_char(l.sent_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
    from email_links l
    join email_messages m on m.workspace_id = l.workspace_id and m.id = l.message_id
    where l.workspace_id = ${ws} and l.object_key = ${objectKey} and l.record_id = ${recordId}
      and l.how <> 'suggested'
      ${page.before ? sql`and (l.sent_at, l.message_id) < (${page.before.at}::timestamptz, ${page.before.id}::uuid)` : sql``}
    order by l.sent_at desc, l.message_id desc
    limit ${page.limit}`.execute(raw(trx));
  return rows;
}

export interface MessageSummaryRow {
  id: string;
  thread_id: string;
  message_id: string;
  subject: string;
  from_address: string | null;
  from_name: string | null;
  recipients: { to: { address: string; name: string }[]; cc: { address: string; name: string }[] };
  sent_at: Date;
  snippet: string;
  direction: 'in' | 'out' | 'internal';
  auto_reply: boolean;
  too_large: boolean;
  has_attachments: boolean;
  mailbox_ids: string[];
  sent_by_user_id: string | null;
}

/**
 * A message's summary columns; `ws` is the workspace (`workspaceLiteral`), which the statement's own tables must be
 * confined to by the same literal: the subqueries confined by it too are what lets a Citus cluster route the whole
 * statement to the workspace's shard (correlated by `m.workspace_id`, it went to every shard).
 */
const summaryColumns = (
  ws: RawBuilder<string>,
) => sql`m.id, m.thread_id, m.message_id, m.subject, m.from_address,
  m.from_name, m.recipients, m.sent_at, m.snippet, m.direction, m.auto_reply, m.too_large, m.sent_by_user_id,
  exists (select 1 from email_attachments a where a.workspace_id = ${ws} and a.message_id = m.id
          and not a.inline) as has_attachments,
  -- Repeats (a message in two folders of a mailbox) are harmless; a distinct aggregate would sort in every timeline read.
  array_remove(array_cat(coalesce((select array_agg(l2.mailbox_id) from email_locations l2
            where l2.workspace_id = ${ws} and l2.message_id = m.id), '{}'), array[m.mailbox_id]),
            null) as mailbox_ids`;

export async function selectThreadMessages(
  trx: Tx,
  workspaceId: string,
  threadId: string,
): Promise<(MessageSummaryRow & { body_text: string; body_html: string | null; refs: string[] })[]> {
  const ws = workspaceLiteral(workspaceId);
  const { rows } = await sql<
    MessageSummaryRow & { body_text: string; body_html: string | null; refs: string[] }
  >`
    select ${summaryColumns(ws)}, m.body_text, m.body_html, m.refs from email_messages m
    where m.workspace_id = ${ws} and m.thread_id = ${threadId}
    order by m.sent_at, m.id limit 500`.execute(raw(trx));
  return rows;
}

export async function selectMessage(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<
  (MessageSummaryRow & { body_text: string; body_html: string | null; refs: string[] }) | undefined
> {
  const ws = workspaceLiteral(workspaceId);
  const { rows } = await sql<
    MessageSummaryRow & { body_text: string; body_html: string | null; refs: string[] }
  >`
    select ${summaryColumns(ws)}, m.body_text, m.body_html, m.refs from email_messages m
    where m.workspace_id = ${ws} and m.id = ${id}`.execute(raw(trx));
  return rows[0];
}

/** The records a message is linked to (to decide who may read it through them). */
export async function selectMessageLinks(
  trx: Tx,
  workspaceId: string,
  messageIds: string[],
): Promise<{ message_id: string; object_key: string; record_id: string; how: string }[]> {
  const { rows } = await sql<{ message_id: string; object_key: string; record_id: string; how: string }>`
    select message_id, object_key, record_id, how from email_links
    where workspace_id = ${workspaceId} and message_id = any(${messageIds}::uuid[])`.execute(raw(trx));
  return rows;
}

export async function selectAttachments(
  trx: Tx,
  workspaceId: string,
  messageIds: string[],
): Promise<
  {
    message_id: string;
    position: number;
    filename: string;
    content_type: string;
    size: number;
    stored: boolean;
    content_id: string | null;
    inline: boolean;
  }[]
> {
  const { rows } = await sql<{
    message_id: string;
    position: number;
    filename: string;
    content_type: string;
    size: number;
    stored: boolean;
    content_id: string | null;
    inline: boolean;
  }>`
    select message_id, position, filename, content_type, size, sha256 is not null as stored, content_id, inline
    from email_attachments where workspace_id = ${workspaceId} and message_id = any(${messageIds}::uuid[])
    order by message_id, position`.execute(raw(trx));
  return rows;
}

export async function selectAttachmentContent(
  trx: Tx,
  workspaceId: string,
  messageId: string,
  position: number,
): Promise<{ filename: string; content_type: string; content: Buffer } | undefined> {
  const { rows } = await sql<{ filename: string; content_type: string; content: Buffer }>`
    select a.filename, a.content_type, b.content from email_attachments a
    join email_blobs b on b.workspace_id = a.workspace_id and b.sha256 = a.sha256
    where a.workspace_id = ${workspaceId} and a.message_id = ${messageId} and a.position = ${position}`.execute(
    raw(trx),
  );
  return rows[0];
}

/** Mailboxes a user reads: their own, shared ones they are a reader of. */
export async function selectReadableMailboxIds(
  trx: Tx,
  workspaceId: string,
  userId: string | null,
): Promise<Set<string>> {
  if (!userId) return new Set();
  const { rows } = await sql<{ id: string }>`
    select m.id from mailboxes m where m.workspace_id = ${workspaceId} and m.owner_user_id = ${userId}
    union
    select r.mailbox_id from mailbox_readers r where r.workspace_id = ${workspaceId} and r.user_id = ${userId}`.execute(
    raw(trx),
  );
  return new Set(rows.map((r) => r.id));
}

/** Each mailbox's visibility for people who do not read it. */
export async function selectMailboxVisibility(trx: Tx, workspaceId: string): Promise<Map<string, string>> {
  const { rows } = await sql<{ id: string; visibility: string }>`
    select id, visibility from mailboxes where workspace_id = ${workspaceId}`.execute(raw(trx));
  return new Map(rows.map((r) => [r.id, r.visibility]));
}

/** Addresses of every connected mailbox of the workspace (they are internal). */
export async function selectMailboxAddresses(trx: Tx, workspaceId: string): Promise<string[]> {
  const { rows } = await sql<{ address: string }>`
    select address from mailboxes where workspace_id = ${workspaceId}`.execute(raw(trx));
  return rows.map((r) => r.address);
}

// Outbox

export interface OutboxRow {
  id: string;
  mailbox_id: string;
  user_id: string;
  input: Record<string, unknown>;
  send_at: Date;
  status: 'scheduled' | 'sending' | 'sent' | 'cancelled' | 'failed';
  attempts: number;
  error: string | null;
  message_id: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export async function insertOutbox(
  trx: Tx,
  workspaceId: string,
  entry: { id: string; mailboxId: string; userId: string; input: unknown; sendAt: Date },
): Promise<OutboxRow> {
  const { rows } = await sql<OutboxRow>`
    insert into email_outbox (workspace_id, id, mailbox_id, user_id, input, send_at, status)
    values (${workspaceId}, ${entry.id}, ${entry.mailboxId}, ${entry.userId}, ${JSON.stringify(entry.input)}::jsonb,
            ${entry.sendAt}, 'scheduled')
    returning *`.execute(raw(trx));
  return rows[0]!;
}

/** Takes a scheduled entry for sending (one taker wins); undefined when it was cancelled, sent or taken. */
export async function takeOutbox(trx: Tx, workspaceId: string, id: string): Promise<OutboxRow | undefined> {
  const { rows } = await sql<OutboxRow>`
    update email_outbox set status = 'sending', attempts = attempts + 1
    where workspace_id = ${workspaceId} and id = ${id} and status = 'scheduled'
    returning *`.execute(raw(trx));
  return rows[0];
}

export async function finishOutbox(
  trx: Tx,
  workspaceId: string,
  id: string,
  outcome: { status: 'sent' | 'failed' | 'scheduled'; error?: string | null; messageId?: string | null },
): Promise<void> {
  // `finished_at` takes the transaction's time from a one-row `clock` the update is joined with, not `now()` inside
  // the `case` (refused by a Citus cluster: "non-IMMUTABLE functions are not allowed in CASE or COALESCE
  // statements"; see setMailboxState). One PostgreSQL writes the same `now()` in the same statement.
  await sql`
    update email_outbox set status = ${outcome.status}, error = ${outcome.error ?? null},
      message_id = coalesce(${outcome.messageId ?? null}::uuid, message_id),
      finished_at = case when ${outcome.status} = 'scheduled' then null else clock.at end
    from (select now() as at) as clock
    where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
}

/** Cancels a scheduled entry of this user; the row as it now is (undefined when there is none of theirs). */
export async function cancelOutboxRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  userId: string,
): Promise<OutboxRow | undefined> {
  await sql`
    update email_outbox set status = 'cancelled', finished_at = now()
    where workspace_id = ${workspaceId} and id = ${id} and user_id = ${userId} and status = 'scheduled'`.execute(
    raw(trx),
  );
  const { rows } = await sql<OutboxRow>`
    select * from email_outbox where workspace_id = ${workspaceId} and id = ${id} and user_id = ${userId}`.execute(
    raw(trx),
  );
  return rows[0];
}

export async function selectOutbox(
  trx: Tx,
  workspaceId: string,
  userId: string,
  limit: number,
): Promise<OutboxRow[]> {
  const { rows } = await sql<OutboxRow>`
    select * from email_outbox where workspace_id = ${workspaceId} and user_id = ${userId}
    order by created_at desc, id desc limit ${limit}`.execute(raw(trx));
  return rows;
}

// Templates and signatures

export interface TemplateRow {
  id: string;
  name: string;
  subject: string;
  body_html: string;
  variants: Record<string, { subject?: string; bodyHtml?: string }>;
  owner_user_id: string | null;
  shared: boolean;
  created_at: Date;
  updated_at: Date;
}

/** Templates the user may use: shared ones and their own, by name. */
export async function selectTemplates(
  trx: Tx,
  workspaceId: string,
  userId: string | null,
): Promise<TemplateRow[]> {
  const { rows } = await sql<TemplateRow>`
    select id, name, subject, body_html, variants, owner_user_id, shared, created_at, updated_at
    from email_templates where workspace_id = ${workspaceId} and (shared or owner_user_id = ${userId})
    order by name, id limit 1000`.execute(raw(trx));
  return rows;
}

export async function selectTemplate(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<TemplateRow | undefined> {
  const { rows } = await sql<TemplateRow>`
    select id, name, subject, body_html, variants, owner_user_id, shared, created_at, updated_at
    from email_templates where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
  return rows[0];
}

export async function upsertTemplate(
  trx: Tx,
  workspaceId: string,
  t: {
    id: string;
    name: string;
    subject: string;
    bodyHtml: string;
    variants: unknown;
    ownerUserId: string | null;
    shared: boolean;
  },
): Promise<void> {
  await sql`
    insert into email_templates (workspace_id, id, name, subject, body_html, variants, owner_user_id, shared)
    values (${workspaceId}, ${t.id}, ${t.name}, ${t.subject}, ${t.bodyHtml}, ${JSON.stringify(t.variants)}::jsonb,
            ${t.ownerUserId}, ${t.shared})
    on conflict (workspace_id, id) do update set name = excluded.name, subject = excluded.subject,
      body_html = excluded.body_html, variants = excluded.variants, shared = excluded.shared, updated_at = excluded.updated_at`.execute(
    raw(trx),
  );
}

export async function deleteTemplateRow(trx: Tx, workspaceId: string, id: string): Promise<void> {
  await sql`delete from email_templates where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
}

export async function selectSignature(
  trx: Tx,
  workspaceId: string,
  userId: string,
): Promise<string | undefined> {
  const { rows } = await sql<{ html: string }>`
    select html from email_signatures where workspace_id = ${workspaceId} and user_id = ${userId}`.execute(
    raw(trx),
  );
  return rows[0]?.html;
}

export async function upsertSignature(
  trx: Tx,
  workspaceId: string,
  userId: string,
  html: string,
): Promise<void> {
  await sql`
    insert into email_signatures (workspace_id, user_id, html) values (${workspaceId}, ${userId}, ${html})
    on conflict (workspace_id, user_id) do update set html = excluded.html, updated_at = excluded.updated_at`.execute(
    raw(trx),
  );
}

export async function setMessageTemplate(
  trx: Tx,
  workspaceId: string,
  messageId: string,
  templateId: string,
) {
  await sql`update email_messages set template_id = ${templateId}
    where workspace_id = ${workspaceId} and id = ${messageId}`.execute(raw(trx));
}

// Tracking

export async function insertTrackedLinks(
  trx: Tx,
  workspaceId: string,
  messageId: string,
  urls: string[],
): Promise<void> {
  if (urls.length === 0) return;
  await sql`
    insert into email_tracked_links (workspace_id, message_id, position, url)
    select ${workspaceId}, ${messageId}, u.ord - 1, u.url from unnest(${urls}::text[]) with ordinality as u (url, ord)
    on conflict do nothing`.execute(raw(trx));
}

export async function selectTrackedLink(
  trx: Tx,
  workspaceId: string,
  messageId: string,
  position: number,
): Promise<string | undefined> {
  const { rows } = await sql<{ url: string }>`
    select url from email_tracked_links
    where workspace_id = ${workspaceId} and message_id = ${messageId} and position = ${position}`.execute(
    raw(trx),
  );
  return rows[0]?.url;
}

export interface NewEvent {
  messageId: string;
  kind: 'open' | 'click' | 'reply' | 'bounce' | 'soft_bounce' | 'auto_reply';
  at: Date;
  machine: boolean;
  detail: Record<string, unknown>;
}

/** Events of messages named by Message-ID (tracking tokens carry it), in one statement; unknown ids are dropped. */
export async function insertEventsByMessageId(
  trx: Tx,
  workspaceId: string,
  events: NewEvent[],
): Promise<void> {
  if (events.length === 0) return;
  await sql`
    insert into email_events (workspace_id, id, message_id, kind, at, machine, detail)
    select m.workspace_id, e.id, m.id, e.kind, e.at, e.machine, e.detail
    from unnest(${events.map(() => randomUUID())}::uuid[], ${events.map((e) => e.messageId)}::text[],
                ${events.map((e) => e.kind)}::text[], ${events.map((e) => e.at.toISOString())}::timestamptz[],
                ${events.map((e) => e.machine)}::boolean[], ${events.map((e) => JSON.stringify(e.detail))}::jsonb[])
      as e (id, mid, kind, at, machine, detail)
    join email_messages m on m.workspace_id = ${workspaceId} and m.message_id = e.mid`.execute(raw(trx));
  await summariseSends(
    trx,
    workspaceId,
    events.map((e) => e.messageId),
  );
}

/**
 * Writes again, from their events, the summaries of the messages named by Message-ID (`email_send_summaries`,
 * `email-0009`: the first open, click, reply and bounce a person made, and the last event), which the sent-email
 * view reads. Every write or flag of a message's events calls it in the same transaction; one statement, which a
 * cluster runs on the workspace's shard.
 */
async function summariseSends(trx: Tx, workspaceId: string, messageIds: string[]): Promise<void> {
  if (messageIds.length === 0) return;
  const ws = workspaceLiteral(workspaceId);
  await sql`
    insert into email_send_summaries as s
      (workspace_id, message_id, opened_at, clicked_at, replied_at, bounced_at, last_event_at)
    select m.workspace_id, m.id,
      min(e.at) filter (where e.kind = 'open' and not e.machine),
      min(e.at) filter (where e.kind = 'click' and not e.machine),
      min(e.at) filter (where e.kind = 'reply' and not e.machine),
      min(e.at) filter (where e.kind = 'bounce' and not e.machine),
      max(e.at)
    from email_messages m
    join email_events e on e.workspace_id = ${ws} and e.message_id = m.id
    where m.workspace_id = ${ws} and m.message_id = any(${[...new Set(messageIds)]}::text[])
    group by m.workspace_id, m.id
    on conflict (workspace_id, message_id) do update set opened_at = excluded.opened_at,
      clicked_at = excluded.clicked_at, replied_at = excluded.replied_at, bounced_at = excluded.bounced_at,
      last_event_at = excluded.last_event_at`.execute(raw(trx));
}

/** Serialises the bounce of a Message-ID with the storing of that message, so neither misses the other. */
async function lockMessageId(trx: Tx, workspaceId: string, messageId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`${workspaceId}/${messageId}`}, 0))`.execute(
    raw(trx),
  );
}

/**
 * A delivery report's event on the message it names. When that message is not stored yet (the send is still being
 * recorded, or its Sent copy has not synced), the event waits in `email_early_events` for it; waiting events older
 * than a week are pruned here.
 */
export async function insertBounceEvent(
  trx: Tx,
  workspaceId: string,
  event: NewEvent & { kind: 'bounce' | 'soft_bounce' },
): Promise<void> {
  await lockMessageId(trx, workspaceId, event.messageId);
  // The id from the application and the workspace from the message's row: a cluster then runs the statement on the
  // workspace's shard (a volatile `gen_random_uuid()` made it copy rows in, which row-level security refuses).
  const { numAffectedRows } = await sql`
    insert into email_events (workspace_id, id, message_id, kind, at, machine, detail)
    select m.workspace_id, ${randomUUID()}::uuid, m.id, ${event.kind}, ${event.at}, false, ${JSON.stringify(event.detail)}::jsonb
    from email_messages m where m.workspace_id = ${workspaceId} and m.message_id = ${event.messageId}`.execute(
    raw(trx),
  );
  if (Number(numAffectedRows ?? 0) > 0) return summariseSends(trx, workspaceId, [event.messageId]);
  await sql`
    insert into email_early_events (workspace_id, message_id, kind, at, detail)
    values (${workspaceId}, ${event.messageId}, ${event.kind}, ${event.at}, ${JSON.stringify(event.detail)}::jsonb)
    on conflict do nothing`.execute(raw(trx));
  await sql`
    delete from email_early_events
    where workspace_id = ${workspaceId} and received_at < now() - interval '7 days'`.execute(raw(trx));
}

/** When a sent message went out and when its links were last clicked (machine clicks come in bursts). */
export async function selectMessageTimes(
  trx: Tx,
  workspaceId: string,
  messageId: string,
): Promise<{ sent_at: Date; last_click: Date | null } | undefined> {
  const ws = workspaceLiteral(workspaceId);
  const { rows } = await sql<{ sent_at: Date; last_click: Date | null }>`
    select m.sent_at, (select max(e.at) from email_events e where e.workspace_id = ${ws}
                       and e.message_id = m.id and e.kind = 'click') as last_click
    from email_messages m where m.workspace_id = ${ws} and m.message_id = ${messageId}`.execute(raw(trx));
  return rows[0];
}

export async function insertSuppression(
  trx: Tx,
  workspaceId: string,
  address: string,
  reason: string,
): Promise<void> {
  await sql`
    insert into email_suppressions (workspace_id, address, reason) values (${workspaceId}, ${address}, ${reason})
    on conflict (workspace_id, address) do update set reason = excluded.reason, at = excluded.at`.execute(
    raw(trx),
  );
}

export async function selectSuppressions(
  trx: Tx,
  workspaceId: string,
  addresses?: string[],
): Promise<{ address: string; reason: string; at: Date }[]> {
  const { rows } = await sql<{ address: string; reason: string; at: Date }>`
    select address, reason, at from email_suppressions where workspace_id = ${workspaceId}
      ${addresses ? sql`and address = any(${addresses}::text[])` : sql``}
    order by at desc limit 1000`.execute(raw(trx));
  return rows;
}

export async function deleteSuppression(trx: Tx, workspaceId: string, address: string): Promise<boolean> {
  const r =
    await sql`delete from email_suppressions where workspace_id = ${workspaceId} and address = ${address}`.execute(
      raw(trx),
    );
  return Number(r.numAffectedRows ?? 0) > 0;
}

/** Sent messages that one of these references names (a reply to them), with their direction. */
export async function selectSentAmong(trx: Tx, workspaceId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<{ message_id: string }>`
    select message_id from email_messages
    where workspace_id = ${workspaceId} and message_id = any(${ids}::text[]) and direction = 'out'`.execute(
    raw(trx),
  );
  return rows.map((r) => r.message_id);
}

/** Per day in a time zone: messages sent from a template (or all sent), and how many had each kind of event. */
export async function selectDailyStats(
  trx: Tx,
  workspaceId: string,
  filter: { templateId?: string | undefined; from: Date; to: Date; timeZone: string },
): Promise<
  {
    day: string;
    sent: number;
    bounced: number;
    opened: number;
    opened_all: number;
    clicked: number;
    clicked_all: number;
    replied: number;
  }[]
> {
  // Every table confined by the workspace's literal: a Citus coordinator routes the statement to its shard.
  const workspace = workspaceLiteral(workspaceId);
  const { rows } = await sql<{
    day: string;
    sent: number;
    bounced: number;
    opened: number;
    opened_all: number;
    clicked: number;
    clicked_all: number;
    replied: number;
  }>`
    select to_char((m.sent_at at time zone ${filter.timeZone})::date, 'YYYY-MM-DD') as day,
      count(*)::int as sent,
      count(*) filter (where exists (select 1 from email_events e where e.workspace_id = ${workspace}
        and e.message_id = m.id and e.kind = 'bounce'))::int as bounced,
      count(*) filter (where exists (select 1 from email_events e where e.workspace_id = ${workspace}
        and e.message_id = m.id and e.kind = 'open' and not e.machine))::int as opened,
      count(*) filter (where exists (select 1 from email_events e where e.workspace_id = ${workspace}
        and e.message_id = m.id and e.kind = 'open'))::int as opened_all,
      count(*) filter (where exists (select 1 from email_events e where e.workspace_id = ${workspace}
        and e.message_id = m.id and e.kind = 'click' and not e.machine))::int as clicked,
      count(*) filter (where exists (select 1 from email_events e where e.workspace_id = ${workspace}
        and e.message_id = m.id and e.kind = 'click'))::int as clicked_all,
      count(*) filter (where exists (select 1 from email_events e where e.workspace_id = ${workspace}
        and e.message_id = m.id and e.kind = 'reply'))::int as replied
    from email_messages m
    where m.workspace_id = ${workspace} and m.direction = 'out'
      and m.sent_at >= ${filter.from} and m.sent_at < ${filter.to}
      ${filter.templateId ? sql`and m.template_id = ${filter.templateId}` : sql``}
    group by 1 order by 1`.execute(raw(trx));
  return rows;
}

/**
 * Flags opens and clicks within 5 s of the send (no person reads that fast; scanners and prefetchers do) and clicks
 * within 2 s of another click of the same message (a scanner following every link).
 *
 * Read first, then flagged by key: a time plus an interval is a STABLE function, which a Citus cluster refuses over
 * columns inside an UPDATE (OPERATIONS.md, "Citus"); in a SELECT it is fine everywhere.
 */
export async function flagMachineEvents(trx: Tx, workspaceId: string, messageIds: string[]): Promise<void> {
  // Every table confined by the workspace's literal: the correlated `exists` then stays on its shard on a cluster.
  const ws = workspaceLiteral(workspaceId);
  const { rows } = await sql<{ id: string }>`
    select e.id
    from email_messages m
    join email_events e on e.workspace_id = ${ws} and e.message_id = m.id
    where m.workspace_id = ${ws} and m.message_id = any(${messageIds}::text[])
      and not e.machine and e.kind in ('open', 'click')
      and (e.at < m.sent_at + interval '5 seconds'
        or (e.kind = 'click' and exists (
          select 1 from email_events o where o.workspace_id = ${ws} and o.message_id = e.message_id
            and o.kind = 'click' and o.id <> e.id and o.at between e.at - interval '2 seconds'
            and e.at + interval '2 seconds')))`.execute(raw(trx));
  if (rows.length === 0) return;
  await sql`
    update email_events set machine = true
    where workspace_id = ${workspaceId} and id = any(${rows.map((r) => r.id)}::uuid[])`.execute(raw(trx));
  await summariseSends(trx, workspaceId, messageIds);
}

// Sequences

export interface SequenceStep {
  templateId: string;
  /** Business days after the previous step (after enrolment for the first). */
  delayDays: number;
  /** Sent as a reply in the thread of the sequence's previous message. */
  asReply: boolean;
}

export interface SequenceSettings {
  /** Local send window, `HH:MM`. */
  window?: { start: string; end: string } | undefined;
  timeZone?: string | undefined;
  weekend?: 'fri' | 'thu-fri' | 'fri-sat' | 'sat-sun' | undefined;
  /** Sequence messages one mailbox sends a day, at most. */
  dailyCap?: number | undefined;
  /** A reply from anyone at the person's company stops the enrolment too. */
  stopOnCompanyReply?: boolean | undefined;
}

export interface SequenceRow {
  id: string;
  name: string;
  steps: SequenceStep[];
  settings: SequenceSettings;
  enabled: boolean;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface EnrolmentRow {
  id: string;
  sequence_id: string;
  person_id: string;
  deal_id: string | null;
  mailbox_id: string;
  enrolled_by: string;
  status: 'active' | 'sending' | 'finished' | 'stopped';
  stop_reason: string | null;
  step: number;
  next_at: Date | null;
  paused_until: Date | null;
  last_message_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export async function selectSequences(trx: Tx, workspaceId: string): Promise<SequenceRow[]> {
  const { rows } = await sql<SequenceRow>`
    select * from email_sequences where workspace_id = ${workspaceId} order by name, id limit 1000`.execute(
    raw(trx),
  );
  return rows;
}

export async function selectSequence(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<SequenceRow | undefined> {
  const { rows } = await sql<SequenceRow>`
    select * from email_sequences where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
  return rows[0];
}

export async function upsertSequence(
  trx: Tx,
  workspaceId: string,
  s: {
    id: string;
    name: string;
    steps: SequenceStep[];
    settings: SequenceSettings;
    enabled: boolean;
    createdBy: string | null;
  },
): Promise<void> {
  await sql`
    insert into email_sequences (workspace_id, id, name, steps, settings, enabled, created_by)
    values (${workspaceId}, ${s.id}, ${s.name}, ${JSON.stringify(s.steps)}::jsonb, ${JSON.stringify(s.settings)}::jsonb,
            ${s.enabled}, ${s.createdBy})
    on conflict (workspace_id, id) do update set name = excluded.name, steps = excluded.steps,
      settings = excluded.settings, enabled = excluded.enabled, updated_at = excluded.updated_at`.execute(
    raw(trx),
  );
}

export async function deleteSequenceRow(trx: Tx, workspaceId: string, id: string): Promise<void> {
  await sql`delete from email_sequences where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
}

/** Enrols a person unless they already have an active enrolment in the sequence (then undefined). */
export async function insertEnrolment(
  trx: Tx,
  workspaceId: string,
  e: {
    id: string;
    sequenceId: string;
    personId: string;
    dealId: string | null;
    mailboxId: string;
    userId: string;
    nextAt: Date;
  },
): Promise<EnrolmentRow | undefined> {
  const { rows } = await sql<EnrolmentRow>`
    insert into email_enrolments (workspace_id, id, sequence_id, person_id, deal_id, mailbox_id, enrolled_by, status,
                                  next_at)
    values (${workspaceId}, ${e.id}, ${e.sequenceId}, ${e.personId}, ${e.dealId}, ${e.mailboxId}, ${e.userId}, 'active',
            ${e.nextAt})
    on conflict (workspace_id, sequence_id, person_id) where status in ('active', 'sending') do nothing
    returning *`.execute(raw(trx));
  return rows[0];
}

export async function selectEnrolment(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<EnrolmentRow | undefined> {
  const { rows } = await sql<EnrolmentRow>`
    select * from email_enrolments where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
  return rows[0];
}

export async function selectEnrolments(
  trx: Tx,
  workspaceId: string,
  sequenceId: string,
  limit: number,
): Promise<EnrolmentRow[]> {
  const { rows } = await sql<EnrolmentRow>`
    select * from email_enrolments where workspace_id = ${workspaceId} and sequence_id = ${sequenceId}
    order by created_at desc, id desc limit ${limit}`.execute(raw(trx));
  return rows;
}

/** Takes an active enrolment due now for sending its step (one taker wins). */
export async function takeEnrolment(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<EnrolmentRow | undefined> {
  const { rows } = await sql<EnrolmentRow>`
    update email_enrolments set status = 'sending', updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id} and status = 'active'
    returning *`.execute(raw(trx));
  return rows[0];
}

export async function updateEnrolment(
  trx: Tx,
  workspaceId: string,
  id: string,
  values: {
    status?: EnrolmentRow['status'] | undefined;
    stopReason?: string | null | undefined;
    step?: number | undefined;
    nextAt?: Date | null | undefined;
    pausedUntil?: Date | null | undefined;
    lastMessageId?: string | undefined;
  },
): Promise<void> {
  await sql`
    update email_enrolments set
      status = coalesce(${values.status ?? null}, status),
      stop_reason = case when ${values.stopReason !== undefined} then ${values.stopReason ?? null} else stop_reason end,
      step = coalesce(${values.step ?? null}::int, step),
      next_at = case when ${values.nextAt !== undefined} then ${values.nextAt ?? null}::timestamptz else next_at end,
      paused_until = case when ${values.pausedUntil !== undefined} then ${values.pausedUntil ?? null}::timestamptz
        else paused_until end,
      last_message_id = coalesce(${values.lastMessageId ?? null}::uuid, last_message_id),
      updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
}

/** Active enrolments of these people (or of this deal), for stopping or pausing them. */
export async function selectActiveEnrolments(
  trx: Tx,
  workspaceId: string,
  by: { personIds?: string[] | undefined; dealId?: string | undefined },
): Promise<EnrolmentRow[]> {
  const { rows } = await sql<EnrolmentRow>`
    select * from email_enrolments where workspace_id = ${workspaceId} and status in ('active', 'sending')
      and (person_id = any(${by.personIds ?? []}::uuid[]) or deal_id = ${by.dealId ?? null}::uuid)`.execute(
    raw(trx),
  );
  return rows;
}

/** Messages a mailbox sent for sequences since an instant (for its daily cap). */
export async function countSequenceSends(
  trx: Tx,
  workspaceId: string,
  mailboxId: string,
  since: Date,
): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from email_messages
    where workspace_id = ${workspaceId} and mailbox_id = ${mailboxId} and sequence_id is not null
      and sent_at >= ${since}`.execute(raw(trx));
  return rows[0]?.n ?? 0;
}

export async function setMessageSequence(
  trx: Tx,
  workspaceId: string,
  messageId: string,
  sequenceId: string,
) {
  await sql`update email_messages set sequence_id = ${sequenceId}
    where workspace_id = ${workspaceId} and id = ${messageId}`.execute(raw(trx));
}

/** True when any enrolment of the workspace is active (inbound mail then checks whom it stops). */
export async function hasActiveEnrolments(trx: Tx, workspaceId: string): Promise<boolean> {
  const { rows } = await sql<{ yes: boolean }>`
    select exists (select 1 from email_enrolments where workspace_id = ${workspaceId}
      and status in ('active', 'sending')) as yes`.execute(raw(trx));
  return rows[0]?.yes ?? false;
}

/** The To addresses of a message sent from Rabita (by Message-ID); undefined when there is none. */
export async function selectRecipients(
  trx: Tx,
  workspaceId: string,
  messageId: string,
): Promise<string[] | undefined> {
  const { rows } = await sql<{ recipients: { to?: { address: string }[] } }>`
    select recipients from email_messages
    where workspace_id = ${workspaceId} and message_id = ${messageId} and direction = 'out'`.execute(
    raw(trx),
  );
  return rows[0] ? (rows[0].recipients.to ?? []).map((a) => a.address) : undefined;
}

/** Suppresses an address as unsubscribed, keeping a hard bounce that is already there. */
export async function insertUnsubscribe(trx: Tx, workspaceId: string, address: string): Promise<void> {
  await sql`
    insert into email_suppressions (workspace_id, address, reason) values (${workspaceId}, ${address}, 'unsubscribed')
    on conflict (workspace_id, address) do nothing`.execute(raw(trx));
}

/** Stores an uploaded file once by its hash (an attachment to send). */
export async function insertBlob(
  trx: Tx,
  workspaceId: string,
  sha256: string,
  content: Buffer,
): Promise<void> {
  await sql`
    insert into email_blobs (workspace_id, sha256, size, content)
    values (${workspaceId}, ${sha256}, ${content.length}, ${content})
    on conflict do nothing`.execute(raw(trx));
}

export async function selectBlob(trx: Tx, workspaceId: string, sha256: string): Promise<Buffer | undefined> {
  const { rows } = await sql<{ content: Buffer }>`
    select content from email_blobs where workspace_id = ${workspaceId} and sha256 = ${sha256}`.execute(
    raw(trx),
  );
  return rows[0]?.content;
}

/** Messages naming any of these addresses (mail among members only left out), newest first, at most `limit`. */
export async function selectMessagesByAddresses(
  trx: Tx,
  workspaceId: string,
  addresses: string[],
  limit: number,
): Promise<{ address: string; message_id: string; thread_id: string; sent_at: Date }[]> {
  const { rows } = await sql<{ address: string; message_id: string; thread_id: string; sent_at: Date }>`
    select a.address, m.id as message_id, m.thread_id, m.sent_at
    from email_message_addresses a
    join email_messages m on m.workspace_id = a.workspace_id and m.id = a.message_id
    where a.workspace_id = ${workspaceId} and a.address = any(${addresses}::text[]) and m.direction <> 'internal'
    order by a.sent_at desc limit ${limit}`.execute(raw(trx));
  return rows;
}

// A fetched batch of messages, stored set-based (`storeMessages`): each function is one statement for the batch.

/** The stored messages among these Message-IDs. */
export async function selectMessagesByMessageIds(
  trx: Tx,
  workspaceId: string,
  messageIds: string[],
): Promise<StoredMessageRow[]> {
  if (messageIds.length === 0) return [];
  const { rows } = await sql<StoredMessageRow>`
    select id, message_id, thread_id from email_messages
    where workspace_id = ${workspaceId} and message_id = any(${messageIds}::text[])`.execute(raw(trx));
  return rows;
}

/** A thread as threading weighs it: when it starts and ends, who is in it, its subject key and size. */
export interface ThreadStateRow {
  thread_id: string;
  first_at: Date;
  last_at: Date;
  participants: string[];
  subject_key: string;
  message_count: number;
}

/**
 * The threads related to a batch: those of stored messages with one of `refs` as their Message-ID (`kind` 'id',
 * `key` the Message-ID), and those of stored messages naming one of `messageIds` among their references (`kind`
 * 'ref', `key` the reference).
 */
export async function selectThreadGraph(
  trx: Tx,
  workspaceId: string,
  messageIds: string[],
  refs: string[],
): Promise<(ThreadStateRow & { kind: 'id' | 'ref'; key: string })[]> {
  if (messageIds.length === 0 && refs.length === 0) return [];
  const { rows } = await sql<ThreadStateRow & { kind: 'id' | 'ref'; key: string }>`
    select x.kind, x.key, t.id as thread_id, t.first_at, t.last_at, t.participants, t.subject_key, t.message_count
    from (
      select 'id' as kind, m.message_id as key, m.thread_id from email_messages m
      where m.workspace_id = ${workspaceId} and m.message_id = any(${refs}::text[])
      union all
      select 'ref', r.ref, m.thread_id from email_message_refs r
      join email_messages m on m.workspace_id = r.workspace_id and m.id = r.message_id
      where r.workspace_id = ${workspaceId} and r.ref = any(${messageIds}::text[])
    ) x
    join email_threads t on t.workspace_id = ${workspaceId} and t.id = x.thread_id`.execute(raw(trx));
  return rows;
}

/**
 * The records the messages of these threads are linked to (suggestions left out), per thread: found through the
 * threads' messages (`email_messages_thread`, then `email_links_message`), so the look-up costs what the threads
 * hold, not what the workspace has stored (a filter on `email_links.thread_id` scanned every link).
 */
export async function selectLinksOfThreads(
  trx: Tx,
  workspaceId: string,
  threadIds: string[],
): Promise<{ thread_id: string; object_key: string; record_id: string }[]> {
  if (threadIds.length === 0) return [];
  const { rows } = await sql<{ thread_id: string; object_key: string; record_id: string }>`
    select distinct m.thread_id, l.object_key, l.record_id
    from email_messages m
    join email_links l on l.workspace_id = m.workspace_id and l.message_id = m.id
    where m.workspace_id = ${workspaceId} and m.thread_id = any(${threadIds}::uuid[]) and l.how <> 'suggested'`.execute(
    raw(trx),
  );
  return rows;
}

/**
 * Threading's last resort: the most recent thread with the subject key, some of the same participants and within
 * 7 days, leaving out the threads a batch already holds in memory (their stored state is stale).
 */
export async function selectThreadBySubjectExcept(
  trx: Tx,
  workspaceId: string,
  subjectKey: string,
  participants: string[],
  at: Date,
  except: string[],
): Promise<ThreadStateRow | undefined> {
  const { rows } = await sql<ThreadStateRow>`
    select id as thread_id, first_at, last_at, participants, subject_key, message_count from email_threads
    where workspace_id = ${workspaceId} and subject_key = ${subjectKey}
      and last_at > ${at}::timestamptz - interval '7 days' and first_at < ${at}::timestamptz + interval '7 days'
      and participants && ${participants}::text[] and not (id = any(${except}::uuid[]))
    order by last_at desc limit 1`.execute(raw(trx));
  return rows[0];
}

/** New threads with their numbers already counted. */
export async function insertThreads(
  trx: Tx,
  workspaceId: string,
  threads: {
    id: string;
    subject: string;
    subjectKey: string;
    firstAt: Date;
    lastAt: Date;
    count: number;
    participants: string[];
  }[],
): Promise<void> {
  if (threads.length === 0) return;
  await sql`
    insert into email_threads (workspace_id, id, subject, subject_key, first_at, last_at, message_count, participants)
    select w.id, t.id, t.subject, t.subject_key, t.first_at, t.last_at, t.n,
           array(select distinct jsonb_array_elements_text(t.p))
    from workspaces w cross join unnest(${threads.map((t) => t.id)}::uuid[], ${threads.map((t) => t.subject)}::text[],
                ${threads.map((t) => t.subjectKey)}::text[],
                ${threads.map((t) => t.firstAt.toISOString())}::timestamptz[],
                ${threads.map((t) => t.lastAt.toISOString())}::timestamptz[], ${threads.map((t) => t.count)}::int[],
                ${threads.map((t) => JSON.stringify(t.participants))}::jsonb[])
         as t (id, subject, subject_key, first_at, last_at, n, p)
    where w.id = ${workspaceId}`.execute(raw(trx));
}

/**
 * Adds a batch's messages to stored threads, once per thread (cheaper than recounting; merges recount with
 * `refreshThread`): `subject` is that of the batch's earliest message, taken when it is earlier than the thread's
 * first (a parent arriving after its reply gives the thread its subject).
 */
export async function addToThreads(
  trx: Tx,
  workspaceId: string,
  deltas: {
    id: string;
    count: number;
    firstAt: Date;
    subject: string;
    lastAt: Date;
    participants: string[];
  }[],
): Promise<void> {
  if (deltas.length === 0) return;
  await sql`
    update email_threads t set message_count = t.message_count + s.n,
      subject = case when t.message_count = 0 or s.first_at < t.first_at then s.subject else t.subject end,
      first_at = least(t.first_at, s.first_at), last_at = greatest(t.last_at, s.last_at),
      participants = array(select distinct p from unnest(t.participants || s.participants) as p)
    from (
      select d.id, d.n, d.first_at, d.subject, d.last_at, array(select jsonb_array_elements_text(d.p)) as participants
      from unnest(${deltas.map((d) => d.id)}::uuid[], ${deltas.map((d) => d.count)}::int[],
                  ${deltas.map((d) => d.firstAt.toISOString())}::timestamptz[], ${deltas.map((d) => d.subject)}::text[],
                  ${deltas.map((d) => d.lastAt.toISOString())}::timestamptz[],
                  ${deltas.map((d) => JSON.stringify(d.participants))}::jsonb[])
           as d (id, n, first_at, subject, last_at, p)
    ) s
    where t.workspace_id = ${workspaceId} and t.id = s.id`.execute(raw(trx));
}

/**
 * Inserts messages with their references and addresses; returns the ids inserted (a Message-ID already stored,
 * by a concurrent sync, is left out).
 */
export async function insertMessages(
  trx: Tx,
  workspaceId: string,
  messages: NewMessage[],
): Promise<Set<string>> {
  if (messages.length === 0) return new Set();
  const column = <T>(pick: (m: NewMessage) => T) => messages.map(pick);
  const { rows } = await sql<{ id: string }>`
    insert into email_messages (workspace_id, id, message_id, synthesised, thread_id, subject, from_address, from_name,
      recipients, participants, sent_at, in_reply_to, refs, snippet, body_text, body_html, size, too_large,
      auto_reply, bounce, direction, sent_by_user_id, mailbox_id)
    select ${workspaceId}, m.id, m.message_id, m.synthesised, m.thread_id, m.subject, m.from_address, m.from_name,
      m.recipients, array(select jsonb_array_elements_text(m.participants)), m.sent_at, m.in_reply_to,
      array(select jsonb_array_elements_text(m.refs)), m.snippet, m.body_text, m.body_html, m.size, m.too_large,
      m.auto_reply, m.bounce, m.direction, m.sent_by_user_id, m.mailbox_id
    from unnest(${column((m) => m.id)}::uuid[], ${column((m) => m.messageId)}::text[],
                ${column((m) => m.synthesised)}::boolean[], ${column((m) => m.threadId)}::uuid[],
                ${column((m) => m.subject)}::text[], ${column((m) => m.fromAddress)}::text[],
                ${column((m) => m.fromName)}::text[], ${column((m) => JSON.stringify(m.recipients))}::jsonb[],
                ${column((m) => JSON.stringify(m.participants))}::jsonb[],
                ${column((m) => m.sentAt.toISOString())}::timestamptz[], ${column((m) => m.inReplyTo)}::text[],
                ${column((m) => JSON.stringify(m.refs))}::jsonb[], ${column((m) => m.snippet)}::text[],
                ${column((m) => m.bodyText)}::text[], ${column((m) => m.bodyHtml)}::text[],
                ${column((m) => m.size)}::int[], ${column((m) => m.tooLarge)}::boolean[],
                ${column((m) => m.autoReply)}::boolean[],
                ${column((m) => (m.bounce === undefined ? null : JSON.stringify(m.bounce)))}::jsonb[],
                ${column((m) => m.direction)}::text[], ${column((m) => m.sentByUserId)}::uuid[],
                ${column((m) => m.mailboxId)}::uuid[])
         as m (id, message_id, synthesised, thread_id, subject, from_address, from_name, recipients, participants,
               sent_at, in_reply_to, refs, snippet, body_text, body_html, size, too_large, auto_reply, bounce,
               direction, sent_by_user_id, mailbox_id)
    on conflict (workspace_id, message_id) do nothing
    returning id`.execute(raw(trx));
  const inserted = new Set(rows.map((r) => r.id));
  const stored = messages.filter((m) => inserted.has(m.id));
  const addresses = stored.flatMap((m) => m.participants.map((a) => ({ a, m })));
  if (addresses.length > 0)
    await sql`
      insert into email_message_addresses (workspace_id, address, message_id, sent_at)
      select ${workspaceId}, x.a, x.m, x.s
      from unnest(${addresses.map((x) => x.a)}::text[], ${addresses.map((x) => x.m.id)}::uuid[],
                  ${addresses.map((x) => x.m.sentAt.toISOString())}::timestamptz[]) as x (a, m, s)
      on conflict do nothing`.execute(raw(trx));
  const refs = stored.flatMap((m) => m.refs.map((r) => ({ r, id: m.id })));
  if (refs.length > 0)
    await sql`
      insert into email_message_refs (workspace_id, ref, message_id)
      select ${workspaceId}, x.r, x.m
      from unnest(${refs.map((x) => x.r)}::text[], ${refs.map((x) => x.id)}::uuid[]) as x (r, m)
      on conflict do nothing`.execute(raw(trx));
  return inserted;
}

export async function insertLocations(
  trx: Tx,
  workspaceId: string,
  locations: { mailboxId: string; folder: string; uidValidity: string; uid: string; messageId: string }[],
): Promise<void> {
  if (locations.length === 0) return;
  await sql`
    insert into email_locations (workspace_id, mailbox_id, folder, uid_validity, uid, message_id)
    select ${workspaceId}, l.b, l.f, l.v, l.u, l.m
    from unnest(${locations.map((l) => l.mailboxId)}::uuid[], ${locations.map((l) => l.folder)}::text[],
                ${locations.map((l) => l.uidValidity)}::bigint[], ${locations.map((l) => l.uid)}::bigint[],
                ${locations.map((l) => l.messageId)}::uuid[]) as l (b, f, v, u, m)
    on conflict do nothing`.execute(raw(trx));
}

/** Attachments of many messages; their contents stored once by SHA-256 (`email_blobs`). */
export async function insertAttachments(
  trx: Tx,
  workspaceId: string,
  attachments: {
    messageId: string;
    position: number;
    filename: string;
    contentType: string;
    size: number;
    sha256: string | null;
    contentId: string | null;
    inline: boolean;
    content: Buffer | null;
  }[],
): Promise<void> {
  if (attachments.length === 0) return;
  const blobs = new Map<string, Buffer>();
  for (const a of attachments)
    if (a.sha256 && a.content && a.content.length > 0) blobs.set(a.sha256, a.content);
  if (blobs.size > 0)
    await sql`
      insert into email_blobs (workspace_id, sha256, size, content)
      select ${workspaceId}, b.h, length(b.c), b.c
      from unnest(${[...blobs.keys()]}::text[], ${[...blobs.values()]}::bytea[]) as b (h, c)
      on conflict do nothing`.execute(raw(trx));
  const stored = (a: (typeof attachments)[number]) => (a.content && a.content.length > 0 ? a.sha256 : null);
  await sql`
    insert into email_attachments (workspace_id, message_id, position, filename, content_type, size, sha256,
                                   content_id, inline)
    select ${workspaceId}, a.m, a.p, a.f, a.t, a.s, a.h, a.c, a.i
    from unnest(${attachments.map((a) => a.messageId)}::uuid[], ${attachments.map((a) => a.position)}::int[],
                ${attachments.map((a) => a.filename)}::text[], ${attachments.map((a) => a.contentType)}::text[],
                ${attachments.map((a) => a.size)}::int[], ${attachments.map(stored)}::text[],
                ${attachments.map((a) => a.contentId)}::text[], ${attachments.map((a) => a.inline)}::boolean[])
         as a (m, p, f, t, s, h, c, i)
    on conflict do nothing`.execute(raw(trx));
}

/**
 * Moves the delivery reports that arrived before these messages onto them, once they are stored (their Message-IDs
 * locked in one order, so syncs never deadlock).
 */
export async function claimEarlyEventsOf(
  trx: Tx,
  workspaceId: string,
  messages: { messageId: string; id: string }[],
): Promise<void> {
  if (messages.length === 0) return;
  const keys = [...new Set(messages.map((m) => `${workspaceId}/${m.messageId}`))].sort();
  await sql`
    select pg_advisory_xact_lock(h) from (select hashtextextended(k, 0) as h from unnest(${keys}::text[]) as k
    order by 1) x`.execute(raw(trx));
  // Taken, then written as events by Message-ID: two statements, each of which a cluster runs on the workspace's
  // shard (a data-modifying `with` feeding an insert makes it copy the rows in, which row-level security refuses).
  const { rows: claimed } = await sql<{
    message_id: string;
    kind: NewEvent['kind'];
    at: Date;
    detail: NewEvent['detail'];
  }>`
    delete from email_early_events e
    where e.workspace_id = ${workspaceId} and e.message_id = any(${messages.map((m) => m.messageId)}::text[])
    returning e.message_id, e.kind, e.at, e.detail`.execute(raw(trx));
  await insertEventsByMessageId(
    trx,
    workspaceId,
    claimed.map((c) => ({
      messageId: c.message_id,
      kind: c.kind,
      at: c.at,
      machine: false,
      detail: c.detail,
    })),
  );
}

/**
 * A batch's links as its store worked them out: one already written in the same transaction (a person created for
 * a sender links the mail stored before it) takes the batch's `how`.
 */
export async function upsertLinks(
  trx: Tx,
  workspaceId: string,
  links: Parameters<typeof insertLinks>[2],
): Promise<void> {
  await writeLinks(trx, workspaceId, links, sql`excluded.how`);
}
