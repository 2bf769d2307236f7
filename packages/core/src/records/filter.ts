import { FILTER_OPERATORS, type FilterOperator } from '@rabita/shared';
import { type RawBuilder, sql } from 'kysely';
import { AppError } from '../errors/app-error.ts';
import type { FieldDef, ObjectDef } from '../metadata/metadata.types.ts';
import { hiddenFor, ownerLimit, type Reader, ruleFor } from './access.ts';
import { fieldSql, objectScope } from './expressions.ts';
import {
  documentCandidates,
  type FilterLookup,
  foldedSql,
  foldValue,
  foldValues,
  isFoldedText,
  listCandidates,
  storedFolded,
  valueCandidates,
} from './filter-lookups.ts';
import { checkValue, readPhone, type ValueContext } from './values.ts';

export interface FilterContext extends ValueContext {
  workspaceId: string;
  /** Every object of the workspace, to follow relations one level. */
  objects: ObjectDef[];
  /**
   * Whoever the filter runs for: a field their role hides is refused like an unknown one, on the object and on a
   * related one; a relation is followed only to an object they may read, and only to records they may see there.
   */
  reader: Reader;
  /** Folded values looked up before planning, by `lookupKey` (`valueLookups`, `foldedValuesFor`). */
  foldedValues?: ReadonlyMap<string, readonly string[]> | undefined;
  /** Ids of the records holding list keys, looked up before the query, by `listLookupKey` (`compileFilterBound`). */
  listIds?: ReadonlyMap<string, readonly string[]> | undefined;
}

const MAX_DEPTH = 12;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_NODES = 200;
const MAX_IN = 1000;

function invalid(path: string, message: string): never {
  throw new AppError('validation_failed', `The filter is invalid at ${path}: ${message}`, {
    errors: [{ field: path, message }],
  });
}

interface Compiler {
  ctx: FilterContext;
  hidden: (objectKey: string, fieldKey: string) => boolean;
  nodes: number;
  /** Whether every condition so far reads only a stored folded column (its index holds the id too). */
  indexOnly: boolean;
  /** The owner-run lookups the condition calls inside its query (none known beforehand). */
  inQuery: FilterLookup[];
}

/** A compiled condition; `total` when it is never null, so it needs no `coalesce` (which would hide it from indexes). */
interface Leaf {
  cond: RawBuilder<unknown>;
  total?: boolean;
}

/** Resolves `field` or `relation.field` to the field and the SQL reading it, following one relation. */
function resolveField(c: Compiler, object: ObjectDef, alias: string, name: unknown, path: string) {
  if (typeof name !== 'string' || name.length === 0 || name.length > 130)
    invalid(`${path}.field`, 'Must name a field.');
  const [head, tail, ...rest] = name.split('.');
  const field = object.fields.find((f) => f.key === head);
  if (!field || c.hidden(object.key, field.key))
    invalid(`${path}.field`, `There is no field "${head}" on ${object.key}.`);
  if (rest.length > 0) invalid(`${path}.field`, 'Filters follow at most one relation.');
  if (tail === undefined) return { field, owner: object, wrap: (leaf: Leaf): Leaf => leaf, alias };
  if ((field.type !== 'relation' || !field.relation) && field.type !== 'user') {
    invalid(`${path}.field`, `"${head}" is not a relation.`);
  }
  const target = c.ctx.objects.find((o) => o.key === field.relation?.object);
  if (!target) invalid(`${path}.field`, `"${head}" cannot be followed.`);
  const rule = ruleFor(c.ctx.reader, target.key);
  if (!rule.read) invalid(`${path}.field`, `"${head}" leads to ${target.key}, which your role may not read.`);
  const inner = target.fields.find((f) => f.key === tail);
  if (!inner || c.hidden(target.key, inner.key))
    invalid(`${path}.field`, `There is no field "${tail}" on ${target.key}.`);
  const innerAlias = `${alias}_r`;
  const link = fieldSql(field, alias);
  const on = field.relation?.many
    ? sql`${sql.ref(`${innerAlias}.id`)}::text = any(${link.array})`
    : sql`${sql.ref(`${innerAlias}.id`)}::text = ${link.scalar}`;
  // Under "own records only" on the target, only the reader's own records there can match (an API key owns none).
  const limit = target.fields.some((f) => f.key === 'owner') ? ownerLimit(c.ctx.reader, rule) : undefined;
  const owned =
    limit === undefined
      ? sql``
      : limit === null
        ? sql` and false`
        : sql` and ${sql.ref(`${innerAlias}.owner_id`)} = ${limit}`;
  return {
    field: inner,
    owner: target,
    alias: innerAlias,
    wrap: (leaf: Leaf): Leaf => ({
      cond: sql`exists (select 1 from ${sql.table(target.table)} as ${sql.table(innerAlias)} where ${objectScope(target, innerAlias, c.ctx.workspaceId)}${owned} and ${on} and ${leaf.cond})`,
      total: true,
    }),
  };
}

