import { type ComboboxItem, MultiSelect, Select } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client, type RecordData } from '../../../api/client.ts';
import type { Locale } from '../../../i18n/index.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { type FieldDef, type ObjectDef, titleOf } from '../../metadata/utils/metadata.ts';
import { useRecord } from '../hooks/useRecord.ts';
import { recordKeys } from '../utils/record-keys.ts';

/** The rest of a form a field sits in, so a choice can depend on another (a deal's stage on its pipeline). */
export interface FormContext {
  object: ObjectDef;
  values: Record<string, unknown>;
}

/**
 * Conditions a picked record must meet because of the form's other choices: for each single relation of the
 * target (a stage's `pipeline`) that another field of the form also chooses (the deal's `pipeline`), the same
 * record.
 */
function dependsOn(field: FieldDef, target: ObjectDef | undefined, form: FormContext | undefined) {
  const conditions: [string, string][] = [];
  if (!target || !form) return conditions;
  for (const g of target.fields) {
    if (g.type !== 'relation' || g.relation?.many) continue;
    const chosen = form.object.fields.find(
      (h) =>
        h.key !== field.key &&
        h.type === 'relation' &&
        !h.relation?.many &&
        h.relation?.object === g.relation?.object &&
        typeof form.values[h.key] === 'string',
    );
    if (chosen) conditions.push([g.key, form.values[chosen.key] as string]);
  }
  return conditions;
}

/** Picks records of another object by searching their titles. */
export function RelationInput({
  field,
  value,
  onChange,
  named,
  dropdown,
  required,
  error,
  form,
}: {
  form?: FormContext | undefined;
  field: FieldDef;
  value: unknown;
  onChange: (v: unknown) => void;
  /** A visible label, or an accessible name alone. */
  named: { label: string } | { 'aria-label': string };
  dropdown: { comboboxProps?: { withinPortal: boolean } };
  required: boolean;
  error?: string | undefined;
}) {
  const { i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const target = field.relation?.object ?? '';
  const targetDef = useObject(target);
  // Records titled per language (pipelines, stages) are few, and search documents carry their stored name: list
  // them all and match the user's language's titles here.
  const translated = Boolean(targetDef?.localizedTitle);
  const [search, setSearch] = useState('');
  const { data: hits } = useQuery({
    queryKey: recordKeys.relationSearch(target, search),
    enabled: !translated && search.trim().length > 0,
    queryFn: async () =>
      (
        await call(
          client.GET('/api/v1/search', { params: { query: { q: search, objects: target, limit: 20 } } }),
        )
      ).data,
  });
  const all = useQuery({
    queryKey: recordKeys.relationAll(target),
    enabled: translated,
    staleTime: 30_000,
    queryFn: async () =>
      (
        await call(
          client.GET('/api/v1/objects/{object}', {
            params: {
              path: { object: target },
              query: {
                limit: 500,
                ...(targetDef?.fields.some((f) => f.key === 'position') ? { sort: 'position' } : {}),
              },
            },
          }),
        )
      ).data as RecordData[],
  });
  const ids = Array.isArray(value) ? (value as string[]) : value ? [value as string] : [];
  const current = useRecord(target, field.relation?.many ? undefined : ids[0]);
  const currentTitle = current.data ? titleOf(targetDef, current.data, locale) : '';
  const typed = search === currentTitle ? '' : search.trim().toLocaleLowerCase(locale);
  const conditions = dependsOn(field, targetDef, form);
  const items: ComboboxItem[] = translated
    ? (all.data ?? [])
        .filter((r) => conditions.every(([key, id]) => r[key] === id))
        .map((r) => ({ value: r.id, label: titleOf(targetDef, r, locale) }))
        .filter((i) => i.label.toLocaleLowerCase(locale).includes(typed))
    : (hits ?? []).map((h) => ({ value: h.id, label: h.title }));
  // A choice the form's other choices now rule out (the stage of another pipeline) is let go.
  const ruledOut =
    translated &&
    conditions.length > 0 &&
    all.data !== undefined &&
    ids.some((id) => !items.some((i) => i.value === id));
  useEffect(() => {
    if (ruledOut)
      onChange(field.relation?.many ? ids.filter((id) => items.some((i) => i.value === id)) : null);
  });
  if (!field.relation?.many && ids[0] && !items.some((i) => i.value === ids[0]))
    items.unshift({ value: ids[0], label: currentTitle || '…' });
  if (field.relation?.many) {
    for (const id of ids)
      if (!items.some((i) => i.value === id)) items.push({ value: id, label: id.slice(0, 8) });
    return (
      <MultiSelect
        {...named}
        {...dropdown}
        data={items}
        value={ids}
        searchable
        searchValue={search}
        onSearchChange={setSearch}
        onChange={onChange}
        error={error}
        filter={({ options }) => options}
        clearable
      />
    );
  }
  return (
    <Select
      {...named}
      {...dropdown}
      data={items}
      value={ids[0] ?? null}
      searchable
      searchValue={search || (ids[0] ? currentTitle : '')}
      onSearchChange={setSearch}
      onChange={(v) => onChange(v)}
      error={error}
      required={required}
      filter={({ options }) => options}
      clearable
    />
  );
}
