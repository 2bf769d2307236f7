import { withWorkspace } from '@rabita/db';
import type { ServiceContext } from '../context.ts';
import type { StoredRecord } from '../modules/manifest.ts';
import { assertAllowed } from './access.ts';
import { findRow } from './find-row.ts';
import { presentStored, project, visibility } from './gate.ts';
import { restoreRow, softDeleteRow } from './records.repository.ts';
import { openScope } from './scope.ts';
import { eventOf, hooksOf, originOf, recordChanges, type WriteOrigin, writeContext } from './write-steps.ts';

/** Soft-deletes a record (restorable). */
export async function deleteRecord(
  { db, principal }: ServiceContext,
  objectKey: string,
  id: string,
  origin?: WriteOrigin,
) {
  const { source, cause } = originOf(principal, origin);
  await withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    s.cause = cause;
    assertAllowed(principal, objectKey, 'delete');
    const current = await findRow(s, principal, id, { lock: true });
    const stored = presentStored(s.object, current) as StoredRecord;
    for (const hook of hooksOf(s)) await hook.beforeDelete?.(writeContext(s, principal), stored);
    await softDeleteRow(s.raw, s.object, s.workspaceId, id);
    await recordChanges(s, [eventOf(s, principal, id, 'deleted', {}, source, current.owner_id)], {
      unindex: [id],
    });
    for (const hook of hooksOf(s)) await hook.afterDelete?.(writeContext(s, principal), stored);
  });
}

/** Brings back a soft-deleted record. */
export async function restoreRecord(
  { db, principal }: ServiceContext,
  objectKey: string,
  id: string,
  origin?: WriteOrigin,
) {
  const { source, cause } = originOf(principal, origin);
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    s.cause = cause;
    assertAllowed(principal, objectKey, 'delete');
    await findRow(s, principal, id, { deleted: true, lock: true });
    const view = presentStored(s.object, await restoreRow(s.raw, s.object, s.workspaceId, id));
    await recordChanges(s, [eventOf(s, principal, id, 'restored', {}, source, view.owner)], {
      index: [view],
    });
    return project(s.object, view, visibility(principal, s.object));
  });
}
