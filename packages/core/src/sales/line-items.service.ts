import { type Tx, withWorkspace, workspaceLiteral } from '@rabita/db';
import { currencyDigits } from '@rabita/shared';
import { sql } from 'kysely';
import type { ServiceContext } from '../context.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { assertAllowed } from '../records/access.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import { workspaceSettings } from '../records/scope.ts';
import { updateRecordIn } from '../records/update-record.ts';
import { sourceOf } from '../records/write-steps.ts';
import { decimal, decimalText, refuse } from './currency.ts';
import { LINE_ITEMS_CAUSE } from './line-items.hooks.ts';
import { PRICE } from './products.service.ts';

export interface LineItemView {
  id: string;
  productId: string | null;
  quantity: string;
  unitPrice: string;
  discountPct: string;
  taxPct: string;
  /** quantity × unit price, less the discount, plus the tax, rounded to the currency's digits (cents mostly). */
  total: string;
}
export interface DealLines {
  dealId: string;
  currency: string;
  /** The sum of the lines' totals (null without lines: the amount is then entered by hand). */
  amount: string | null;
  lines: LineItemView[];
}
export interface LineInput {
  productId?: string | null | undefined;
  quantity?: unknown;
  unitPrice?: unknown;
  discountPct?: unknown;
  taxPct?: unknown;
}

const QUANTITY = { int: 12, frac: 4, min: 'positive' } as const;
const PERCENT = { int: 3, frac: 4, min: 'nonNegative', max: 100 } as const;
/** At most this many lines on one deal. */
const MAX_LINES = 500;
/** A line's total in the deal's currency, rounded to that currency's digits (2 for SAR, 0 for IRR, 3 for KWD). */
const lineTotal = (currency: string) =>
  sql`round(quantity * unit_price * (1 - discount_pct / 100) * (1 + tax_pct / 100), ${currencyDigits(currency)}::int)`;

/** The deal as the caller may see it (404 otherwise) and its currency (the workspace's when it has no amount). */
async function openDeal(trx: Tx, ctx: ServiceContext, dealId: string) {
  const found = await readRecords(trx, ctx.principal, 'deals', [dealId], { fields: ['amount'] });
  const deal = found.get(dealId);
  assertSeen(Boolean(deal), 'deals', dealId);
  const money = deal!.amount as { currency?: string } | null | undefined;
  return money?.currency ?? (await workspaceSettings(trx, ctx.principal.workspaceId)).defaultCurrency;
}

async function linesOf(trx: Tx, workspaceId: string, dealId: string, currency: string): Promise<DealLines> {
  const { rows } = await sql<{
    id: string;
    product_id: string | null;
    quantity: string;
    unit_price: string;
    discount_pct: string;
    tax_pct: string;
    total: string;
  }>`
    select id::text, product_id::text, quantity::text, unit_price::text, discount_pct::text, tax_pct::text,
           ${lineTotal(currency)}::text as total
    from deal_line_items where workspace_id = ${workspaceId} and deal_id = ${dealId}::uuid
    order by position, id`.execute(trx.withoutPlugins());
  const lines = rows.map((r) => ({
    id: r.id,
    productId: r.product_id,
    quantity: decimalText(r.quantity),
    unitPrice: decimalText(r.unit_price),
    discountPct: decimalText(r.discount_pct),
    taxPct: decimalText(r.tax_pct),
    total: r.total,
  }));
  const sum = await sql<{ amount: string | null }>`
    select sum(${lineTotal(currency)})::text as amount from deal_line_items
    where workspace_id = ${workspaceId} and deal_id = ${dealId}::uuid`.execute(trx.withoutPlugins());
  return { dealId, currency, amount: sum.rows[0]?.amount ?? null, lines };
}

/** A deal's line items and the amount they make. */
export async function listLineItems(ctx: ServiceContext, dealId: string): Promise<DealLines> {
  return withWorkspace(ctx.db, ctx.principal.workspaceId, async (trx) => {
    const currency = await openDeal(trx, ctx, dealId);
    return linesOf(trx, ctx.principal.workspaceId, dealId, currency);
  });
}

function checkLine(input: LineInput, partial: boolean) {
  const problems: FieldProblem[] = [];
  const has = (v: unknown) => v !== undefined && v !== null;
  const out = {
    quantity: has(input.quantity) ? decimal(input.quantity, 'quantity', problems, QUANTITY) : undefined,
    unitPrice: has(input.unitPrice) ? decimal(input.unitPrice, 'unitPrice', problems, PRICE) : undefined,
    discountPct: has(input.discountPct)
      ? decimal(input.discountPct, 'discountPct', problems, PERCENT)
      : undefined,
    taxPct: has(input.taxPct) ? decimal(input.taxPct, 'taxPct', problems, PERCENT) : undefined,
  };
  if (!partial && !has(input.quantity)) problems.push({ field: 'quantity', message: 'Give a quantity.' });
  refuse(problems);
  return out;
}

/**
 * Writes the deal's amount from its lines (in the deal's currency) through the record engine, so the change has
 * the same checks, hooks, audit trail and events as one made by hand.
 */
