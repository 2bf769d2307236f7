import {
  Checkbox,
  Group,
  Input,
  MultiSelect,
  NumberInput,
  Rating,
  Select,
  Textarea,
  TextInput,
} from '@mantine/core';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { DateInput } from '../../../components/DateInput.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { webModules } from '../../index.ts';
import { type FieldDef, label } from '../../metadata/utils/metadata.ts';
import { fieldInputFor } from '../../web-module.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import { type FormContext, RelationInput } from './RelationInput.tsx';

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
  // A module's own input for this field of this object (the sales module's win or loss reason), in forms.
  const Custom = form ? fieldInputFor(webModules, form.object.key, field.key)?.component : undefined;
  if (Custom)
    return (
      <Suspense fallback={null}>
        <Custom
          field={field}
          value={value}
          onChange={onChange}
          label={l}
          hideLabel={hideLabel}
          required={field.required}
          error={error}
        />
      </Suspense>
    );
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
