import { Select, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { type FieldDef, label } from '../../metadata/utils/metadata.ts';
import type { Condition } from '../utils/filter.ts';
import { FieldInput } from './FieldInput.tsx';

// Dropdowns open inside the filter's popover: one in a portal would count as a click outside and close it.
const INSIDE = { withinPortal: false };

/** A filter condition's value: the field's own input, or a list of values for `in`. */
export function FilterValueInput({
  field,
  condition,
  onChange,
}: {
  field?: FieldDef;
  condition: Condition;
  onChange: (v: unknown) => void;
}) {
  const { t, i18n } = useTranslation();
  if (!field || condition.op === 'isNull' || condition.op === 'isNotNull') return null;
  const options = (field.options ?? []).map((o) => ({
    value: o.value,
    label: label(o.labels, i18n.language as Locale),
  }));
  const list = ['in', 'nin', 'hasAny', 'hasAll'].includes(condition.op);
  // Records, people and dates are picked as in a form (by name, in the user's calendar), never typed as ids.
  if (['relation', 'user', 'date', 'dateTime'].includes(field.type) && !list && !field.relation?.many)
    return (
      <FieldInput
        field={{ ...field, required: false }}
        value={condition.value ?? null}
        onChange={onChange}
        hideLabel
        nested
      />
    );
  if (field.type === 'boolean')
    return (
      <Select
        comboboxProps={INSIDE}
        aria-label={t('list.value')}
        data={[
          { value: 'true', label: t('record.yes') },
          { value: 'false', label: t('record.no') },
        ]}
        value={condition.value === undefined ? null : String(condition.value)}
        onChange={(v) => onChange(v === 'true')}
      />
    );
  if (options.length > 0 && !list)
    return (
      <Select
        comboboxProps={INSIDE}
        aria-label={t('list.value')}
        data={options}
        value={(condition.value as string) ?? null}
        onChange={onChange}
        searchable
      />
    );
  return (
    <TextInput
      aria-label={t('list.value')}
      value={
        Array.isArray(condition.value) ? condition.value.join(', ') : ((condition.value as string) ?? '')
      }
      onChange={(e) => {
        const raw = e.currentTarget.value;
        if (list)
          onChange(
            raw
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          );
        else if (field.type === 'number' || field.type === 'rating') onChange(raw === '' ? '' : Number(raw));
        else if (field.type === 'money') onChange(raw);
        else onChange(raw);
      }}
    />
  );
}