async function recompute(trx: Tx, ctx: ServiceContext, dealId: string, currency: string): Promise<DealLines> {
  const lines = await linesOf(trx, ctx.principal.workspaceId, dealId, currency);
  if (lines.amount !== null)
    await updateRecordIn(
      trx,
      ctx.principal,
      'deals',
      dealId,
      { amount: { amount: lines.amount, currency } },
      { source: sourceOf(ctx.principal), cause: { kind: LINE_ITEMS_CAUSE, runId: dealId, depth: 0 } },
    );
  return lines;
}

/**
 * Adds a line to a deal (the unit price, when not given, from the default price book in the deal's currency) and
 * recomputes the deal's amount.
 */
export async function addLineItem(ctx: ServiceContext, dealId: string, input: LineInput): Promise<DealLines> {
  assertAllowed(ctx.principal, 'deals', 'update');
  const line = checkLine(input, false);
  return withWorkspace(ctx.db, ctx.principal.workspaceId, async (trx) => {
    const workspaceId = ctx.principal.workspaceId;
    const currency = await openDeal(trx, ctx, dealId);
    let unitPrice = line.unitPrice;
    if (input.productId) {
      // Confined by the workspace's literal throughout: a Citus coordinator routes it to the workspace's shard.
      const workspace = workspaceLiteral(workspaceId);
      const { rows } = await sql<{ active: boolean; price: string | null }>`
        select p.active, (select pp.price::text from price_book_prices pp
                            join price_books b on b.workspace_id = ${workspace} and b.id = pp.price_book_id
                          where pp.workspace_id = ${workspace} and pp.product_id = p.id and b.is_default
                            and pp.currency = ${currency}) as price
        from products p where p.workspace_id = ${workspace} and p.id = ${input.productId}::uuid`.execute(
        trx.withoutPlugins(),
      );
      const product = rows[0];
      if (!product) throw new AppError('validation_failed', `There is no product ${input.productId}.`);
      if (!product.active) throw new AppError('validation_failed', 'The product is not sold any more.');
      unitPrice ??= product.price ?? undefined;
    }
    if (unitPrice === undefined)
      throw new AppError(
        'validation_failed',
        `Give a unit price: the default price book has no ${currency} price for this product.`,
        { errors: [{ field: 'unitPrice', message: `No ${currency} price in the default price book.` }] },
      );
    const count = await sql<{ n: number; next: number }>`
      select count(*)::int as n, coalesce(max(position), 0) + 1 as next from deal_line_items
      where workspace_id = ${workspaceId} and deal_id = ${dealId}::uuid`.execute(trx.withoutPlugins());
    const { n, next } = count.rows[0]!;
    if (n >= MAX_LINES) throw new AppError('validation_failed', `A deal takes at most ${MAX_LINES} lines.`);
    await sql`
      insert into deal_line_items
        (workspace_id, id, deal_id, product_id, position, quantity, unit_price, discount_pct, tax_pct)
      values (${workspaceId}, ${newId()}, ${dealId}::uuid, ${input.productId ?? null}::uuid, ${next},
              ${line.quantity}::numeric, ${unitPrice}::numeric, ${line.discountPct ?? '0'}::numeric,
              ${line.taxPct ?? '0'}::numeric)`.execute(trx.withoutPlugins());
    return recompute(trx, ctx, dealId, currency);
  });
}

/** Changes a line's quantity, unit price, discount or tax and recomputes the deal's amount. */
export async function updateLineItem(
  ctx: ServiceContext,
  dealId: string,
  lineId: string,
  input: LineInput,
): Promise<DealLines> {
  assertAllowed(ctx.principal, 'deals', 'update');
  const line = checkLine(input, true);
  return withWorkspace(ctx.db, ctx.principal.workspaceId, async (trx) => {
    const currency = await openDeal(trx, ctx, dealId);
    const r = await sql`
      update deal_line_items set
        quantity = coalesce(${line.quantity ?? null}::numeric, quantity),
        unit_price = coalesce(${line.unitPrice ?? null}::numeric, unit_price),
        discount_pct = coalesce(${line.discountPct ?? null}::numeric, discount_pct),
        tax_pct = coalesce(${line.taxPct ?? null}::numeric, tax_pct)
      where workspace_id = ${ctx.principal.workspaceId} and deal_id = ${dealId}::uuid and id = ${lineId}::uuid`.execute(
      trx.withoutPlugins(),
    );
    if (Number(r.numAffectedRows ?? 0) === 0) throw new AppError('not_found', `There is no line ${lineId}.`);
    return recompute(trx, ctx, dealId, currency);
  });
}

/**
 * Removes a line. The amount follows the remaining lines; after the last one it stays as it was, to be edited by
 * hand.
 */
export async function deleteLineItem(
  ctx: ServiceContext,
  dealId: string,
  lineId: string,
): Promise<DealLines> {
  assertAllowed(ctx.principal, 'deals', 'update');
  return withWorkspace(ctx.db, ctx.principal.workspaceId, async (trx) => {
    const currency = await openDeal(trx, ctx, dealId);
    const r = await sql`
      delete from deal_line_items
      where workspace_id = ${ctx.principal.workspaceId} and deal_id = ${dealId}::uuid and id = ${lineId}::uuid`.execute(
      trx.withoutPlugins(),
    );
    if (Number(r.numAffectedRows ?? 0) === 0) throw new AppError('not_found', `There is no line ${lineId}.`);
    return recompute(trx, ctx, dealId, currency);
  });
}
