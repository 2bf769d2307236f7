import {
  Badge,
  Button,
  Group,
  MultiSelect,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { movedIds, RuleRowActions } from '../../../components/RuleRowActions.tsx';
import { Section } from '../../../components/Section.tsx';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { fromFilterTree } from '../../leads/utils/rule-condition.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { FilterBuilder } from '../../records/components/FilterBuilder.tsx';
import { type FilterState, toFilterTree } from '../../records/utils/filter.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import { useTeams } from '../../workspaces/hooks/useTeams.ts';
import {
  assignmentApi,
  assignmentKeys,
  DESK_STRATEGIES,
  type DeskRule,
  type DeskStrategy,
} from '../utils/assignment-api.ts';
import { AssignmentAgents } from './AssignmentAgents.tsx';

/** Settings → Ticket assignment: the rules in priority order (move, switch off, edit, delete), a form, the agents. */
export default function AssignmentSettings() {
  const { t, i18n } = useTranslation();
  const names = new Intl.ListFormat(i18n.language, { type: 'conjunction' });
  const qc = useQueryClient();
  const members = useMembers();
  const teams = useTeams();
  const rules = useQuery({ queryKey: assignmentKeys.rules, queryFn: assignmentApi.rules });
  const refresh = () => qc.invalidateQueries({ queryKey: assignmentKeys.rules });
  const [editing, setEditing] = useState<DeskRule | undefined>();
  const reorder = useMutation({ mutationFn: assignmentApi.reorderRules, onSuccess: refresh });
  const toggle = useMutation({
    mutationFn: (r: DeskRule) => assignmentApi.updateRule(r.id, { enabled: !r.enabled }),
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: assignmentApi.deleteRule, onSuccess: refresh });
  const list = rules.data ?? [];
  const nameOf = (id: string) => members.data?.find((m) => m.userId === id)?.name ?? id;
  const poolOf = (r: DeskRule) =>
    r.teamId
      ? (teams.data?.find((x) => x.id === r.teamId)?.name ?? t('deskAssign.team'))
      : names.format(r.members.map(nameOf));
  return (
    <Stack>
      <Section title={t('deskAssign.rulesTitle')}>
        <Text size="sm" c="dimmed" mb="sm">
          {t('deskAssign.rulesHint')}
        </Text>
        <ErrorText error={rules.error ?? reorder.error ?? toggle.error ?? remove.error} />
        {list.length === 0 && !rules.isLoading ? (
          <Text size="sm">{t('deskAssign.noRules')}</Text>
        ) : (
          <Table.ScrollContainer minWidth={640} type="native">
            <Table withTableBorder data-testid="desk-assignment-rules">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('deskAssign.ruleName')}</Table.Th>
                  <Table.Th>{t('deskAssign.strategy')}</Table.Th>
                  <Table.Th>{t('deskAssign.pool')}</Table.Th>
                  <Table.Th>{t('deskAssign.enabled')}</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>{t('deskAssign.actions')}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((r, i) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>
                      <span dir="auto">{r.name}</span>
                      {r.condition ? (
                        <Badge size="xs" variant="light" ms={6}>
                          {t('deskAssign.hasCondition')}
                        </Badge>
                      ) : null}
                      {r.sticky ? (
                        <Badge size="xs" variant="light" color="grape" ms={6}>
                          {t('deskAssign.stickyBadge')}
                        </Badge>
                      ) : null}
                    </Table.Td>
                    <Table.Td>{t(`deskAssign.strategies.${r.strategy}`)}</Table.Td>
                    <Table.Td>{poolOf(r)}</Table.Td>
                    <Table.Td>
                      <Switch
                        checked={r.enabled}
                        onChange={() => toggle.mutate(r)}
                        aria-label={t('deskAssign.enabledOf', { name: r.name })}
                      />
                    </Table.Td>
                    <Table.Td>
                      <RuleRowActions
                        first={i === 0}
                        last={i === list.length - 1}
                        labels={{
                          edit: t('deskAssign.editRule', { name: r.name }),
                          up: t('deskAssign.moveUp', { name: r.name }),
                          down: t('deskAssign.moveDown', { name: r.name }),
                          delete: t('deskAssign.deleteRule', { name: r.name }),
                        }}
                        onEdit={() => setEditing(r)}
                        onMove={(by) =>
                          reorder.mutate(
                            movedIds(
                              list.map((x) => x.id),
                              i,
                              by,
                            ),
                          )
                        }
                        onDelete={() => remove.mutate(r.id)}
                      />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Section>
      <RuleForm
        key={editing?.id ?? 'new'}
        rule={editing}
        onDone={() => {
          setEditing(undefined);
          void refresh();
        }}
      />
      <AssignmentAgents />
    </Stack>
  );
}

/** Ticket fields a rule may read a product or tier from (text, select and tags fields). */
const SKILL_FIELD_TYPES = new Set(['text', 'select', 'multiSelect', 'tags']);

/**
 * The form for a rule, new or (given `rule`) one being changed: name, condition (the lists' filter builder on
 * tickets), strategy, a team or members, sticky, and the ticket fields naming the product and tier.
 */
function RuleForm({ rule, onDone }: { rule?: DeskRule | undefined; onDone: () => void }) {
  const { t } = useTranslation();
  const tickets = useObject('tickets');
  const members = useMembers();
  const teams = useTeams();
  const [name, setName] = useState(rule?.name ?? '');
  const [strategy, setStrategy] = useState<DeskStrategy>(rule?.strategy ?? 'roundRobin');
  const [teamId, setTeamId] = useState<string | null>(rule?.teamId ?? null);
  const [pool, setPool] = useState<string[]>(rule?.members ?? []);
  const [sticky, setSticky] = useState(rule?.sticky ?? false);
  const [productField, setProductField] = useState<string | null>(rule?.productField ?? null);
  const [tierField, setTierField] = useState<string | null>(rule?.tierField ?? null);
  const [condition, setCondition] = useState<FilterState>(fromFilterTree(rule?.condition ?? null));
  const locale = usePrefs().locale;
  const fieldChoices = (tickets?.fields ?? [])
    .filter((f) => SKILL_FIELD_TYPES.has(f.type))
    .map((f) => ({ value: f.key, label: label(f.labels, locale) || f.key }));
  const save = useMutation({
    mutationFn: async () => {
      const body = {
        name,
        strategy,
        sticky,
        condition: (toFilterTree(condition) as Record<string, unknown> | undefined) ?? null,
        teamId,
        members: teamId ? [] : pool,
        productField,
        tierField,
      };
      return rule ? assignmentApi.updateRule(rule.id, body) : assignmentApi.createRule(body);
    },
    onSuccess: () => {
      setName('');
      setPool([]);
      setTeamId(null);
      setSticky(false);
      setCondition(fromFilterTree(null));
      onDone();
    },
  });
  return (
    <Section title={rule ? t('deskAssign.editRule', { name: rule.name }) : t('deskAssign.newRule')}>
      <Stack data-testid="desk-rule-form">
        <TextInput
          label={t('deskAssign.ruleName')}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          dir="auto"
          required
        />
        {tickets && (
          <Group gap="xs">
            <Text size="sm">{t('deskAssign.condition')}</Text>
            <FilterBuilder object={tickets} value={condition} onChange={setCondition} />
          </Group>
        )}
        <Select
          label={t('deskAssign.strategy')}
          data={DESK_STRATEGIES.map((s) => ({ value: s, label: t(`deskAssign.strategies.${s}`) }))}
          value={strategy}
          onChange={(v) => v && setStrategy(v as DeskStrategy)}
          allowDeselect={false}
        />
        <Select
          label={t('deskAssign.team')}
          placeholder={t('deskAssign.noTeam')}
          data={(teams.data ?? []).map((x) => ({ value: x.id, label: x.name }))}
          value={teamId}
          onChange={setTeamId}
          clearable
        />
        {!teamId && (
          <MultiSelect
            label={t('deskAssign.members')}
            data={(members.data ?? []).map((m) => ({ value: m.userId, label: m.name }))}
            value={pool}
            onChange={setPool}
            searchable
          />
        )}
        <Switch
          label={t('deskAssign.sticky')}
          checked={sticky}
          onChange={(e) => setSticky(e.currentTarget.checked)}
        />
        <Group grow>
          <Select
            label={t('deskAssign.productField')}
            placeholder={t('deskAssign.noField')}
            data={fieldChoices}
            value={productField}
            onChange={setProductField}
            clearable
          />
          <Select
            label={t('deskAssign.tierField')}
            placeholder={t('deskAssign.noField')}
            data={fieldChoices}
            value={tierField}
            onChange={setTierField}
            clearable
          />
        </Group>
        <ErrorText error={save.error} />
        <Group justify="flex-end">
          {rule && (
            <Button variant="default" onClick={onDone}>
              {t('record.cancel')}
            </Button>
          )}
          <Button
            onClick={() => save.mutate()}
            loading={save.isPending}
            disabled={!name.trim() || (!teamId && pool.length === 0)}
          >
            {rule ? t('record.save') : t('deskAssign.addRule')}
          </Button>
        </Group>
      </Stack>
    </Section>
  );
}
