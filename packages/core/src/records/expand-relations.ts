import type { Tx } from '@rabita/db';
import type { Locale } from '@rabita/shared';
import { can, type Principal } from '../auth/principal.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { memberNamesIn } from '../workspaces/members.service.ts';
import { hiddenFor } from './access.ts';
import { canRead, type RecordView, readRecords, titleFor } from './gate.ts';
import { openScope } from './scope.ts';

/** A linked record or user as an expanded field shows it; `title` is null when the caller may not see one. */
export interface ExpandedRef {
  id: string;
  title: string | null;
  /** Per language, for objects whose records are titled per language (pipelines, stages). */
  titles?: Partial<Record<Locale, string>>;
}

export type Expanded = Record<string, ExpandedRef | ExpandedRef[] | null>;

/** A record with the titles of the relations asked for, beside the ids (which stay where they were). */
export type ExpandedRecord = RecordView & { _expanded?: Expanded };

const MAX_EXPAND = 10;

/** Splits `company,owner` into field keys. */
export function parseExpandParam(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const keys = (Array.isArray(value) ? value : value.split(',')).map((k) => k.trim()).filter(Boolean);
  return keys.length > 0 ? [...new Set(keys)] : undefined;
}

/**
 * Adds `_expanded` to each record, in the caller's transaction (a list's or a record's own, so the records and
 * their titles are one read): for every field asked for, the linked record's `{id, title}` (an array of them for a
 * many-relation, null when the field is empty), or for a user field the member's name. Titles come through
 * the gate for the caller: a linked object they may not read, a record of another owner under "own records only",
 * a deleted record or hidden title fields give `title: null`; user names need `members.read`. One query per field
 * for all the records, however many. A field that is unknown, hidden or no relation is refused with 400.
 */
export async function expandRelationsIn(
  trx: Tx,
  principal: Principal,
  objectKey: string,
  records: RecordView[],
  expand: string[] | undefined,
): Promise<ExpandedRecord[]> {
  if (!expand || expand.length === 0) return records;
  const { expanded, userFields } = await expandInTransaction(trx, principal, objectKey, records, expand);
  if (userFields.length > 0) {
    // Members' names come from the workspaces module's reader, for the users these records name only.
    const ids = [...new Set(userFields.flatMap((key) => records.flatMap((r) => idsOf(r, key))))];
    const names =
      can(principal, 'members.read') && ids.length > 0
        ? await memberNamesIn(trx, principal.workspaceId, ids)
        : new Map<string, string>();
    for (const key of userFields)
      fill(records, expanded, key, (id) => ({ id, title: names.get(id) ?? null }));
  }
  return records.map((record, i) => ({ ...record, _expanded: expanded[i]! }));
}

function idsOf(record: RecordView, key: string): string[] {
  const value = record[key];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** Sets one field's expansion on every record that shows the field (`fields` may have left it out). */
function fill(records: RecordView[], expanded: Expanded[], key: string, refOf: (id: string) => ExpandedRef) {
  records.forEach((record, i) => {
    if (!(key in record)) return;
    const value = record[key];
    expanded[i]![key] = Array.isArray(value)
      ? idsOf(record, key).map(refOf)
      : typeof value === 'string'
        ? refOf(value)
        : null;
  });
}

async function expandInTransaction(
  trx: Tx,
  principal: Principal,
  objectKey: string,
  records: RecordView[],
  expand: string[],
): Promise<{ expanded: Expanded[]; userFields: string[] }> {
  const s = await openScope(trx, principal.workspaceId, objectKey);
  const hidden = hiddenFor(principal);
  const problems: FieldProblem[] = [];
  if (expand.length > MAX_EXPAND)
    problems.push({ field: 'expand', message: `Expand at most ${MAX_EXPAND} fields.` });
  const fields = expand.slice(0, MAX_EXPAND).flatMap((key) => {
    const field = s.object.fields.find((f) => f.key === key);
    if (!field || hidden(s.object.key, key)) {
      problems.push({ field: 'expand', message: `There is no field "${key}" on ${s.object.key} to expand.` });
      return [];
    }
    if (field.type !== 'user' && !(field.type === 'relation' && field.relation)) {
      problems.push({
        field: 'expand',
        message: `"${key}" is not a relation or user field; it cannot be expanded.`,
      });
      return [];
    }
    return [field];
  });
  if (problems.length > 0)
    throw new AppError('validation_failed', problems[0]!.message, { errors: problems });

  const expanded = records.map(() => ({}) as Expanded);
  const userFields: string[] = [];
  for (const field of fields) {
    if (field.type === 'user') {
      userFields.push(field.key);
      continue;
    }
    const ids = [...new Set(records.flatMap((r) => idsOf(r, field.key)))];
    const refs = new Map<string, ExpandedRef>();
    const target = s.objects.find((o) => o.key === field.relation!.object);
    if (target && ids.length > 0 && canRead(principal, target.key)) {
      const localized = Object.entries(target.localizedTitle ?? {}) as [Locale, string][];
      const wantedFields = [...new Set([...target.titleFields, ...localized.map(([, f]) => f)])];
      const found = await readRecords(trx, principal, target.key, ids, { fields: wantedFields });
      for (const [id, view] of found) {
        const titles: Partial<Record<Locale, string>> = {};
        for (const [locale, key] of localized) {
          const t = view[key];
          if (typeof t === 'string' && t.trim() !== '') titles[locale] = t;
        }
        refs.set(id, {
          id,
          title: titleFor(principal, target, view),
          ...(localized.length > 0 ? { titles } : {}),
        });
      }
    }
    fill(records, expanded, field.key, (id) => refs.get(id) ?? { id, title: null });
  }
  return { expanded, userFields };
}
