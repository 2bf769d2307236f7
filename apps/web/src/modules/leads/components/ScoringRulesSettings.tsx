import {
  ActionIcon,
  Badge,
  Button,
  Group,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { IconPencil, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { FilterBuilder } from '../../records/components/FilterBuilder.tsx';
import { type FilterState, toFilterTree } from '../../records/utils/filter.ts';
import { leadsKeys } from '../utils/leads-keys.ts';
import { fromFilterTree } from '../utils/rule-condition.ts';

type Rule = components['schemas']['ScoringRule'];
type Kind = Rule['kind'];

/** The kinds of activity (the activities' type options, admins' own included) in the user's language. */
function useActivityKinds() {
  const { i18n } = useTranslation();
  const activities = useObject('activities');
  const options = activities?.fields.find((f) => f.key === 'type')?.options ?? [];
  return options.map((o) => ({ value: o.value, label: label(o.labels, i18n.language as Locale) || o.value }));
}

/** The lead scoring rules (switch off, change, delete) and a form for a new one. */
export default function ScoringRulesSettings() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const qc = useQueryClient();
  const kinds = useActivityKinds();
  const rules = useQuery({
    queryKey: leadsKeys.scoringRules,
    queryFn: async () => (await call(client.GET('/api/v1/scoring-rules'))).data,
  });
  const refresh = () => qc.invalidateQueries({ queryKey: leadsKeys.scoringRules });
  const [editing, setEditing] = useState<Rule | undefined>();
  const toggle = useMutation({
    mutationFn: async (r: Rule) =>
      call(
        client.PATCH('/api/v1/scoring-rules/{id}', {
          params: { path: { id: r.id } },
          body: { enabled: !r.enabled },
        }),
      ),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async (id: string) =>
      call(client.DELETE('/api/v1/scoring-rules/{id}', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  const list = rules.data ?? [];
  const kindLabel = (value: string | null) => kinds.find((k) => k.value === value)?.label ?? value ?? '';
  return (
    <Stack>
      <Section title={t('scoring.rulesTitle')}>
        <Text size="sm" c="dimmed" mb="sm">
          {t('scoring.rulesHint')}
        </Text>
        <ErrorText error={rules.error ?? toggle.error ?? remove.error} />
        <Table.ScrollContainer minWidth={560} type="native">
          <Table withTableBorder data-testid="scoring-rules">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('scoring.ruleName')}</Table.Th>
                <Table.Th>{t('scoring.when')}</Table.Th>
                <Table.Th>{t('scoring.points')}</Table.Th>
                <Table.Th>{t('scoring.enabled')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td>{r.name}</Table.Td>
                  <Table.Td>
                    {r.kind === 'field' ? (
                      <Badge size="sm" variant="light">
                        {t('scoring.kinds.field')}
                      </Badge>
                    ) : (
                      <Text size="sm">
                        {t('scoring.eachActivity', { kind: kindLabel(r.activityType) })}
                        {r.halfLifeDays
                          ? ` · ${t('scoring.halvesEvery', { days: formatNumber(r.halfLifeDays, prefs) })}`
                          : ''}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <bdi>{`${r.points > 0 ? '+' : ''}${formatNumber(r.points, prefs)}`}</bdi>
                  </Table.Td>
                  <Table.Td>
                    <Switch
                      checked={r.enabled}
                      onChange={() => toggle.mutate(r)}
                      aria-label={t('scoring.enabled')}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <ActionIcon
                        variant="subtle"
                        onClick={() => setEditing(r)}
                        aria-label={t('scoring.editRule', { name: r.name })}
                      >
                        <IconPencil size={16} />
                      </ActionIcon>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        onClick={() => remove.mutate(r.id)}
                        aria-label={t('record.delete')}
                      >
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Section>
      <ScoringRuleForm
        key={editing?.id ?? 'new'}
        rule={editing}
        onDone={() => {
          setEditing(undefined);
          void refresh();
        }}
      />
    </Stack>
  );
}

/**
 * The form for a scoring rule, new or (given `rule`) one being changed: points for a condition on the lead's
 * fields (the lists' filter builder), or for each activity of a kind, with an optional half-life.
 */
function ScoringRuleForm({ rule, onDone }: { rule?: Rule | undefined; onDone: () => void }) {
  const { t } = useTranslation();
  const leads = useObject('leads');
  const kinds = useActivityKinds();
  const [name, setName] = useState(rule?.name ?? '');
  const [kind, setKind] = useState<Kind>(rule?.kind ?? 'field');
  const [condition, setCondition] = useState<FilterState>(fromFilterTree(rule?.condition ?? null));
  const [activityType, setActivityType] = useState<string | null>(rule?.activityType ?? null);
  const [points, setPoints] = useState<number>(rule?.points ?? 10);
  const [halfLife, setHalfLife] = useState<number | ''>(rule?.halfLifeDays ?? '');
  const tree = toFilterTree(condition) as Record<string, unknown> | undefined;
  const save = useMutation({
    mutationFn: async () => {
      const body =
        kind === 'field'
          ? { name, kind, condition: tree ?? null, activityType: null, halfLifeDays: null, points }
          : {
              name,
              kind,
              condition: null,
              activityType,
              halfLifeDays: halfLife === '' ? null : halfLife,
              points,
            };
      return rule
        ? call(client.PATCH('/api/v1/scoring-rules/{id}', { params: { path: { id: rule.id } }, body }))
        : call(client.POST('/api/v1/scoring-rules', { body }));
    },
    onSuccess: () => {
      setName('');
      setCondition(fromFilterTree(null));
      onDone();
    },
  });
  const ready = name.trim() !== '' && (kind === 'field' ? tree !== undefined : activityType !== null);
  return (
    <Section title={rule ? t('scoring.editRule', { name: rule.name }) : t('scoring.newRule')}>
      <Stack>
        <TextInput
          label={t('scoring.ruleName')}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          required
        />
        <SegmentedControl
          value={kind}
          onChange={(v) => setKind(v as Kind)}
          data={[
            { value: 'field', label: t('scoring.kinds.field') },
            { value: 'activity', label: t('scoring.kinds.activity') },
          ]}
        />
        {kind === 'field' && leads && (
          <Group gap="xs">
            <Text size="sm">{t('scoring.condition')}</Text>
            <FilterBuilder object={leads} value={condition} onChange={setCondition} />
          </Group>
        )}
        {kind === 'activity' && (
          <>
            <Select
              label={t('scoring.activityKind')}
              data={kinds}
              value={activityType}
              onChange={setActivityType}
              allowDeselect={false}
            />
            <NumberInput
              label={t('scoring.halfLife')}
              description={t('scoring.halfLifeHint')}
              min={1}
              max={3650}
              allowDecimal={false}
              value={halfLife}
              onChange={(v) => setHalfLife(v === '' ? '' : Number(v))}
            />
          </>
        )}
        <NumberInput
          label={t('scoring.points')}
          min={-1000}
          max={1000}
          allowDecimal={false}
          value={points}
          onChange={(v) => setPoints(Number(v) || 0)}
        />
        <ErrorText error={save.error} />
        <Group justify="flex-end">
          {rule && (
            <Button variant="default" onClick={onDone}>
              {t('record.cancel')}
            </Button>
          )}
          <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!ready}>
            {rule ? t('record.save') : t('scoring.addRule')}
          </Button>
        </Group>
      </Stack>
    </Section>
  );
}
