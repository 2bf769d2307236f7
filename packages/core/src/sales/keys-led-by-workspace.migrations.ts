import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0014-keys-led-by-workspace`: a web form's public id (22 random URL-safe characters) is unique with its
 * workspace, led by the id (`rabita_web_form_workspace` reads it as before), and deleting a product clears the
 * product of its deal lines in a row trigger instead of `ON DELETE SET NULL (product_id)`: a sharded table takes
 * neither a unique key without `workspace_id` nor that action on a key that includes it (docs/ARCHITECTURE.md
 * "Citus: keys and cleared columns"). The key itself no longer acts on delete; the trigger has cleared it first.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index web_forms_public_id`.execute(db);
  await sql`create unique index web_forms_public_id on web_forms (public_id, workspace_id)`.execute(db);
  await sql`
    create function rabita_product_deleted_clear_lines() returns trigger
    language plpgsql volatile set search_path = public, pg_temp
    as $$
    begin
      update deal_line_items set product_id = null where workspace_id = old.workspace_id and product_id = old.id;
      return old;
    end
    $$`.execute(db);
  await sql`
    create trigger products_clear_deal_lines before delete on products
    for each row execute function rabita_product_deleted_clear_lines()`.execute(db);
  await sql`
    alter table deal_line_items
      drop constraint deal_line_items_workspace_id_product_id_fkey,
      add constraint deal_line_items_workspace_id_product_id_fkey
        foreign key (workspace_id, product_id) references products (workspace_id, id)`.execute(db);
}
