import { type QueryExecutorProvider, sql } from 'kysely';
import { notifyAssignees } from '../notifications/notifications.service.ts';
import { enqueueDeliveries, matchingWebhooks } from '../webhooks/webhook-outbox.ts';

/** The PostgreSQL channel every app instance listens on; payloads are `RecordEvent` JSON. */
export const EVENTS_CHANNEL = 'rabita_events';

/** One change to one record, as streamed to browsers and sent to webhooks. */
export interface RecordEvent {
  workspaceId: string;
  object: string;
  recordId: string;
  action: 'created' | 'updated' | 'deleted' | 'restored';
  /** Old and new value per changed field (absent for deletes and restores). */
  changes?: Record<string, { from: unknown; to: unknown }>;
  actorUserId: string | null;
  /** The record's owner, so streams of "own records only" readers carry only their own records. */
  ownerId?: string | null;
  source: string;
  at: string;
}

// NOTIFY payloads are capped at 8,000 bytes; the stream carries only what a screen needs to refresh,
// and a receiver that wants the values reads the record or its timeline.
const MAX_NOTIFY_BYTES = 7_000;

/** The event as sent over NOTIFY: the changed field names, never values (they may be hidden from some readers). */
export function notifyPayload(event: RecordEvent): string {
  const slim = {
    workspaceId: event.workspaceId,
    object: event.object,
    recordId: event.recordId,
    action: event.action,
    fields: Object.keys(event.changes ?? {}),
    ownerId: event.ownerId ?? null,
    actorUserId: event.actorUserId,
    source: event.source,
    at: event.at,
  };
  const text = JSON.stringify(slim);
  return Buffer.byteLength(text) <= MAX_NOTIFY_BYTES ? text : JSON.stringify({ ...slim, fields: [] });
}

/**
 * Publishes a record change inside the writing transaction: NOTIFY is delivered only when it commits, and
 * each subscribed webhook gets a pending delivery row in the same transaction (an outbox), so nothing is
 * announced for a write that rolls back.
 */
export async function publishRecordEvent(executor: QueryExecutorProvider, event: RecordEvent): Promise<void> {
  const { rows } = await sql<{ ids: string[] }>`
    select pg_notify(${EVENTS_CHANNEL}, ${notifyPayload(event)}), ${matchingWebhooks(event)} as ids`.execute(
    executor,
  );
  await enqueueDeliveries(executor, event, rows[0]?.ids ?? []);
  await notifyAssignees(executor, event);
}
