import { Readable } from 'node:stream';
import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { stringify } from 'csv-stringify';
import { type Kysely, sql } from 'kysely';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { neutraliseCell } from '../exports/cells.ts';
import { isUuid } from '../ids.ts';
import {
  type AuditEventRow,
  type AuditQuery,
  insertAuditEvent,
  selectAuditEvents,
} from './audit.repository.ts';

/** The kinds of security event the log keeps (filter by these). */
export const SECURITY_EVENT_KINDS = [
  'auth.signed_in',
  'auth.sign_in_failed',
  'auth.signed_out',
  'auth.password_changed',
  'auth.mfa_enabled',
  'auth.mfa_disabled',
  'auth.passkey_added',
  'auth.passkey_removed',
  'member.invited',
  'member.joined',
  'member.role_changed',
  'member.removed',
  'invitation.revoked',
  'role.created',
  'role.updated',
  'api_key.created',
  'api_key.revoked',
  'workspace.updated',
  'records.exported',
  'import.started',
  'import.finished',
] as const;
export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/** A security event to record. */
export interface SecurityEvent {
  workspaceId: string;
  kind: SecurityEventKind;
  /** The person who acted (null for an API key, or nobody known, as for a failed sign-in of an unknown caller). */
  actorUserId?: string | null | undefined;
  actorApiKeyId?: string | null | undefined;
  /** What it was about: a member's user id, a role key, an API key id, an object key, an import id. */
  subject?: string | null | undefined;
  /** Anything else worth keeping (never a secret): the role granted, the fields changed, a failure's reason. */
  details?: Record<string, unknown> | undefined;
  ip?: string | null | undefined;
  userAgent?: string | null | undefined;
}

/**
 * Records a security event. Given a transaction (already in the event's workspace), the event commits or rolls
 * back with the change it describes; given the database, it is written in a transaction of its own.
 */
export async function recordSecurityEvent(executor: Database | Tx, event: SecurityEvent): Promise<void> {
  const row = {
    workspaceId: event.workspaceId,
    kind: event.kind,
    actorUserId: event.actorUserId ?? null,
    actorApiKeyId: event.actorApiKeyId ?? null,
    subject: event.subject?.slice(0, 300) ?? null,
    details: event.details ?? {},
    ip: event.ip?.slice(0, 100) ?? null,
    userAgent: event.userAgent?.slice(0, 500) ?? null,
  };
  if (executor.isTransaction) return insertAuditEvent(executor as Tx, row);
  await withWorkspace(executor as Database, event.workspaceId, (trx) => insertAuditEvent(trx, row));
}

/**
 * Records a security event about a person in every workspace they belong to (a failed sign-in to their account,
 * a changed password, MFA turned on or off: things that happen before or outside any one workspace).
 */
export async function recordSecurityEventForUser(
  db: Database,
  userId: string,
  event: Omit<SecurityEvent, 'workspaceId'>,
): Promise<void> {
  const { rows } = await sql<{ workspace_id: string }>`
    select workspace_id from rabita_user_memberships(${userId})`.execute(
    db.withoutPlugins() as unknown as Kysely<unknown>,
  );
  for (const { workspace_id } of rows) await recordSecurityEvent(db, { ...event, workspaceId: workspace_id });
}

/** The actor and origin of an event a caller causes: their workspace, who they are, where they called from. */
export function actorOf(
  ctx: ServiceContext,
): Pick<SecurityEvent, 'workspaceId' | 'actorUserId' | 'actorApiKeyId' | 'ip' | 'userAgent'> {
  return {
    workspaceId: ctx.principal.workspaceId,
    actorUserId: ctx.principal.userId,
    actorApiKeyId: ctx.principal.apiKeyId,
    ip: ctx.origin?.ip ?? null,
    userAgent: ctx.origin?.userAgent ?? null,
  };
}

/** A security event as the API shows it. */
export interface SecurityEventView {
  id: string;
  at: string;
  kind: string;
  actor: { userId: string | null; apiKeyId: string | null; name: string | null; email: string | null };
  subject: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
}

function present(row: AuditEventRow): SecurityEventView {
  return {
    id: row.id,
    at: row.at.toISOString(),
    kind: row.kind,
    actor: {
      userId: row.actor_user_id,
      apiKeyId: row.actor_api_key_id,
      name: row.actor_name,
      email: row.actor_email,
    },
    subject: row.subject,
    details: row.details,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

export interface SecurityEventFilter {
  kinds?: readonly string[] | undefined;
  actorUserId?: string | undefined;
  actorApiKeyId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

function query(filter: SecurityEventFilter, cursor: string | undefined, limit: number): AuditQuery {
  if (cursor !== undefined && !isUuid(cursor))
    throw new AppError('validation_failed', 'The cursor is not one this list gave.', {
      errors: [{ field: 'cursor', message: 'Unknown cursor.' }],
    });
  if (filter.from && filter.to && filter.from >= filter.to)
    throw new AppError('validation_failed', '`from` must be before `to`.', {
      errors: [{ field: 'from', message: 'Must be before to.' }],
    });
  return { ...filter, before: cursor, limit };
}

/** One page of the workspace's security events, newest first, with the cursor of the next page. */
export async function listSecurityEvents(
  { db, principal }: ServiceContext,
  filter: SecurityEventFilter,
  page: { cursor?: string | undefined; limit: number },
): Promise<{ data: SecurityEventView[]; nextCursor: string | null }> {
  const rows = await withWorkspace(db, principal.workspaceId, (trx) =>
    selectAuditEvents(trx, principal.workspaceId, query(filter, page.cursor, page.limit + 1)),
  );
  const data = rows.slice(0, page.limit).map(present);
  return { data, nextCursor: rows.length > page.limit ? data[data.length - 1]!.id : null };
}

const CSV_COLUMNS = [
  'at',
  'kind',
  'actor',
  'actor_email',
  'api_key',
  'subject',
  'ip',
  'user_agent',
  'details',
];

/**
 * Every security event matching the filter as CSV, newest first, streamed a page at a time; cells a spreadsheet
 * would run as a formula are neutralised.
 */
export function securityEventsCsv({ db, principal }: ServiceContext, filter: SecurityEventFilter) {
  query(filter, undefined, 1);
  async function* lines() {
    yield CSV_COLUMNS;
    let before: string | undefined;
    for (;;) {
      const rows = await withWorkspace(db, principal.workspaceId, (trx) =>
        selectAuditEvents(trx, principal.workspaceId, { ...filter, before, limit: 1000 }),
      );
      for (const r of rows)
        yield [
          r.at.toISOString(),
          r.kind,
          r.actor_name ?? '',
          r.actor_email ?? '',
          r.actor_api_key_id ?? '',
          r.subject ?? '',
          r.ip ?? '',
          r.user_agent ?? '',
          JSON.stringify(r.details),
        ].map(neutraliseCell);
      if (rows.length < 1000) return;
      before = rows[rows.length - 1]!.id;
    }
  }
  return Readable.from(lines()).pipe(stringify({ bom: true }));
}
