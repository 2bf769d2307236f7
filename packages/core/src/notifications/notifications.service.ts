import { withWorkspace } from '@rabita/db';
import { type QueryExecutorProvider, sql } from 'kysely';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import type { RecordEvent } from '../events/record-event.ts';
import { newId } from '../ids.ts';
import { loadObjects } from '../metadata/metadata.service.ts';
import { ruleFor } from '../records/access.ts';
import { readTitles } from '../records/gate.ts';
import { workspaceSettings } from '../records/scope.ts';

/** The person-valued fields whose new value is told to that person. */
const ASSIGNING_FIELDS: Record<string, string> = { owner: 'assigned', assignee: 'task_assigned' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NotificationView {
  id: string;
  kind: string;
  object: string;
  recordId: string;
  /** The record's current title as the reader may see it; null once the record is gone or its title is hidden. */
  title: string | null;
  actor: { userId: string | null; name: string | null };
  createdAt: string;
  readAt: string | null;
}

/**
 * Writes, in the writing transaction, a notification for each person a change assigns something to (a record's
 * owner, a task's assignee), unless they made the change themselves, and announces it to their open streams.
 */
export async function notifyAssignees(executor: QueryExecutorProvider, event: RecordEvent): Promise<void> {
  if (event.kind !== 'created' && event.kind !== 'updated') return;
  for (const [field, kind] of Object.entries(ASSIGNING_FIELDS)) {
    const to = event.changes[field]?.to;
    if (typeof to !== 'string' || !UUID.test(to) || to === event.actor.userId) continue;
    const id = newId();
    // Only members of the workspace are told (a stale id from an import is skipped).
    const { rows } = await sql<{ id: string }>`
      insert into notifications (workspace_id, id, user_id, kind, object_key, record_id, actor_user_id)
      select ${event.workspaceId}, ${id}, m.user_id, ${kind}, ${event.object}, ${event.recordId}, ${event.actor.userId}
      from memberships m where m.workspace_id = ${event.workspaceId} and m.user_id = ${to}
      returning id`.execute(executor);
    if (rows.length === 0) continue;
    await sql`select pg_notify('rabita_events', ${JSON.stringify({
      type: 'notification',
      workspaceId: event.workspaceId,
      userId: to,
      id,
      object: event.object,
      recordId: event.recordId,
      kind,
      at: event.at,
    })})`.execute(executor);
  }
}

/** The caller's notifications, newest first, by keyset cursor; only for objects their role may read. */
export async function listNotifications(
  { db, principal }: ServiceContext,
  options: { unread?: boolean | undefined; limit?: number | undefined; cursor?: string | undefined },
): Promise<{ data: NotificationView[]; nextCursor: string | null; unreadCount: number }> {
  if (!principal.userId)
    throw new AppError('forbidden', 'Notifications belong to people; an API key has none.');
  if (options.cursor !== undefined && !UUID.test(options.cursor))
    throw new AppError('validation_failed', 'The cursor is not one this API gave out.', {
      errors: [{ field: 'cursor', message: 'Unknown cursor.' }],
    });
  const limit = Math.min(options.limit ?? 30, 100);
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const { rows } = await sql<{
      id: string;
      kind: string;
      objectKey: string;
      recordId: string;
      actorUserId: string | null;
      actorName: string | null;
      createdAt: Date;
      readAt: Date | null;
    }>`
      select n.id, n.kind, n.object_key, n.record_id, n.actor_user_id, u.name as actor_name,
             n.created_at, n.read_at
      from notifications n
      left join users u on u.id = n.actor_user_id
      where n.workspace_id = ${principal.workspaceId} and n.user_id = ${principal.userId}
        ${options.unread ? sql`and n.read_at is null` : sql``}
        ${options.cursor ? sql`and n.id < ${options.cursor}` : sql``}
      order by n.id desc limit ${limit + 1}`.execute(trx);
    const { rows: counts } = await sql<{ count: string }>`
      select count(*) from notifications
      where workspace_id = ${principal.workspaceId} and user_id = ${principal.userId} and read_at is null`.execute(
      trx,
    );
    const page = rows.slice(0, limit);
    // Titles through the record engine's gate: only what the caller's role shows of each record.
    const { metadataVersion } = await workspaceSettings(trx, principal.workspaceId);
    const objects = await loadObjects(trx, principal.workspaceId, metadataVersion);
    const titles = new Map<string, string | null>();
    for (const object of objects) {
      const ids = page.filter((r) => r.objectKey === object.key).map((r) => r.recordId);
      if (ids.length === 0) continue;
      for (const [id, title] of await readTitles(trx, principal, object, ids))
        titles.set(`${object.key}:${id}`, title);
    }
    return {
      data: page
        // A notification about something a module keeps (`module:thing`, never an object's key) is its person's
        // own: no object rule applies, and it has no title through the gate.
        .filter((r) => r.objectKey.includes(':') || ruleFor(principal, r.objectKey).read)
        .map((r) => ({
          id: r.id,
          kind: r.kind,
          object: r.objectKey,
          recordId: r.recordId,
          title: titles.get(`${r.objectKey}:${r.recordId}`) ?? null,
          actor: { userId: r.actorUserId, name: r.actorName },
          createdAt: r.createdAt.toISOString(),
          readAt: r.readAt?.toISOString() ?? null,
        })),
      nextCursor: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
      unreadCount: Number(counts[0]?.count ?? 0),
    };
  });
}

