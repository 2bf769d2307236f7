import { withWorkspace } from '@rabita/db';
import type { ServiceContext } from '../context.ts';
import { assertAllowed } from './access.ts';
import { findRow } from './find-row.ts';
import { present, visibility } from './gate.ts';
import { openScope } from './scope.ts';

/** One record by id; another workspace's id, or a deleted record, is not found. */
export async function getRecord(
  { db, principal }: ServiceContext,
  objectKey: string,
  id: string,
  fields?: string[],
) {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    assertAllowed(principal, objectKey, 'read');
    return present(s.object, await findRow(s, principal, id), visibility(principal, s.object, fields));
  });
}
