import { type QueryExecutorProvider, sql } from 'kysely';
import type { RecordEvent } from '../events/record-event.ts';
import { newId } from '../ids.ts';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import { automationMemo } from '../modules/automation-memo.ts';
import type { EventSubscriber } from '../modules/manifest.ts';
import { seesOwner, visibleChanges } from '../records/gate.ts';
import { workspaceObjects } from '../records/scope.ts';
import { parsePermissions } from '../roles/permissions.ts';

/** What a subscription may listen to. */
export const WEBHOOK_EVENTS = ['created', 'updated', 'deleted', 'restored'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The JSON body a receiver gets (signed at each attempt). `changes` holds old and new values by field. */
export interface WebhookBody {
  id: string;
  type: string;
  createdAt: string;
  workspaceId: string;
  data: {
    object: string;
    id: string;
    action: WebhookEvent;
    changes: Record<string, { from: unknown; to: unknown }>;
  };
}

interface Subscription {
  id: string;
  objects: string[];
  events: string[];
  createdBy: string | null;
  permissions: unknown;
}

const PER_STATEMENT = 1000;

/**
 * Writes one pending delivery per subscribed webhook and event in the writing transaction (so nothing is sent
 * for a write that rolls back), each payload made through the record engine's gate for the role the webhook
 * speaks with, and asks the job worker to run once the transaction commits.
 */
export async function enqueueDeliveries(
  executor: QueryExecutorProvider,
  workspaceId: string,
  events: readonly RecordEvent[],
  loadObjectDefs: () => Promise<readonly ObjectDef[]>,
): Promise<number> {
  const objectKeys = [...new Set(events.map((e) => e.object))];
  const kinds = [...new Set(events.map((e) => e.kind))];
  const { rows: subscriptions } = await sql<Subscription>`
    select w.id, w.objects, w.events, w.created_by as "createdBy", r.permissions
    from webhooks w
      left join roles r on r.workspace_id = w.workspace_id and r.id = w.role_id
    where w.workspace_id = ${workspaceId}
      and (w.objects && ${objectKeys}::text[] or '*' = any(w.objects)) and w.events && ${kinds}::text[]
    order by w.id`.execute(executor);
  if (subscriptions.length === 0) return 0;
  // The workspace's objects only when some webhook listens (most writes stop at the query above).
  const objects = await loadObjectDefs();
  const createdAt = new Date().toISOString();
  const rows = [];
  for (const webhook of subscriptions) {
    // A webhook whose role was deleted speaks for nobody: it sends nothing.
    if (!webhook.permissions) continue;
    const reader = {
      userId: webhook.createdBy,
      role: { permissions: parsePermissions(webhook.permissions) },
    };
    for (const event of events) {
      if (!webhook.events.includes(event.kind)) continue;
      if (!webhook.objects.includes('*') && !webhook.objects.includes(event.object)) continue;
      const object = objects.find((o) => o.key === event.object);
      if (!object) continue;
      if (!seesOwner(reader, object, event.ownerId)) continue;
      const id = newId();
      const body: WebhookBody = {
        id,
        type: `${event.object}.${event.kind}`,
        createdAt,
        workspaceId,
        data: {
          object: event.object,
          id: event.recordId,
          action: event.kind,
          changes: visibleChanges(reader, event.object, event.changes),
        },
      };
      rows.push(
        sql`(${workspaceId}, ${id}, ${webhook.id}, ${body.type}, ${event.object}, ${event.recordId}, ${JSON.stringify(body)}::jsonb)`,
      );
    }
  }
  if (rows.length === 0) return 0;
  for (let at = 0; at < rows.length; at += PER_STATEMENT) {
    await sql`
      insert into webhook_deliveries (workspace_id, id, webhook_id, event, object_key, record_id, payload)
      values ${sql.join(rows.slice(at, at + PER_STATEMENT))}`.execute(executor);
  }
  await sql`select rabita_kick_webhooks()`.execute(executor);
  return rows.length;
}

/**
 * What the workspace's webhooks listen to (objects and event kinds; most workspaces have none), kept per process
 * while the workspace's automation version holds: every change to a webhook bumps it.
 */
const listening = automationMemo(async (trx, workspaceId) => {
  const { rows } = await sql<{ objects: string[]; events: string[] }>`
    select objects, events from webhooks where workspace_id = ${workspaceId}`.execute(trx.withoutPlugins());
  return rows;
});

/** The webhooks module's subscriber: every record event becomes its subscriptions' pending deliveries. */
export const webhookOutbox: EventSubscriber = {
  name: 'webhook outbox',
  phase: 'transaction',
  async handle(ctx, events) {
    const trx = ctx.trx!;
    // A write no webhook listens to costs no statement.
    const listeners = await listening(trx, ctx.workspaceId);
    const heard = events.some((e) =>
      listeners.some(
        (l) => (l.objects.includes('*') || l.objects.includes(e.object)) && l.events.includes(e.kind),
      ),
    );
    if (!heard) return;
    await enqueueDeliveries(trx.withoutPlugins(), ctx.workspaceId, events, () =>
      workspaceObjects(trx, ctx.workspaceId),
    );
  },
};
