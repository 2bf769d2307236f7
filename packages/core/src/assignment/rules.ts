import type { ServiceContext } from '../context.ts';
import { inWorkspace } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { recordMatchesFilter } from '../records/stored-record.ts';

// Checks shared by the modules whose ordered rules assign records (sales' leads, the service desk's tickets).

const NIL = '00000000-0000-0000-0000-000000000000';

/**
 * Refuses a rule's condition that does not compile for `objectKey` (run against no record, as the caller), with the
 * list filter's own messages under `condition.…`. A null or absent condition passes.
 */
export async function checkRuleCondition(
  ctx: ServiceContext,
  objectKey: string,
  condition: unknown,
): Promise<void> {
  if (condition === undefined || condition === null) return;
  await inWorkspace(ctx, (trx, workspaceId) =>
    recordMatchesFilter(trx, ctx.principal, workspaceId, objectKey, NIL, condition),
  ).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'validation_failed')
      throw new AppError('validation_failed', `The condition is not valid: ${error.message}`, {
        errors: (error.errors ?? [{ field: '', message: error.message }]).map((e) => ({
          field: e.field ? `condition.${e.field.replace(/^filter\.?/, '')}` : 'condition',
          message: e.message,
        })),
      });
    throw error;
  });
}

/** Refuses a new order of rules unless it names every rule of `known` exactly once. */
export function assertEveryRuleOnce(ids: readonly string[], known: ReadonlySet<string>): void {
  if (new Set(ids).size !== ids.length || ids.length !== known.size || ids.some((id) => !known.has(id)))
    throw new AppError('validation_failed', 'Give every rule once, in the new order.', {
      errors: [{ field: 'ids', message: `Must list each of the ${known.size} rules exactly once.` }],
    });
}
