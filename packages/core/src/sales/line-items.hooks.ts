import { sql } from 'kysely';
import { AppError } from '../errors/app-error.ts';
import type { RecordHooks } from '../modules/manifest.ts';
import { decimalText } from './currency.ts';

/** The cause line items give the deal's amount they write, which the hook below lets through. */
export const LINE_ITEMS_CAUSE = 'lineItems';

type Money = { amount?: unknown; currency?: unknown } | null | undefined;
const same = (a: Money, b: Money) =>
  (a?.currency ?? null) === (b?.currency ?? null) &&
  (a?.amount == null ? null : decimalText(a.amount)) === (b?.amount == null ? null : decimalText(b.amount));

/**
 * A deal with line items has the amount its lines make: a write changing it otherwise (by hand, an import, a
 * workflow) is refused with 409; saving the same amount again (a form sending every field) passes.
 */
export const lineItemHooks: RecordHooks = {
  object: 'deals',
  beforeUpdate: async (ctx, draft, current) => {
    if (!('amount' in draft.values) || ctx.cause?.kind === LINE_ITEMS_CAUSE) return;
    if (same(draft.values.amount as Money, current.amount as Money)) return;
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from deal_line_items
      where workspace_id = ${ctx.workspaceId} and deal_id = ${current.id}::uuid`.execute(
      ctx.trx.withoutPlugins(),
    );
    if ((rows[0]?.n ?? 0) > 0)
      throw new AppError(
        'conflict',
        `Deal ${current.id} has line items: its amount is the sum of its lines; change the lines instead.`,
      );
  },
};
