import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import type { ObjectDef } from '../metadata/metadata.types.ts';

/**
 * Removes every stored value of a custom field from an object's records, live and deleted alike — so a field
 * deleted and later re-created under the same key (perhaps as another type) starts empty instead of answering
 * with values that were never checked against its type. Records' `updated_at` is left alone: nothing a reader
 * could see changed.
 */
export async function purgeFieldValues(
  trx: Tx,
  workspaceId: string,
  object: ObjectDef,
  fieldKey: string,
): Promise<number> {
  const result = await sql`
    update ${sql.table(object.table)} set custom = custom - ${fieldKey}::text
    where workspace_id = ${workspaceId} ${object.id ? sql`and object_id = ${object.id}` : sql``}
      and custom ? ${fieldKey}::text`.execute(trx.withoutPlugins());
  return Number(result.numAffectedRows ?? 0);
}
