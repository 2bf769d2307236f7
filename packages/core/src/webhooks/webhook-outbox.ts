import { type QueryExecutorProvider, type RawBuilder, sql } from 'kysely';
import type { RecordEvent } from '../events/events.service.ts';
import { newId } from '../ids.ts';

/** What a subscription may listen to. */
export const WEBHOOK_EVENTS = ['created', 'updated', 'deleted', 'restored'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The ids of the workspace's webhooks subscribed to this event, as one SQL expression (a uuid[]). */
export function matchingWebhooks(event: RecordEvent): RawBuilder<string[]> {
  return sql<string[]>`array(
    select w.id from webhooks w
    where w.workspace_id = ${event.workspaceId}
      and (${event.object} = any(w.objects) or '*' = any(w.objects))
      and ${event.action} = any(w.events)
    order by w.id)`;
}

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

/**
 * Writes one pending delivery per subscribed webhook in the caller's transaction (so nothing is sent for a
 * write that rolls back) and asks the job worker to run once the transaction commits.
 */
export async function enqueueDeliveries(
  executor: QueryExecutorProvider,
  event: RecordEvent,
  webhookIds: string[],
): Promise<void> {
  if (webhookIds.length === 0) return;
  const createdAt = new Date().toISOString();
  const rows = webhookIds.map((webhookId) => {
    const id = newId();
    const body: WebhookBody = {
      id,
      type: `${event.object}.${event.action}`,
      createdAt,
      workspaceId: event.workspaceId,
      data: { object: event.object, id: event.recordId, action: event.action, changes: event.changes ?? {} },
    };
    return sql`(${event.workspaceId}, ${id}, ${webhookId}, ${body.type}, ${event.object}, ${event.recordId}, ${JSON.stringify(body)}::jsonb)`;
  });
  await sql`
    insert into webhook_deliveries (workspace_id, id, webhook_id, event, object_key, record_id, payload)
    values ${sql.join(rows)}`.execute(executor);
  await sql`select rabita_kick_webhooks()`.execute(executor);
}
