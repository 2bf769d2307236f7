import { type ObjectDef, visibleFields } from '../../metadata/utils/metadata.ts';
import type { Condition } from '../../records/utils/filter.ts';
import type { Category } from './chart-model.ts';

const DAY = 86_400_000;
/** Values one `in` condition of a list holds at most (the API's filter takes 1,000). */
const IN_LIMIT = 1000;
const shift = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

/** The instant a civil day begins in a time zone (found by asking Intl for the zone's offset, twice for DST). */
export function startOfDay(date: string, timeZone: string): Date {
  const guess = Date.parse(`${date}T00:00:00Z`);
  const offsetAt = (t: number) => {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(t));
    const of = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    return Date.UTC(of('year'), of('month') - 1, of('day'), of('hour'), of('minute'), of('second')) - t;
  };
  let t = guess - offsetAt(guess);
  t = guess - offsetAt(t);
  return new Date(t);
}

/** A team with its members' user ids (as `GET /teams` gives it). */
export interface TeamMembers {
  id: string;
  members: string[];
}

/**
 * The list filter conditions that show a clicked category's records: a date bucket becomes its exact range (for a
 * date-time, from the first day's start to the day after the last in the report's zone), a team its members (the
 * "no team" group: none of any team's members, or nobody), a group its value. The "others" group has no single
 * value, nor a team the reader cannot list, nor an age in periods since another date: null.
 */
export function drillConditions(
  category: Category,
  dimension: {
    field: string;
    type: string;
    step?: number | null | undefined;
    by?: 'team' | null | undefined;
    since?: string | null | undefined;
  },
  timeZone: string,
  teams?: readonly TeamMembers[] | undefined,
): Condition[] | null {
  // Nor a count of periods since another date (a list filter compares a field with values, not two fields).
  if (category.others || dimension.since) return null;
  if (dimension.by === 'team') {
    if (!teams || teams.length === 0) return null;
    if (category.key !== null) {
      const members = teams.find((t) => t.id === category.key)?.members;
      if (!members || members.length > IN_LIMIT) return null;
      return [{ field: dimension.field, op: 'in', value: members }];
    }
    // Nobody of any team: "not in" every member (null owners included), a condition per thousand.
    const everyone = [...new Set(teams.flatMap((t) => t.members))];
    const parts: Condition[] = [];
    for (let i = 0; i < everyone.length; i += IN_LIMIT)
      parts.push({ field: dimension.field, op: 'nin', value: everyone.slice(i, i + IN_LIMIT) });
    return parts;
  }
  if (category.range) {
    const { from, to } = category.range;
    if (dimension.type === 'dateTime')
      return [
        {
          field: dimension.field,
          op: 'gt',
          value: new Date(startOfDay(from, timeZone).getTime() - 1).toISOString(),
        },
        { field: dimension.field, op: 'lt', value: startOfDay(shift(to, 1), timeZone).toISOString() },
      ];
    return [
      { field: dimension.field, op: 'gt', value: shift(from, -1) },
      { field: dimension.field, op: 'lt', value: shift(to, 1) },
    ];
  }
  if (category.key === null) return [{ field: dimension.field, op: 'isNull', value: null }];
  if (dimension.type === 'boolean')
    return [{ field: dimension.field, op: 'eq', value: category.key === 'true' }];
  if ((dimension.type === 'number' || dimension.type === 'rating') && dimension.step)
    return [
      { field: dimension.field, op: 'gte', value: Number(category.key) },
      { field: dimension.field, op: 'lt', value: Number(category.key) + dimension.step },
    ];
  if (dimension.type === 'number' || dimension.type === 'rating')
    return [{ field: dimension.field, op: 'eq', value: Number(category.key) }];
  return [{ field: dimension.field, op: 'eq', value: category.key }];
}

/**
 * A filter tree as the list's conditions, all to hold: a condition, or `and`s of them however nested (a dashboard
 * `and`s its owner and period with a widget's own filter). Null when the tree says more than the list can hold
 * (an `or`, a `not`): a drill-down then opens nothing rather than a wider list.
 */
export function flatConditions(tree: unknown): Condition[] | null {
  if (tree === undefined || tree === null) return [];
  if (typeof tree !== 'object' || Array.isArray(tree)) return null;
  const node = tree as Record<string, unknown>;
  if (typeof node.field === 'string' && typeof node.op === 'string')
    return [{ field: node.field, op: node.op, value: node.value ?? null }];
  if (Object.keys(node).length === 1 && Array.isArray(node.and)) {
    const parts: Condition[] = [];
    for (const item of node.and) {
      const flat = flatConditions(item);
      if (!flat) return null;
      parts.push(...flat);
    }
    return parts;
  }
  return null;
}

/**
 * What every drill-down of a report keeps: its filter, and when the click was on a measure of only some records
 * (won deals' amounts beside every deal's count) that measure's `where` too. Null when either says more than a
 * list can hold.
 */
export function drillBase(
  definition: { filter?: unknown; measures: readonly { where?: unknown }[] },
  measure?: number | undefined,
): Condition[] | null {
  const own = flatConditions(definition.filter);
  const only = measure === undefined ? [] : flatConditions(definition.measures[measure]?.where);
  return own && only ? [...own, ...only] : null;
}

/** A filter tree the builder wrote (one condition, or an and of them) as conditions; anything else: none. */
export function conditionsOf(tree: unknown): Condition[] {
  const leaf = (n: unknown): n is Condition =>
    typeof n === 'object' &&
    n !== null &&
    typeof (n as Condition).field === 'string' &&
    typeof (n as Condition).op === 'string';
  if (leaf(tree)) return [{ ...tree, value: tree.value ?? null }];
  const and = (tree as { and?: unknown } | null)?.and;
  if (Array.isArray(and) && and.every(leaf)) return and.map((c) => ({ ...c, value: c.value ?? null }));
  return [];
}

/**
 * Opens the object's list with these conditions as its filter: the list keeps its view in the browser
 * (`rabita.view.<object>`), so the filter is written there, over the view the user had (or the default one).
 */
export function openListWith(object: ObjectDef, conditions: Condition[]): void {
  const key = `rabita.view.${object.key}`;
  let saved: Record<string, unknown> | null = null;
  try {
    saved = JSON.parse(localStorage.getItem(key) ?? 'null') as Record<string, unknown> | null;
  } catch {
    saved = null;
  }
  const view =
    saved && Array.isArray(saved.columns)
      ? saved
      : {
          columns: visibleFields(object)
            .slice(0, 6)
            .map((f) => f.key),
          widths: {},
          sort: null,
        };
  localStorage.setItem(key, JSON.stringify({ ...view, filter: { join: 'and', conditions } }));
}
