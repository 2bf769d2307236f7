import { ActionIcon, Button, Group, Popover, SegmentedControl, Select, Stack } from '@mantine/core';
import { IconFilter, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { label, type ObjectDef, OPERATORS_BY_TYPE, visibleFields } from '../../metadata/utils/metadata.ts';
import type { Condition, FilterState } from '../utils/filter.ts';
import { FilterValueInput } from './FilterValueInput.tsx';

// Dropdowns open inside the filter's popover: one in a portal would count as a click outside and close it.
const INSIDE = { withinPortal: false };

/** Builds the filter tree from the object's fields: each field type offers its own operators and input. */
export function FilterBuilder({
  object,
  value,
  onChange,
}: {
  object: ObjectDef;
  value: FilterState;
  onChange: (v: FilterState) => void;
}) {
  const { t, i18n } = useTranslation();
  const prefs = usePrefs();
  const [opened, setOpened] = useState(false);
  const [draft, setDraft] = useState<FilterState>(value);
  const fields = visibleFields(object).filter((f) => OPERATORS_BY_TYPE[f.type]);
  const set = (i: number, c: Partial<Condition>) =>
    setDraft((d) => ({ ...d, conditions: d.conditions.map((x, j) => (j === i ? { ...x, ...c } : x)) }));
  const active = value.conditions.length;
  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-start" width={520} trapFocus>
      <Popover.Target>
        <Button
          variant={active ? 'light' : 'default'}
          size="xs"
          leftSection={<IconFilter size={14} />}
          onClick={() => {
            setDraft(value);
            setOpened((o) => !o);
          }}
        >
          {t('list.filter')}
          {active ? ` (${formatNumber(active, prefs)})` : ''}
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs">
          <SegmentedControl
            size="xs"
            value={draft.join}
            onChange={(v) => setDraft((d) => ({ ...d, join: v as 'and' | 'or' }))}
            data={[
              { value: 'and', label: t('list.all') },
              { value: 'or', label: t('list.any') },
            ]}
          />
          {draft.conditions.map((c, i) => {
            const field = fields.find((f) => f.key === c.field);
            return (
              <Group key={i} gap="xs" wrap="nowrap" align="flex-start" data-condition={i}>
                <Select
                  comboboxProps={INSIDE}
                  aria-label={t('list.field')}
                  data={fields.map((f) => ({
                    value: f.key,
                    label: label(f.labels, i18n.language as Locale),
                  }))}
                  value={c.field || null}
                  onChange={(v) =>
                    set(i, {
                      field: v ?? '',
                      op: OPERATORS_BY_TYPE[fields.find((f) => f.key === v)?.type ?? 'text']?.[0] ?? 'eq',
                      value: undefined,
                    })
                  }
                  searchable
                  w={160}
                />
                <Select
                  comboboxProps={INSIDE}
                  aria-label={t('list.operator')}
                  data={(OPERATORS_BY_TYPE[field?.type ?? 'text'] ?? []).map((op) => ({
                    value: op,
                    label: t(`op.${op}`),
                  }))}
                  value={c.op}
                  onChange={(v) => set(i, { op: v ?? 'eq' })}
                  w={140}
                />
                <div style={{ flex: 1 }}>
                  <FilterValueInput field={field} condition={c} onChange={(v) => set(i, { value: v })} />
                </div>
                <ActionIcon
                  variant="subtle"
                  aria-label={t('list.removeCondition')}
                  onClick={() =>
                    setDraft((d) => ({ ...d, conditions: d.conditions.filter((_, j) => j !== i) }))
                  }
                >
                  <IconX size={14} />
                </ActionIcon>
              </Group>
            );
          })}
          <Group justify="space-between">
            <Button
              size="xs"
              variant="subtle"
              onClick={() =>
                setDraft((d) => ({
                  ...d,
                  conditions: [...d.conditions, { field: '', op: 'contains', value: '' }],
                }))
              }
            >
              {t('list.addCondition')}
            </Button>
            <Group gap="xs">
              <Button
                size="xs"
                variant="default"
                onClick={() => {
                  onChange({ join: 'and', conditions: [] });
                  setOpened(false);
                }}
              >
                {t('list.clearFilters')}
              </Button>
              <Button
                size="xs"
                onClick={() => {
                  onChange(draft);
                  setOpened(false);
                }}
              >
                {t('list.apply')}
              </Button>
            </Group>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
