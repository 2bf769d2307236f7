import { ActionIcon, Button, Group, SegmentedControl, Stack, TextInput } from '@mantine/core';
import { IconX } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { ValueSource } from '../utils/workflow-types.ts';

/** A literal text, number or yes/no as the field takes it; anything else stays text. */
function literal(text: string, type: string | undefined): unknown {
  if ((type === 'number' || type === 'integer') && text.trim() !== '' && !Number.isNaN(Number(text)))
    return Number(text);
  if (type === 'boolean') return text === 'true';
  return text;
}

/** A value a step writes: a literal, or a CEL expression computed when the step runs. */
export function ValueSourceInput({
  value,
  onChange,
  label,
  fieldType,
}: {
  value: ValueSource;
  onChange: (v: ValueSource) => void;
  label: string;
  /** The field's type, so a literal number is stored as one. */
  fieldType?: string;
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
      <TextInput
        style={{ flex: 1 }}
        label={label}
        value={text}
        onChange={(e) =>
          onChange(
            isExpr ? { expr: e.currentTarget.value } : { value: literal(e.currentTarget.value, fieldType) },
          )
        }
        ff={isExpr ? 'monospace' : undefined}
        // An expression is code, read left to right in every language.
        dir={isExpr ? 'ltr' : undefined}
      />
      <SegmentedControl
        size="xs"
        aria-label={t('workflow.valueKind', { name: label })}
        value={isExpr ? 'expr' : 'value'}
        onChange={(k) =>
          onChange(k === 'expr' ? { expr: text || 'record' } : { value: literal(text, fieldType) })
        }
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
