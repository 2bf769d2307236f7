import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Leads get the standard fields a territory reads: `address` (street, city, region, postalCode, country, as
// people's and companies') and `industry` (text, as companies'). A workspace that had already added a custom lead
// field of either key keeps its values: they move into the new column (text as it was; an address object's five
// parts, other values as the street or the text), the custom field's definition is removed, and the key stays the
// same, so views, filters and rules naming it go on working.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table leads add column address jsonb, add column industry text`.execute(db);
  await sql`
    update leads l set industry = case jsonb_typeof(l.custom -> 'industry')
        when 'string' then l.custom ->> 'industry'
        when 'array' then (select string_agg(x, ', ') from jsonb_array_elements_text(l.custom -> 'industry') x)
        else l.custom ->> 'industry' end,
      custom = l.custom - 'industry'
    where l.custom ? 'industry' and exists (select 1 from custom_fields f
      where f.workspace_id = l.workspace_id and f.object_key = 'leads' and f.key = 'industry')`.execute(db);
  await sql`
    update leads l set address = case jsonb_typeof(l.custom -> 'address')
        when 'object' then (select jsonb_object_agg(k, v) from jsonb_each(l.custom -> 'address') e(k, v)
          where k in ('street', 'city', 'region', 'postalCode', 'country') and jsonb_typeof(v) = 'string')
        when 'null' then null
        else jsonb_build_object('street', l.custom ->> 'address') end,
      custom = l.custom - 'address'
    where l.custom ? 'address' and exists (select 1 from custom_fields f
      where f.workspace_id = l.workspace_id and f.object_key = 'leads' and f.key = 'address')`.execute(db);
  await sql`
    update workspaces w set metadata_version = metadata_version + 1
    where exists (select 1 from custom_fields f
      where f.workspace_id = w.id and f.object_key = 'leads' and f.key in ('address', 'industry'))`.execute(
    db,
  );
  await sql`delete from custom_fields where object_key = 'leads' and key in ('address', 'industry')`.execute(
    db,
  );
}
