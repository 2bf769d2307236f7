import { type Tx, withWorkspace } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { assertAllowed } from './access.ts';
import { findRow } from './find-row.ts';
import { project, visibility } from './gate.ts';
import { openScope } from './scope.ts';
import { updateRecordRow } from './write-rows.ts';
import { originOf, prepare, type WriteOrigin } from './write-steps.ts';

/** Changes some fields of a record; the audit trail keeps each field's old and new value. */
export async function updateRecord(
  { db, principal }: ServiceContext,
  objectKey: string,
  id: string,
  patch: unknown,
  origin?: WriteOrigin,
) {
  return withWorkspace(db, principal.workspaceId, (trx) =>
    updateRecordIn(trx, principal, objectKey, id, patch, origin),
  );
}

/**
 * Changes some fields of a record inside a workspace transaction the caller opened (a workflow step commits the
 * write with its checkpoint); the same checks, hooks and gate as `updateRecord`.
 */
export async function updateRecordIn(
  trx: Tx,
  principal: Principal,
  objectKey: string,
  id: string,
  patch: unknown,
  origin?: WriteOrigin,
) {
  const { source, cause } = originOf(principal, origin);
  const s = await openScope(trx, principal.workspaceId, objectKey);
  s.cause = cause;
  assertAllowed(principal, objectKey, 'update');
  const prepared = prepare(s, principal, patch, 'update', '');
  const current = await findRow(s, principal, id, { lock: true });
  const view = await updateRecordRow(s, principal, current, prepared, source);
  return project(s.object, view, visibility(principal, s.object));
}
