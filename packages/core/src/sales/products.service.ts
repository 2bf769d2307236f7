import { sql } from 'kysely';
import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { currencyCode, decimal, decimalText, refuse } from './currency.ts';

export interface ProductView {
  id: string;
  name: { en?: string; ar?: string; fa?: string };
  sku: string | null;
  active: boolean;
}
export interface PriceBookView {
  id: string;
  name: string;
  isDefault: boolean;
  prices: { productId: string; currency: string; price: string }[];
}
export interface ProductInput {
  name: { en?: string | undefined; ar?: string | undefined; fa?: string | undefined };
  sku?: string | null | undefined;
  active?: boolean | undefined;
}

export const PRICE = { int: 16, frac: 4, min: 'nonNegative' } as const;

function assertManager(ctx: ServiceContext): void {
  if (!can(ctx.principal, 'sales.products.manage'))
    throw new AppError(
      'forbidden',
      'Your role may not manage products and price books (sales.products.manage).',
    );
}

function checkName(name: ProductInput['name']): ProductView['name'] {
  const out: ProductView['name'] = {};
  for (const lang of ['en', 'ar', 'fa'] as const) {
    const v = name[lang]?.trim();
    if (v) out[lang] = v;
  }
  if (Object.keys(out).length === 0)
    throw new AppError('validation_failed', 'Name the product in at least one language.', {
      errors: [{ field: 'name', message: 'Name the product in at least one language.' }],
    });
  return out;
}

const present = (r: { id: string; name: unknown; sku: string | null; active: boolean }): ProductView => ({
  id: r.id,
  name: r.name as ProductView['name'],
  sku: r.sku,
  active: r.active,
});

/** Products, active first then by name (any member may read them to add lines). */
export async function listProducts(ctx: ServiceContext): Promise<ProductView[]> {
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const { rows } = await sql<{ id: string; name: unknown; sku: string | null; active: boolean }>`
      select id::text, name, sku, active from products where workspace_id = ${workspaceId}
      order by active desc, coalesce(name->>'en', name->>'ar', name->>'fa'), id limit 2000`.execute(
      trx.withoutPlugins(),
    );
    return rows.map(present);
  });
}

async function skuConflict<T>(work: () => Promise<T>, sku: string | null | undefined): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if ((e as { code?: string }).code === '23505')
      throw new AppError('conflict', `Another product has the SKU "${sku}".`);
    throw e;
  }
}

export async function createProduct(ctx: ServiceContext, input: ProductInput): Promise<ProductView> {
  assertManager(ctx);
  const name = checkName(input.name);
  const id = newId();
  await skuConflict(
    () =>
      inWorkspace(ctx, (trx, workspaceId) =>
        sql`insert into products (workspace_id, id, name, sku, active)
            values (${workspaceId}, ${id}, ${JSON.stringify(name)}::jsonb, ${input.sku ?? null}, ${input.active ?? true})`.execute(
          trx.withoutPlugins(),
        ),
      ),
    input.sku,
  );
  return { id, name, sku: input.sku ?? null, active: input.active ?? true };
}

export async function updateProduct(
  ctx: ServiceContext,
  id: string,
  input: Partial<ProductInput>,
): Promise<ProductView> {
  assertManager(ctx);
  const name = input.name ? checkName(input.name) : undefined;
  const row = await skuConflict(
    () =>
      inWorkspace(ctx, async (trx, workspaceId) => {
        const { rows } = await sql<{ id: string; name: unknown; sku: string | null; active: boolean }>`
          update products set
            name = coalesce(${name ? JSON.stringify(name) : null}::jsonb, name),
            sku = case when ${input.sku !== undefined} then ${input.sku ?? null} else sku end,
            active = coalesce(${input.active ?? null}::boolean, active),
            updated_at = now()
          where workspace_id = ${workspaceId} and id = ${id}::uuid
          returning id::text, name, sku, active`.execute(trx.withoutPlugins());
        return rows[0];
      }),
    input.sku,
  );
  if (!row) throw new AppError('not_found', `There is no product ${id}.`);
  return present(row);
}