/** Marks one of the caller's notifications read (or all of them when `id` is absent). */
export async function markNotificationsRead({ db, principal }: ServiceContext, id?: string): Promise<void> {
  if (!principal.userId)
    throw new AppError('forbidden', 'Notifications belong to people; an API key has none.');
  if (id !== undefined && !UUID.test(id)) throw new AppError('not_found', `There is no notification ${id}.`);
  // Only unread ones are written (a read one keeps its time), then a notification already read is told from a missing
  // one. Not `read_at = coalesce(read_at, now())`: a Citus cluster refuses a stable function inside `coalesce` in an
  // update of a distributed table ("non-IMMUTABLE functions are not allowed in CASE or COALESCE statements").
  await withWorkspace(db, principal.workspaceId, async (trx) => {
    const { numAffectedRows } = await sql`
      update notifications set read_at = now()
      where workspace_id = ${principal.workspaceId} and user_id = ${principal.userId}
        ${id ? sql`and id = ${id}` : sql``} and read_at is null`.execute(trx);
    if (!id || Number(numAffectedRows ?? 0) > 0) return;
    const { rows } = await sql`
      select 1 from notifications
      where workspace_id = ${principal.workspaceId} and user_id = ${principal.userId} and id = ${id}`.execute(
      trx,
    );
    if (rows.length === 0) throw new AppError('not_found', `There is no notification ${id}.`);
  });
}

/**
 * Writes a notification of `kind` about a record for one member (a workflow's notify step), in the caller's
 * transaction, and announces it to their open streams; false when the user is not a member of the workspace.
 */
export async function notifyMember(
  executor: QueryExecutorProvider,
  n: {
    workspaceId: string;
    userId: string;
    kind: string;
    object: string;
    recordId: string;
    actorUserId: string | null;
  },
): Promise<boolean> {
  if (!UUID.test(n.userId)) return false;
  const id = newId();
  const { rows } = await sql<{ id: string }>`
    insert into notifications (workspace_id, id, user_id, kind, object_key, record_id, actor_user_id)
    select ${n.workspaceId}, ${id}, m.user_id, ${n.kind}, ${n.object}, ${n.recordId}, ${n.actorUserId}
    from memberships m where m.workspace_id = ${n.workspaceId} and m.user_id = ${n.userId}
    returning id`.execute(executor);
  if (rows.length === 0) return false;
  await sql`select pg_notify('rabita_events', ${JSON.stringify({
    type: 'notification',
    workspaceId: n.workspaceId,
    userId: n.userId,
    id,
    object: n.object,
    recordId: n.recordId,
    kind: n.kind,
    at: new Date().toISOString(),
  })})`.execute(executor);
  return true;
}
