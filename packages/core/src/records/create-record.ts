import { type Tx, withWorkspace } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { assertAllowed } from './access.ts';
import { project, visibility } from './gate.ts';
import { openScope } from './scope.ts';
import { insertRecord } from './write-rows.ts';
import { originOf, prepare, type WriteOrigin } from './write-steps.ts';

/** Creates a record after checking permission and every field. */
export async function createRecord(
  { db, principal }: ServiceContext,
  objectKey: string,
  input: unknown,
  origin?: WriteOrigin,
) {
  return withWorkspace(db, principal.workspaceId, (trx) =>
    createRecordIn(trx, principal, objectKey, input, origin),
  );
}

/**
 * Creates a record inside a workspace transaction the caller opened (a workflow step commits the write with its
 * checkpoint); the same checks, hooks and gate as `createRecord`.
 */
export async function createRecordIn(
  trx: Tx,
  principal: Principal,
  objectKey: string,
  input: unknown,
  origin?: WriteOrigin,
) {
  const { source, cause } = originOf(principal, origin);
  const s = await openScope(trx, principal.workspaceId, objectKey);
  s.cause = cause;
  assertAllowed(principal, objectKey, 'create');
  const view = await insertRecord(s, principal, prepare(s, principal, input, 'create', ''), source);
  return project(s.object, view, visibility(principal, s.object));
}
