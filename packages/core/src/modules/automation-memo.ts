import { type Tx, transactionWorkspaceSettings } from '@rabita/db';

/**
 * Keeps, per process, what a workspace's writes consult on every record event and what rarely changes (its
 * active workflows, its webhooks, its lead scoring rules), checked against the workspace's automation version read
 * when the transaction opened: whoever changes any of them bumps it in the same transaction
 * (`bumpAutomationVersion`), so every instance reads again on its next transaction. A transaction that changed them
 * itself, or whose client did not read the version at open, always reads and keeps nothing.
 */
export function automationMemo<T>(
  read: (trx: Tx, workspaceId: string) => Promise<T>,
  limit = 2_000,
): (trx: Tx, workspaceId: string) => Promise<T> {
  const kept = new Map<string, { version: string; value: T }>();
  return async (trx, workspaceId) => {
    const version = transactionWorkspaceSettings(workspaceId)?.automationVersion;
    const hit = version === undefined ? undefined : kept.get(workspaceId);
    if (hit && hit.version === version) return hit.value;
    const value = await read(trx, workspaceId);
    if (version !== undefined) {
      kept.delete(workspaceId);
      if (kept.size >= limit) kept.delete(kept.keys().next().value!);
      kept.set(workspaceId, { version, value });
    }
    return value;
  };
}
