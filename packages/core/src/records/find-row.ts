import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import { selectRowById } from './records.repository.ts';
import { ownerCondition, type Scope } from './scope.ts';

/**
 * The stored row of one record of the scope's object that the caller may see (a deleted one when asked), locked
 * for update when asked; not found otherwise.
 */
export async function findRow(
  s: Scope,
  principal: Principal,
  id: string,
  options: { deleted?: boolean; lock?: boolean } = {},
): Promise<Record<string, unknown>> {
  const row = isUuid(id)
    ? await selectRowById(s.raw, s.object, s.workspaceId, id, {
        ownerCondition: ownerCondition(principal, s.object),
        deleted: options.deleted,
        lock: options.lock,
      })
    : undefined;
  if (!row) throw new AppError('not_found', `There is no ${s.object.key} record ${id}.`);
  return row;
}
