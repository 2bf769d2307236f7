import { type Tx, withWorkspace } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { assertAllowed } from './access.ts';
import { type ExpandedRecord, expandRelationsIn } from './expand-relations.ts';
import { findRow } from './find-row.ts';
import { present, type RecordView, visibility } from './gate.ts';
import { openScope } from './scope.ts';

/** One record by id; another workspace's id, or a deleted record, is not found. */
export function getRecord(
  { db, principal }: ServiceContext,
  objectKey: string,
  id: string,
  fields?: string[],
): Promise<RecordView> {
  return withWorkspace(db, principal.workspaceId, (trx) => readOne(trx, principal, objectKey, id, fields));
}

/** `getRecord` with the relations asked for expanded (`expandRelationsIn`), in the same transaction. */
export function getRecordExpanded(
  { db, principal }: ServiceContext,
  objectKey: string,
  id: string,
  fields: string[] | undefined,
  expand: string[] | undefined,
): Promise<ExpandedRecord> {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const record = await readOne(trx, principal, objectKey, id, fields);
    return (await expandRelationsIn(trx, principal, objectKey, [record], expand))[0]!;
  });
}

async function readOne(
  trx: Tx,
  principal: Principal,
  objectKey: string,
  id: string,
  fields: string[] | undefined,
): Promise<RecordView> {
  const s = await openScope(trx, principal.workspaceId, objectKey);
  assertAllowed(principal, objectKey, 'read');
  return present(s.object, await findRow(s, principal, id), visibility(principal, s.object, fields));
}
