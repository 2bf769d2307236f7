import { ActionIcon, Button, Group, Select, Stack, Text } from '@mantine/core';
import { IconX } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { label, type ObjectDef, visibleFields } from '../../metadata/utils/metadata.ts';
import type { ValueSource } from '../utils/workflow-types.ts';
import { ValueSourceInput } from './ValueSourceInput.tsx';

/** The fields a step writes, each a literal or an expression; fields come from the object's metadata. */
export function ValuesEditor({
  object,
  values,
  onChange,
}: {
  object: ObjectDef | undefined;
  values: Record<string, ValueSource>;
  onChange: (v: Record<string, ValueSource>) => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const fields = object ? visibleFields(object) : [];
  const entries = Object.entries(values);
  const free = fields.filter((f) => !(f.key in values));
  const fieldLabel = (key: string) => {
    const f = fields.find((x) => x.key === key);
    return f ? label(f.labels, locale) : key;
  };
  return (
    <Stack gap="xs">
      <Text size="sm" fw={500}>
        {t('workflow.values')}
      </Text>
      {entries.map(([key, source]) => (
        <Group key={key} gap={4} wrap="nowrap" align="flex-end">
          <div style={{ flex: 1 }}>
            <ValueSourceInput
              label={fieldLabel(key)}
              value={source}
              field={fields.find((f) => f.key === key)}
              onChange={(v) => onChange({ ...values, [key]: v })}
            />
          </div>
          <ActionIcon
            variant="subtle"
            mb={4}
            aria-label={t('workflow.removeItem', { name: fieldLabel(key) })}
            onClick={() => onChange(Object.fromEntries(entries.filter(([k]) => k !== key)))}
          >
            <IconX size={14} />
          </ActionIcon>
        </Group>
      ))}
      {free.length ? (
        <Select
          aria-label={t('workflow.addValue')}
          placeholder={t('workflow.addValue')}
          data={free.map((f) => ({ value: f.key, label: label(f.labels, locale) }))}
          value={null}
          searchable
          onChange={(k) => k && onChange({ ...values, [k]: { value: null } })}
        />
      ) : null}
      {!object ? (
        <Button size="xs" variant="subtle" disabled>
          {t('workflow.chooseObjectFirst')}
        </Button>
      ) : null}
    </Stack>
  );
}
