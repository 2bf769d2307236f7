import type { Database, Tx } from '@rabita/db';
import { type Kysely, sql } from 'kysely';
import { newId } from '../ids.ts';

// The audit log's SQL. Its table belongs to this module's migration, so it is written by column name without the
// generated types (executor first, as every repository).

/** One stored security event. */
export interface AuditEventRow {
  id: string;
  at: Date;
  kind: string;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  actor_name: string | null;
  actor_email: string | null;
  subject: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  user_agent: string | null;
}

export interface NewAuditEvent {
  workspaceId: string;
  kind: string;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  subject: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
}

const raw = (executor: Database | Tx) => executor.withoutPlugins() as unknown as Kysely<unknown>;

/** Appends one event (inside the caller's workspace transaction). */
export async function insertAuditEvent(trx: Tx, event: NewAuditEvent): Promise<void> {
  await sql`
    insert into audit_events (workspace_id, id, kind, actor_user_id, actor_api_key_id, subject, details, ip, user_agent)
    values (${event.workspaceId}, ${newId()}, ${event.kind}, ${event.actorUserId}, ${event.actorApiKeyId},
            ${event.subject}, ${JSON.stringify(event.details)}::jsonb, ${event.ip}, ${event.userAgent})`.execute(
    raw(trx),
  );
}

export interface AuditQuery {
  kinds?: readonly string[] | undefined;
  actorUserId?: string | undefined;
  actorApiKeyId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Only events older than this id (the keyset cursor). */
  before?: string | undefined;
  limit: number;
}

/** Events newest first, by id (UUIDv7: time order), with the actor's name and email when a person acted. */
export async function selectAuditEvents(
  trx: Tx,
  workspaceId: string,
  q: AuditQuery,
): Promise<AuditEventRow[]> {
  const { rows } = await sql<AuditEventRow>`
    select e.id, e.at, e.kind, e.actor_user_id, e.actor_api_key_id, u.name as actor_name, u.email as actor_email,
           e.subject, e.details, e.ip, e.user_agent
    from audit_events e left join users u on u.id = e.actor_user_id
    where e.workspace_id = ${workspaceId}
      ${q.kinds && q.kinds.length > 0 ? sql`and e.kind = any(${q.kinds as string[]}::text[])` : sql``}
      ${q.actorUserId ? sql`and e.actor_user_id = ${q.actorUserId}` : sql``}
      ${q.actorApiKeyId ? sql`and e.actor_api_key_id = ${q.actorApiKeyId}` : sql``}
      ${q.from ? sql`and e.at >= ${q.from}` : sql``}
      ${q.to ? sql`and e.at < ${q.to}` : sql``}
      ${q.before ? sql`and e.id < ${q.before}` : sql``}
    order by e.id desc
    limit ${q.limit}`.execute(raw(trx));
  return rows;
}
