import { ActionIcon, Button, Group, SegmentedControl, Stack, TextInput } from '@mantine/core';
import { IconX } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { FieldDef } from '../../metadata/utils/metadata.ts';
import { FieldInput } from '../../records/components/FieldInput.tsx';
import type { ValueSource } from '../utils/workflow-types.ts';

/**
 * A value a step writes: a literal, or a CEL expression computed when the step runs. A literal for a known field
 * is entered with the record form's own input for its type (choices, dates, people, related records).
 */
export function ValueSourceInput({
  value,
  onChange,
  label,
  field,
}: {
  value: ValueSource;
  onChange: (v: ValueSource) => void;
  label: string;
  /** The field the value is written to, when it is one. */
  field?: FieldDef | undefined;
}) {
  const { t } = useTranslation();
  const isExpr = 'expr' in value;
  const text = isExpr
    ? value.expr
    : value.value === undefined || value.value === null
      ? ''
      : String(value.value);
  return (
    <Group gap="xs" wrap="nowrap" align="flex-end">
      {field && !isExpr ? (
        <div style={{ flex: 1 }}>
          <FieldInput field={field} value={value.value} onChange={(v) => onChange({ value: v })} />
        </div>
      ) : (
        <TextInput
          style={{ flex: 1 }}
          label={label}
          value={text}
          onChange={(e) =>
            onChange(isExpr ? { expr: e.currentTarget.value } : { value: e.currentTarget.value })
          }
          ff={isExpr ? 'monospace' : undefined}
          // An expression is code, read left to right in every language.
          dir={isExpr ? 'ltr' : undefined}
        />
      )}
      <SegmentedControl
        size="xs"
        aria-label={t('workflow.valueKind', { name: label })}
        value={isExpr ? 'expr' : 'value'}
        onChange={(k) => onChange(k === 'expr' ? { expr: text || 'record' } : { value: field ? null : text })}
        data={[
          { value: 'value', label: t('workflow.literal') },
          { value: 'expr', label: t('workflow.computed') },
        ]}
      />
    </Group>
  );
}

/** A list of values (recipients, users to notify), each literal or an expression. */
export function ValueSourceList({
  values,
  onChange,
  label,
  addLabel,
}: {
  values: ValueSource[];
  onChange: (v: ValueSource[]) => void;
  label: string;
  addLabel: string;
}) {
  const { t } = useTranslation();
  return (
    <Stack gap={4}>
      {values.map((v, i) => (
        <Group key={i} gap={4} wrap="nowrap" align="flex-end">
          <div style={{ flex: 1 }}>
            <ValueSourceInput
              label={`${label} ${i + 1}`}
              value={v}
              onChange={(nv) => onChange(values.map((x, j) => (j === i ? nv : x)))}
            />
          </div>
          <ActionIcon
            variant="subtle"
            mb={4}
            aria-label={t('workflow.removeItem', { name: `${label} ${i + 1}` })}
            onClick={() => onChange(values.filter((_, j) => j !== i))}
          >
            <IconX size={14} />
          </ActionIcon>
        </Group>
      ))}
      <Button size="xs" variant="subtle" onClick={() => onChange([...values, { value: '' }])}>
        {addLabel}
      </Button>
    </Stack>
  );
}