/**
 * The value a condition compares `field` with, checked against the field's type. `partial` for contains and
 * startsWith, which compare the text of a value (an id's too) rather than the value.
 */
function valueFor(c: Compiler, field: FieldDef, value: unknown, path: string, partial = false): unknown {
  // The id column is a uuid: any other text would make PostgreSQL fail the whole query.
  if (field.column === 'id' && !partial && (typeof value !== 'string' || !UUID.test(value)))
    invalid(`${path}.value`, 'Must be a record id (a UUID).');
  switch (field.type) {
    case 'phone':
    case 'phones': {
      if (typeof value !== 'string' || value.length > 64 || value.includes('\u0000'))
        invalid(`${path}.value`, 'Must be a phone number.');
      return readPhone(value, c.ctx.defaultCountry)?.e164 ?? value;
    }
    case 'emails':
      // Stored trimmed and lower-cased (`email_addresses`).
      if (typeof value !== 'string' || value.length > 2000 || value.includes('\u0000'))
        invalid(`${path}.value`, 'Must be text without NUL characters.');
      return value.trim().toLowerCase();
    case 'email':
    case 'text':
    case 'longText':
    case 'url':
    case 'file':
    case 'select':
    case 'multiSelect':
    case 'tags':
      if (typeof value !== 'string' || value.length > 2000 || value.includes('\u0000'))
        invalid(`${path}.value`, 'Must be text without NUL characters.');
      return value;
    case 'money': {
      const amount =
        typeof value === 'object' && value !== null ? (value as { amount?: unknown }).amount : value;
      const checked = checkValue({ ...field, type: 'number', required: false }, amount, c.ctx);
      if (!checked.ok) invalid(`${path}.value`, 'Must be an amount.');
      return checked.value;
    }
    case 'relation':
    case 'user': {
      const checked = checkValue(
        { ...field, type: 'relation', relation: { object: '', many: false }, required: false },
        value,
        c.ctx,
      );
      if (!checked.ok) invalid(`${path}.value`, checked.message);
      return checked.value;
    }
    case 'address':
    case 'location':
      invalid(`${path}.op`, `"${field.key}" can only be tested with isNull or isNotNull.`);
      break;
    default: {
      const checked = checkValue({ ...field, required: false, options: undefined }, value, c.ctx);
      if (!checked.ok || checked.value === null)
        invalid(`${path}.value`, checked.ok ? 'Must not be null.' : checked.message);
      return checked.value;
    }
  }
}

