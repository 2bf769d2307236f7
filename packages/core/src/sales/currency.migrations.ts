import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0003-money`: exchange rates per day (one rate per workspace, currency and date, to the workspace's
 * currency), products (names in en/ar/fa, SKU, active), price books with a price per product and currency, and a
 * deal's line items. Every amount is `numeric` (exact). Row-level security like every tenant table. Existing
 * workspaces' admin roles get `sales.rates.manage` and `sales.products.manage`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table exchange_rates (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      currency text not null check (currency ~ '^[A-Z]{3}$'),
      on_date date not null,
      rate numeric(24, 12) not null check (rate > 0),
      updated_by uuid references users (id) on delete set null,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, currency, on_date)
    )`.execute(db);
  await sql`
    create table products (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name jsonb not null,
      sku text,
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create unique index products_sku on products (workspace_id, lower(sku)) where sku is not null`.execute(
    db,
  );
  await sql`
    create table price_books (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      is_default boolean not null default false,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create unique index price_books_default on price_books (workspace_id) where is_default`.execute(
    db,
  );
  await sql`
    create table price_book_prices (
      workspace_id uuid not null,
      price_book_id uuid not null,
      product_id uuid not null,
      currency text not null check (currency ~ '^[A-Z]{3}$'),
      price numeric(20, 4) not null check (price >= 0),
      primary key (workspace_id, price_book_id, product_id, currency),
      foreign key (workspace_id, price_book_id) references price_books (workspace_id, id) on delete cascade,
      foreign key (workspace_id, product_id) references products (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create table deal_line_items (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      deal_id uuid not null,
      product_id uuid,
      position integer not null,
      quantity numeric(16, 4) not null check (quantity > 0),
      unit_price numeric(20, 4) not null check (unit_price >= 0),
      discount_pct numeric(7, 4) not null default 0 check (discount_pct >= 0 and discount_pct <= 100),
      tax_pct numeric(7, 4) not null default 0 check (tax_pct >= 0 and tax_pct <= 100),
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, product_id) references products (workspace_id, id) on delete set null (product_id)
    )`.execute(db);
  await sql`create index deal_line_items_deal on deal_line_items (workspace_id, deal_id, position)`.execute(
    db,
  );
  for (const table of ['exchange_rates', 'products', 'price_books', 'price_book_prices', 'deal_line_items']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
  for (const action of ['sales.rates.manage', 'sales.products.manage']) {
    await sql`
      update roles set permissions = jsonb_set(permissions, '{actions}',
        coalesce(permissions->'actions', '[]'::jsonb) || jsonb_build_array(${action}::text))
      where key = 'admin' and not coalesce(permissions->'actions', '[]'::jsonb) ? ${action}`.execute(db);
  }
}
