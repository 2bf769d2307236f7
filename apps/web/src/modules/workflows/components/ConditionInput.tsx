import { Code, Group, Stack, Text, Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ObjectDef } from '../../metadata/utils/metadata.ts';
import { FilterBuilder } from '../../records/components/FilterBuilder.tsx';
import { toFilterTree } from '../../records/utils/filter.ts';
import { toFilterState } from '../utils/filter-state.ts';
import type { Condition } from '../utils/workflow-types.ts';

/**
 * A condition: a filter on the record's values, built with the lists' own filter builder, and/or a CEL
 * expression (both must hold). A filter deeper than the builder shows is kept and shown as it is.
 */
export function ConditionInput({
  object,
  value,
  onChange,
}: {
  object: ObjectDef | undefined;
  value: Condition;
  onChange: (c: Condition) => void;
}) {
  const { t } = useTranslation();
  const state = toFilterState(value.filter);
  const set = (patch: Partial<Condition>) => {
    const next = { ...value, ...patch };
    if (next.filter === undefined) delete next.filter;
    if (!next.expr) delete next.expr;
    onChange(next);
  };
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Text size="sm" fw={500}>
          {t('workflow.filter')}
        </Text>
        {object && state ? (
          <FilterBuilder
            object={object}
            value={state}
            onChange={(s) => set({ filter: toFilterTree(s) as Record<string, unknown> | undefined })}
          />
        ) : value.filter ? (
          <Code dir="ltr">{JSON.stringify(value.filter)}</Code>
        ) : (
          <Text size="xs" c="dimmed">
            {t('workflow.chooseObjectFirst')}
          </Text>
        )}
      </Group>
      <Textarea
        label={t('workflow.expression')}
        description={t('workflow.expressionHint')}
        value={value.expr ?? ''}
        onChange={(e) => set({ expr: e.currentTarget.value })}
        autosize
        minRows={2}
        ff="monospace"
        dir="ltr"
      />
    </Stack>
  );
}
