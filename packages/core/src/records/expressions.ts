import { type RawBuilder, sql } from 'kysely';
import type { FieldDef, ObjectDef } from '../metadata/metadata.types.ts';

/** How a field's value is read in SQL, for one table alias. */
export interface FieldSql {
  /** The value as stored (a column, or `custom -> key` jsonb). */
  raw: RawBuilder<unknown>;
  /** The value as a comparable scalar of its type (text, numeric, date…), or undefined for composites. */
  scalar: RawBuilder<unknown> | undefined;
  /** For list-like fields, a text[] of their items (select options, tags, E.164 phones, emails, ids). */
  array: RawBuilder<unknown> | undefined;
  /** For money, its currency code as text (money's scalar is its amount). */
  currency?: RawBuilder<unknown>;
}

const col = (alias: string, column: string) => sql.ref(`${alias}.${column}`);

function jsonText(alias: string, key: string) {
  return sql`(${col(alias, 'custom')} ->> ${sql.lit(key)})`;
}

function jsonArrayText(json: RawBuilder<unknown>) {
  return sql`(case when jsonb_typeof(${json}) = 'array' then array(select jsonb_array_elements_text(${json})) end)`;
}

/** SQL for reading a field from table alias `alias`. */
export function fieldSql(field: FieldDef, alias: string): FieldSql {
  if (field.column) {
    const c = col(alias, field.column);
    switch (field.type) {
      case 'money':
        // A standard money column `x` has generated columns `x_value` (numeric) and `x_currency` beside it
        // (migration 0015), which indexes can hold.
        return {
          raw: c,
          scalar: col(alias, `${field.column}_value`),
          array: undefined,
          currency: col(alias, `${field.column}_currency`),
        };
      case 'phones':
      case 'phone':
        return { raw: c, scalar: undefined, array: col(alias, 'phone_numbers') };
      case 'emails':
        return { raw: c, scalar: undefined, array: col(alias, 'email_addresses') };
      case 'multiSelect':
      case 'tags':
        return { raw: c, scalar: undefined, array: c };
      case 'relation':
        return field.relation?.many
          ? { raw: c, scalar: undefined, array: sql`(${c}::text[])` }
          : { raw: c, scalar: sql`(${c}::text)`, array: undefined };
      case 'user':
        return { raw: c, scalar: sql`(${c}::text)`, array: undefined };
      case 'address':
      case 'location':
        return { raw: c, scalar: undefined, array: undefined };
      default:
        return { raw: c, scalar: c, array: undefined };
    }
  }
  const json = sql`(${col(alias, 'custom')} -> ${sql.lit(field.key)})`;
  const t = jsonText(alias, field.key);
  switch (field.type) {
    case 'number':
    case 'rating':
      return { raw: json, scalar: sql`(${t})::numeric`, array: undefined };
    case 'money':
      return {
        raw: json,
        scalar: sql`((${json} ->> 'amount')::numeric)`,
        array: undefined,
        currency: sql`(${json} ->> 'currency')`,
      };
    case 'date':
      return { raw: json, scalar: sql`(${t})::date`, array: undefined };
    case 'dateTime':
      return { raw: json, scalar: sql`(${t})::timestamptz`, array: undefined };
    case 'boolean':
      return { raw: json, scalar: sql`(${t})::boolean`, array: undefined };
    case 'phone':
      return { raw: json, scalar: sql`(${json} ->> 'e164')`, array: undefined };
    case 'multiSelect':
    case 'tags':
      return { raw: json, scalar: undefined, array: jsonArrayText(json) };
    case 'relation':
      return field.relation?.many
        ? { raw: json, scalar: undefined, array: jsonArrayText(json) }
        : { raw: json, scalar: t, array: undefined };
    case 'phones':
    case 'emails':
    case 'address':
    case 'location':
      return { raw: json, scalar: undefined, array: undefined };
    default:
      return { raw: json, scalar: t, array: undefined };
  }
}

/** The rows of an object's table, scoped to live records of the workspace (and the custom object). */
export function objectScope(object: ObjectDef, alias: string, workspaceId: string) {
  const base = sql`${col(alias, 'workspace_id')} = ${workspaceId} and ${col(alias, 'deleted_at')} is null`;
  return object.id ? sql`${base} and ${col(alias, 'object_id')} = ${object.id}` : base;
}