export async function listPriceBooks(ctx: ServiceContext): Promise<PriceBookView[]> {
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const books = await sql<{ id: string; name: string; is_default: boolean }>`
      select id::text, name, is_default from price_books where workspace_id = ${workspaceId}
      order by is_default desc, name`.execute(trx.withoutPlugins());
    const prices = await sql<{ price_book_id: string; product_id: string; currency: string; price: string }>`
      select price_book_id::text, product_id::text, currency, price::text from price_book_prices
      where workspace_id = ${workspaceId} order by currency`.execute(trx.withoutPlugins());
    return books.rows.map((b) => ({
      id: b.id,
      name: b.name,
      isDefault: b.is_default,
      prices: prices.rows
        .filter((p) => p.price_book_id === b.id)
        .map((p) => ({ productId: p.product_id, currency: p.currency, price: decimalText(p.price) })),
    }));
  });
}

/**
 * Creates or replaces a price book with all its prices (one per product and currency). The first book, or one
 * marked default, becomes the workspace's default (the one a new line item takes its price from).
 */
export async function savePriceBook(
  ctx: ServiceContext,
  id: string | undefined,
  input: {
    name: string;
    isDefault?: boolean | undefined;
    prices: { productId: string; currency: unknown; price: unknown }[];
  },
): Promise<PriceBookView> {
  assertManager(ctx);
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const prices = input.prices.flatMap((p, i) => {
    const currency = currencyCode(p.currency, `prices.${i}.currency`, problems);
    const price = decimal(p.price, `prices.${i}.price`, problems, PRICE);
    if (seen.has(`${p.productId} ${currency}`))
      problems.push({ field: `prices.${i}`, message: 'The product already has a price in this currency.' });
    seen.add(`${p.productId} ${currency}`);
    return currency && price ? [{ productId: p.productId, currency, price }] : [];
  });
  refuse(problems);
  const bookId = id ?? newId();
  await inWorkspace(ctx, async (trx, workspaceId) => {
    const known = await sql<{ id: string }>`
      select id::text from products where workspace_id = ${workspaceId}
        and id = any(${prices.map((p) => p.productId)}::uuid[])`.execute(trx.withoutPlugins());
    const ids = new Set(known.rows.map((r) => r.id));
    const unknown = prices.findIndex((p) => !ids.has(p.productId));
    if (unknown >= 0)
      throw new AppError('validation_failed', `prices.${unknown}.productId: There is no such product.`, {
        errors: [{ field: `prices.${unknown}.productId`, message: 'There is no such product.' }],
      });
    const others = await sql<{ n: string }>`
      select count(*)::text as n from price_books where workspace_id = ${workspaceId} and id <> ${bookId}::uuid`.execute(
      trx.withoutPlugins(),
    );
    const isDefault = input.isDefault === true || Number(others.rows[0]?.n ?? 0) === 0;
    if (isDefault)
      await sql`update price_books set is_default = false where workspace_id = ${workspaceId} and is_default
        and id <> ${bookId}::uuid`.execute(trx.withoutPlugins());
    if (id) {
      const r = await sql`update price_books set name = ${input.name},
          is_default = ${isDefault} or (is_default and ${input.isDefault !== false})
        where workspace_id = ${workspaceId} and id = ${id}::uuid`.execute(trx.withoutPlugins());
      if (Number(r.numAffectedRows ?? 0) === 0)
        throw new AppError('not_found', `There is no price book ${id}.`);
      await sql`delete from price_book_prices where workspace_id = ${workspaceId} and price_book_id = ${id}::uuid`.execute(
        trx.withoutPlugins(),
      );
    } else {
      await sql`insert into price_books (workspace_id, id, name, is_default)
        values (${workspaceId}, ${bookId}, ${input.name}, ${isDefault})`.execute(trx.withoutPlugins());
    }
    if (prices.length > 0)
      await sql`
        insert into price_book_prices (workspace_id, price_book_id, product_id, currency, price)
        select w.id, ${bookId}::uuid, p::uuid, c, v::numeric
        from workspaces w
        cross join unnest(${prices.map((p) => p.productId)}::text[], ${prices.map((p) => p.currency)}::text[],
                          ${prices.map((p) => p.price)}::text[]) as x(p, c, v)
        where w.id = ${workspaceId}`.execute(trx.withoutPlugins());
  });
  const book = (await listPriceBooks(ctx)).find((b) => b.id === bookId);
  if (!book) throw new AppError('not_found', `There is no price book ${bookId}.`);
  return book;
}
