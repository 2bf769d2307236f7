import type { Tx } from '@rabita/db';
import type { ModuleEvent } from '../modules/manifest.ts';
import { registry } from '../modules/registry.ts';

/**
 * Announces a module event (a web form submitted, an email received) inside the transaction it happened in: every
 * module's listener runs now, so what they start (a workflow's run) commits or rolls back with it. The key must be
 * one a module declares, and the record's object the one it declares (any, for `*`).
 */
export async function announce(trx: Tx, workspaceId: string, event: ModuleEvent): Promise<void> {
  const def = registry().moduleEvents.get(event.key);
  if (!def) throw new Error(`No module declares the event "${event.key}".`);
  if (
    def.object === undefined
      ? event.record !== undefined
      : def.object !== '*' && event.record?.object !== def.object
  )
    throw new Error(
      `The event "${event.key}" is about ${def.object ?? 'no record'}, not ${event.record?.object}.`,
    );
  for (const listener of registry().moduleEventListeners) await listener.handle({ trx, workspaceId }, event);
}
