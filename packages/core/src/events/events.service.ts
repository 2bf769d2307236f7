import { afterCommit, databaseOf, type Tx } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';
import { registry } from '../modules/registry.ts';
import type { RecordEvent } from './record-event.ts';

/** The PostgreSQL channel every app instance listens on; payloads are `notifyPayload` JSON. */
export const EVENTS_CHANNEL = 'rabita_events';

// NOTIFY payloads are capped at 8,000 bytes; the stream carries only what a screen needs to refresh,
// and a receiver that wants the values reads the record or its timeline.
const MAX_NOTIFY_BYTES = 7_000;

/** The event as sent over NOTIFY: the changed field names, never values (they may be hidden from some readers). */
export function notifyPayload(event: RecordEvent): string {
  const slim = {
    workspaceId: event.workspaceId,
    object: event.object,
    recordId: event.recordId,
    action: event.kind,
    fields: Object.keys(event.changes),
    ownerId: event.ownerId,
    actorUserId: event.actor.userId,
    source: event.source,
    at: event.at,
  };
  const text = JSON.stringify(slim);
  return Buffer.byteLength(text) <= MAX_NOTIFY_BYTES ? text : JSON.stringify({ ...slim, fields: [] });
}

/**
 * The statement that sends events over NOTIFY (they reach the listeners when the writing transaction commits), for
 * a writer that sends it with its own statements (`publishRecordEvents` with `notified`) to save a round trip.
 */
export function notifyEventsQuery(events: readonly RecordEvent[]): RawBuilder<unknown> {
  return sql`select count(pg_notify(${EVENTS_CHANNEL}, p)) from unnest(${events.map(notifyPayload)}::text[]) as p`;
}

/**
 * Publishes the events of one write (one record, or every record of a bulk write) inside the writing
 * transaction: NOTIFY reaches event streams only when it commits, each `transaction` subscriber runs now (an
 * outbox row rolls back with the write), and each `afterCommit` subscriber is run once the write has committed.
 */
export async function publishRecordEvents(
  trx: Tx,
  workspaceId: string,
  events: readonly RecordEvent[],
  options: { notified?: boolean } = {},
): Promise<void> {
  if (events.length === 0) return;
  const db = databaseOf(trx);
  const ctx = { db, trx, workspaceId };
  if (!options.notified) await notifyEventsQuery(events).execute(trx.withoutPlugins());
  for (const subscriber of registry().subscribers) {
    const wanted = events.filter(
      (e) =>
        (!subscriber.objects || subscriber.objects.includes(e.object)) &&
        (!subscriber.kinds || subscriber.kinds.includes(e.kind)),
    );
    if (wanted.length === 0) continue;
    if (subscriber.phase === 'transaction') {
      await subscriber.handle({ db: ctx.db, trx: ctx.trx, workspaceId: ctx.workspaceId }, wanted);
    } else {
      afterCommit(ctx.trx, () => subscriber.handle({ db: ctx.db, workspaceId: ctx.workspaceId }, wanted));
    }
  }
}