function condition(
  c: Compiler,
  object: ObjectDef,
  alias: string,
  node: Record<string, unknown>,
  path: string,
): Leaf {
  const op = node.op;
  if (typeof op !== 'string' || !(FILTER_OPERATORS as readonly string[]).includes(op)) {
    invalid(`${path}.op`, `Must be one of ${FILTER_OPERATORS.join(', ')}.`);
  }
  const resolved = resolveField(c, object, alias, node.field, path);
  const { field, owner } = resolved;
  const s = fieldSql(field, resolved.alias);
  const operator = op as FilterOperator;
  const leaf = (cond: RawBuilder<unknown>, total = false) => resolved.wrap({ cond, total });
  const covered =
    resolved.alias === alias &&
    storedFolded(owner, field) !== undefined &&
    ['eq', 'in', 'startsWith', 'contains'].includes(operator);
  if (!covered) c.indexOnly = false;

  if (operator === 'isNull' || operator === 'isNotNull') {
    const empty = s.array
      ? sql`coalesce(cardinality(${s.array}), 0) = 0`
      : sql`${s.raw} is null or ${s.raw} = 'null'::jsonb`;
    const cond = field.column && !s.array ? sql`${s.raw} is null` : empty;
    return leaf(operator === 'isNull' ? sql`(${cond})` : sql`not (${cond})`);
  }

  const list = (): unknown[] => {
    if (!Array.isArray(node.value) || node.value.length === 0 || node.value.length > MAX_IN) {
      invalid(`${path}.value`, `Must be a list of 1 to ${MAX_IN} values.`);
    }
    return node.value.map((v, i) => valueFor(c, field, v, `${path}.value.${i}`));
  };

  if (s.array) {
    const arr = s.array;
    // A standard phone or email list is found through its GIN index first, then checked as written.
    const narrowed = (keys: string[], check: RawBuilder<unknown>): Leaf => {
      const ids = listCandidates(owner, field, resolved.alias, keys, c.ctx.listIds, c.inQuery);
      return ids
        ? leaf(sql`(${ids} and coalesce(${check}, false))`, true)
        : leaf(sql`coalesce(${check}, false)`);
    };
    switch (operator) {
      case 'hasAny':
      case 'in': {
        const keys = list().map(String);
        return narrowed(keys, sql`${arr} && ${sql.val(keys)}::text[]`);
      }
      case 'hasAll': {
        const keys = list().map(String);
        return narrowed(keys, sql`${arr} @> ${sql.val(keys)}::text[]`);
      }
      case 'nin':
        return leaf(sql`not coalesce(${arr} && ${sql.val(list().map(String))}::text[], false)`);
      case 'eq':
      case 'contains': {
        const key = String(valueFor(c, field, node.value, path));
        return narrowed([key], sql`${key} = any(${arr})`);
      }
      case 'neq':
        return leaf(sql`not coalesce(${String(valueFor(c, field, node.value, path))} = any(${arr}), false)`);
      default:
        invalid(`${path}.op`, `"${operator}" does not apply to the list field "${field.key}".`);
    }
  }
  if (!s.scalar) invalid(`${path}.op`, `"${field.key}" can only be tested with isNull or isNotNull.`);
  const x = s.scalar;
  const textual = ['text', 'longText', 'email', 'url', 'file', 'select', 'phone'].includes(field.type);

  // Free text is compared folded on both sides, as search compares it.
  if (isFoldedText(field) && ['eq', 'neq', 'in', 'nin', 'startsWith', 'contains'].includes(operator)) {
    const fx = foldedSql(owner, field, resolved.alias, x);
    switch (operator) {
      case 'eq':
        return leaf(
          sql`(${fx} is not null and ${fx} = ${foldValue(valueFor(c, field, node.value, path))})`,
          true,
        );
      case 'neq':
        return leaf(sql`${fx} is distinct from ${foldValue(valueFor(c, field, node.value, path))}`, true);
      case 'in':
        return leaf(sql`(${fx} is not null and ${fx} = any(${foldValues(list())}))`, true);
      case 'nin':
        return leaf(sql`not coalesce(${fx} = any(${foldValues(list())}), false)`, true);
      case 'startsWith':
        return leaf(
          sql`(${fx} is not null and ${fx} ^@ ${foldValue(valueFor(c, field, node.value, path))})`,
          true,
        );
      default: {
        const v = String(valueFor(c, field, node.value, path));
        const values = valueCandidates(owner, field, resolved.alias, v, c.ctx.foldedValues, c.inQuery);
        if (values) return leaf(values, true);
        const check = sql`(${fx} is not null and strpos(${fx}, ${foldValue(v)}) > 0)`;
        const ids = documentCandidates(owner, field, resolved.alias, v);
        return leaf(ids ? sql`(${ids} and ${check})` : check, true);
      }
    }
  }

  // A user or a single relation kept in a column is compared as stored (a uuid, the parameter taking the column's
  // type) and never yields null, so the condition is a range of an index led by the column: `owner_id::text = $1`
  // is not, nor is any condition inside `coalesce(…, false)` (the inbox's Mine: docs/ARCHITECTURE.md, the agents'
  // inbox).
  if (field.column && (field.type === 'user' || (field.type === 'relation' && !field.relation?.many))) {
    if (operator === 'eq') {
      return leaf(sql`(${s.raw} is not null and ${s.raw} = ${valueFor(c, field, node.value, path)})`, true);
    }
    if (operator === 'in')
      return leaf(sql`(${s.raw} is not null and ${s.raw} = any(${sql.val(list())}))`, true);
  }

  switch (operator) {
    case 'eq':
      return leaf(sql`${x} = ${valueFor(c, field, node.value, path)}`);
    case 'neq':
      return leaf(sql`${x} is distinct from ${valueFor(c, field, node.value, path)}`);
    case 'lt':
      return leaf(sql`${x} < ${valueFor(c, field, node.value, path)}`);
    case 'lte':
      return leaf(sql`${x} <= ${valueFor(c, field, node.value, path)}`);
    case 'gt':
      return leaf(sql`${x} > ${valueFor(c, field, node.value, path)}`);
    case 'gte':
      return leaf(sql`${x} >= ${valueFor(c, field, node.value, path)}`);
    case 'in':
      return leaf(sql`${x} = any(${sql.val(list())})`);
    case 'nin':
      return leaf(sql`not coalesce(${x} = any(${sql.val(list())}), false)`);
    case 'contains':
    case 'startsWith': {
      if (!textual) invalid(`${path}.op`, `"${operator}" applies to text fields only.`);
      // Other text (links, options, numbers) is folded too, so the same query finds the same spellings.
      const fx = sql`rabita_fold((${x})::text)`;
      const v = foldValue(valueFor(c, field, node.value, path, true));
      return leaf(
        operator === 'contains'
          ? sql`(${fx} is not null and strpos(${fx}, ${v}) > 0)`
          : sql`(${fx} is not null and ${fx} ^@ ${v})`,
        true,
      );
    }
    default:
      invalid(`${path}.op`, `"${operator}" applies to list fields only.`);
  }
}

