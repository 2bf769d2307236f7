import {
  Checkbox,
  type ComboboxItem,
  Group,
  Input,
  MultiSelect,
  NumberInput,
  Rating,
  Select,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client, type RecordData } from '../api/client.ts';
import type { Locale } from '../i18n/index.ts';
import { type FieldDef, label, type ObjectDef, titleOf } from '../lib/metadata.ts';
import { useMembers, useObject } from '../lib/session.ts';
import { DateInput } from './DateInput.tsx';
import { useRecord } from './FieldValue.tsx';

const CURRENCIES = [
  'SAR',
  'AED',
  'IRR',
  'EGP',
  'KWD',
  'QAR',
  'BHD',
  'OMR',
  'JOD',
  'IQD',
  'TRY',
  'USD',
  'EUR',
  'GBP',
];

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
function RelationInput({
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
    queryKey: ['relation-search', target, search],
    enabled: !translated && search.trim().length > 0,
    queryFn: async () =>
      (
        await call(
          client.GET('/api/v1/search', { params: { query: { q: search, objects: target, limit: 20 } } }),
        )
      ).data,
  });
  const all = useQuery({
    queryKey: ['relation-all', target],
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

/** The right input for a field's type; gives back the value in the API's JSON shape. */
export function FieldInput({
  field,
  value,
  onChange,
  error,
  hideLabel,
  nested,
  form,
}: {
  field: FieldDef;
  value: unknown;
  onChange: (v: unknown) => void;
  error?: string | undefined;
  /** The form the field is part of, when it is: relation choices then follow the form's other choices. */
  form?: FormContext | undefined;
  /** Names the input for assistive technology only (a filter row, where the field is chosen beside it). */
  hideLabel?: boolean;
  /** Inside a popover: dropdowns open within it, so a choice made in one does not close it. */
  nested?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const members = useMembers().data ?? [];
  const l = label(field.labels, locale);
  const options = (field.options ?? []).map((o) => ({ value: o.value, label: label(o.labels, locale) }));
  const named = hideLabel ? { 'aria-label': l } : { label: l };
  const common = { ...named, required: field.required, error };
  const dropdown = nested ? { comboboxProps: { withinPortal: false } } : {};
  switch (field.type) {
    case 'longText':
      return (
        <Textarea
          {...common}
          autosize
          minRows={2}
          value={(value as string) ?? ''}
          onChange={(e) => onChange(e.currentTarget.value || null)}
        />
      );
    case 'number':
      return (
        <NumberInput
          {...common}
          value={(value as number) ?? ''}
          onChange={(v) => onChange(v === '' ? null : Number(v))}
        />
      );
    case 'rating':
      return (
        <Input.Wrapper label={l} error={error}>
          <Rating value={Number(value ?? 0)} onChange={onChange} aria-label={l} />
        </Input.Wrapper>
      );
    case 'money': {
      const m = (value as { amount: string; currency: string } | null) ?? null;
      return (
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <TextInput
            {...common}
            inputMode="decimal"
            dir="ltr"
            value={m?.amount ?? ''}
            onChange={(e) => {
              const amount = e.currentTarget.value;
              onChange(amount ? { amount, currency: m?.currency ?? field.currency ?? 'USD' } : null);
            }}
            style={{ flex: 1 }}
          />
          <Select
            {...dropdown}
            aria-label={t('input.currency', { label: l })}
            data={[...new Set([...(field.currency ? [field.currency] : []), ...CURRENCIES])]}
            value={m?.currency ?? field.currency ?? null}
            onChange={(c) => onChange({ amount: m?.amount ?? '0', currency: c ?? 'USD' })}
            w={100}
            searchable
          />
        </Group>
      );
    }
    case 'date':
      return (
        <DateInput
          label={l}
          hideLabel={hideLabel}
          withinPortal={!nested}
          required={field.required}
          error={error}
          value={(value as string) ?? null}
          onChange={onChange}
        />
      );
    case 'dateTime': {
      const v = typeof value === 'string' ? value : null;
      return (
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <DateInput
            label={l}
            hideLabel={hideLabel}
            withinPortal={!nested}
            required={field.required}
            error={error}
            value={v ? v.slice(0, 10) : null}
            onChange={(d) => onChange(d ? `${d}T${v ? v.slice(11, 16) : '09:00'}:00.000Z` : null)}
          />
          <TextInput
            aria-label={t('input.time', { label: l })}
            type="time"
            value={v ? v.slice(11, 16) : ''}
            onChange={(e) => v && onChange(`${v.slice(0, 10)}T${e.currentTarget.value}:00.000Z`)}
            w={110}
          />
        </Group>
      );
    }
    case 'boolean':
      return (
        <Checkbox label={l} checked={Boolean(value)} onChange={(e) => onChange(e.currentTarget.checked)} />
      );
    case 'select':
      return (
        <Select
          {...dropdown}
          {...common}
          data={options}
          value={(value as string) ?? null}
          onChange={onChange}
          clearable
          searchable
        />
      );
    case 'multiSelect':
    case 'tags':
      return (
        <MultiSelect
          {...dropdown}
          {...common}
          data={
            field.type === 'tags'
              ? [...new Set([...options.map((o) => o.value), ...((value as string[]) ?? [])])]
              : options
          }
          value={(value as string[]) ?? []}
          onChange={onChange}
          searchable
          clearable
        />
      );
    case 'user':
      return (
        <Select
          {...dropdown}
          {...common}
          data={members.map((m) => ({ value: m.userId, label: m.name }))}
          value={(value as string) ?? null}
          onChange={onChange}
          searchable
          clearable
        />
      );
    case 'relation':
      return (
        <RelationInput
          field={field}
          value={value}
          onChange={onChange}
          named={named}
          dropdown={dropdown}
          required={field.required}
          error={error}
          form={form}
        />
      );
    case 'phone':
      return (
        <TextInput
          {...common}
          type="tel"
          dir="ltr"
          value={
            value && typeof value === 'object' ? (value as { raw: string }).raw : ((value as string) ?? '')
          }
          onChange={(e) => onChange(e.currentTarget.value || null)}
        />
      );
    case 'phones':
      return (
        <TextInput
          {...common}
          type="tel"
          dir="ltr"
          value={
            Array.isArray(value)
              ? (value as ({ raw: string } | string)[])
                  .map((p) => (typeof p === 'string' ? p : p.raw))
                  .join(', ')
              : ''
          }
          onChange={(e) =>
            onChange(
              e.currentTarget.value
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            )
          }
        />
      );
    case 'emails':
      return (
        <TextInput
          {...common}
          dir="ltr"
          value={
            Array.isArray(value)
              ? (value as ({ address: string } | string)[])
                  .map((p) => (typeof p === 'string' ? p : p.address))
                  .join(', ')
              : ''
          }
          onChange={(e) =>
            onChange(
              e.currentTarget.value
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            )
          }
        />
      );
    case 'address': {
      const a = (value as Record<string, string>) ?? {};
      const part = (k: string) => (e: React.ChangeEvent<HTMLInputElement>) =>
        onChange({ ...a, [k]: e.currentTarget.value });
      return (
        <Group gap="xs" grow>
          <TextInput label={l} value={a.street ?? ''} onChange={part('street')} />
          <TextInput aria-label={`${l} city`} mt={24} value={a.city ?? ''} onChange={part('city')} />
          <TextInput
            aria-label={`${l} country`}
            mt={24}
            value={a.country ?? ''}
            onChange={part('country')}
            maxLength={2}
          />
        </Group>
      );
    }
    case 'location': {
      const loc = (value as { lat: number; lng: number }) ?? null;
      return (
        <Group gap="xs" grow>
          <NumberInput
            label={t('input.latitude', { label: l })}
            value={loc?.lat ?? ''}
            onChange={(v) => onChange({ lat: Number(v), lng: loc?.lng ?? 0 })}
          />
          <NumberInput
            label={t('input.longitude', { label: l })}
            value={loc?.lng ?? ''}
            onChange={(v) => onChange({ lat: loc?.lat ?? 0, lng: Number(v) })}
          />
        </Group>
      );
    }
    case 'email':
    case 'url':
      return (
        <TextInput
          {...common}
          dir="ltr"
          type={field.type === 'email' ? 'email' : 'url'}
          value={(value as string) ?? ''}
          onChange={(e) => onChange(e.currentTarget.value || null)}
        />
      );
    default:
      return (
        <TextInput
          {...common}
          value={(value as string) ?? ''}
          onChange={(e) => onChange(e.currentTarget.value || null)}
        />
      );
  }
}