function compile(
  c: Compiler,
  object: ObjectDef,
  alias: string,
  node: unknown,
  path: string,
  depth: number,
): RawBuilder<unknown> {
  c.nodes += 1;
  if (c.nodes > MAX_NODES) invalid(path, `A filter may have at most ${MAX_NODES} conditions.`);
  if (depth > MAX_DEPTH) invalid(path, `A filter may nest at most ${MAX_DEPTH} levels.`);
  if (typeof node !== 'object' || node === null || Array.isArray(node)) invalid(path, 'Must be an object.');
  const n = node as Record<string, unknown>;
  const keys = Object.keys(n);
  if ('and' in n || 'or' in n) {
    const key = 'and' in n ? 'and' : 'or';
    if (keys.length !== 1) invalid(path, `"${key}" must stand alone in its object.`);
    const items = n[key];
    if (!Array.isArray(items)) invalid(`${path}.${key}`, 'Must be a list of filters.');
    if (items.length === 0) return key === 'and' ? sql`true` : sql`false`;
    const parts = items.map((item, i) => compile(c, object, alias, item, `${path}.${key}.${i}`, depth + 1));
    return sql`(${sql.join(parts, sql.raw(key === 'and' ? ' and ' : ' or '))})`;
  }
  if ('not' in n) {
    if (keys.length !== 1) invalid(path, '"not" must stand alone in its object.');
    return sql`not coalesce(${compile(c, object, alias, n.not, `${path}.not`, depth + 1)}, false)`;
  }
  const extra = keys.filter((k) => !['field', 'op', 'value'].includes(k));
  if (extra.length > 0) invalid(path, `Unknown key "${extra[0]}".`);
  const leaf = condition(c, object, alias, n, path);
  return leaf.total ? leaf.cond : sql`coalesce(${leaf.cond}, false)`;
}

/** Compiles a filter tree (already parsed JSON) into a SQL condition on `alias`; refuses bad trees with 400. */
export function compileFilter(
  object: ObjectDef,
  filter: unknown,
  alias: string,
  ctx: FilterContext,
): RawBuilder<unknown> {
  return compileFilterReach(object, filter, alias, ctx).where;
}

/** A compiled filter (`compileFilterReach`). */
export interface CompiledFilter {
  where: RawBuilder<unknown>;
  /** Whether it reads only stored folded columns (see `compileFilterReach`). */
  indexOnly: boolean;
  /** The owner-run lookups `where` calls inside its query, its context knowing none of their answers. */
  inQuery: FilterLookup[];
}

/**
 * The condition, and whether it reads only stored folded columns: then the ids it selects are in those columns'
 * indexes (with the id), and a page sorted by id can find its ids without reading rows.
 */
export function compileFilterReach(
  object: ObjectDef,
  filter: unknown,
  alias: string,
  ctx: FilterContext,
): CompiledFilter {
  if (filter === undefined || filter === null) return { where: sql`true`, indexOnly: false, inQuery: [] };
  const c: Compiler = { ctx, hidden: hiddenFor(ctx.reader), nodes: 0, indexOnly: true, inQuery: [] };
  const where = compile(c, object, alias, filter, 'filter', 0);
  return { where, indexOnly: c.indexOnly && c.nodes > 0, inQuery: c.inQuery };
}
