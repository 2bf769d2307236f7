import {
  Badge,
  Button,
  Fieldset,
  Group,
  MultiSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { movedIds, RuleRowActions } from '../../../components/RuleRowActions.tsx';
import { Section } from '../../../components/Section.tsx';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { FilterBuilder } from '../../records/components/FilterBuilder.tsx';
import { type FilterState, toFilterTree } from '../../records/utils/filter.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import { capacityText, parseCapacity } from '../utils/capacity.ts';
import {
  compactTerritory,
  leadsKeys,
  STRATEGIES,
  type Strategy,
  type Territory,
} from '../utils/leads-keys.ts';
import { fromFilterTree } from '../utils/rule-condition.ts';
import { CapacityInput } from './CapacityInput.tsx';
import { TerritoryEditor } from './TerritoryEditor.tsx';

type Rule = components['schemas']['AssignmentRule'];
type MemberCapacity = components['schemas']['AssignmentCapacity'];

/** Every member's own limit of open leads and open leads now (the rules editor's placeholders, the members list). */
function useCapacities() {
  return useQuery({
    queryKey: leadsKeys.capacity,
    queryFn: async () => (await call(client.GET('/api/v1/assignment-capacity'))).data,
  });
}

/** The assignment rules in priority order (move, switch off, delete), a form for a new one, and who is away. */
export default function AssignmentRulesSettings() {
  const { t, i18n } = useTranslation();
  const prefs = usePrefs();
  const names = new Intl.ListFormat(i18n.language, { type: 'conjunction' });
  const qc = useQueryClient();
  const rules = useQuery({
    queryKey: leadsKeys.rules,
    queryFn: async () => (await call(client.GET('/api/v1/assignment-rules'))).data,
  });
  const refresh = () => qc.invalidateQueries({ queryKey: leadsKeys.rules });
  const [editing, setEditing] = useState<Rule | undefined>();
  const reorder = useMutation({
    mutationFn: async (ids: string[]) =>
      call(client.POST('/api/v1/assignment-rules/reorder', { body: { ids } })),
    onSuccess: refresh,
  });
  const toggle = useMutation({
    mutationFn: async (r: Rule) =>
      call(
        client.PATCH('/api/v1/assignment-rules/{id}', {
          params: { path: { id: r.id } },
          body: { enabled: !r.enabled },
        }),
      ),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async (id: string) =>
      call(client.DELETE('/api/v1/assignment-rules/{id}', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  const list = rules.data ?? [];
  return (
    <Stack>
      <Section title={t('leads.rulesTitle')}>
        <Text size="sm" c="dimmed" mb="sm">
          {t('leads.rulesHint')}
        </Text>
        <ErrorText error={rules.error ?? reorder.error ?? toggle.error ?? remove.error} />
        <Table.ScrollContainer minWidth={640} type="native">
          <Table withTableBorder data-testid="assignment-rules">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('leads.ruleName')}</Table.Th>
                <Table.Th>{t('leads.strategy')}</Table.Th>
                <Table.Th>{t('leads.pool')}</Table.Th>
                <Table.Th>{t('leads.enabled')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((r, i) => (
                <Table.Tr key={r.id}>
                  <Table.Td>
                    {r.name}
                    {r.condition ? (
                      <Badge size="xs" variant="light" ms={6}>
                        {t('leads.hasCondition')}
                      </Badge>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    {t(`leads.strategies.${r.strategy}`)}
                    {r.reassignAfterHours ? (
                      <Badge size="xs" variant="light" ms={6}>
                        {t('leads.reassignsAfter', {
                          count: r.reassignAfterHours,
                          hours: formatNumber(r.reassignAfterHours, prefs),
                        })}
                      </Badge>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    {names.format(
                      r.pool.map((m) => {
                        const member =
                          r.strategy === 'weighted' ? `${m.name} ×${formatNumber(m.weight, prefs)}` : m.name;
                        return m.capacity === undefined
                          ? member
                          : t('leads.withCapacity', { member, n: formatNumber(m.capacity, prefs) });
                      }),
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Switch
                      checked={r.enabled}
                      onChange={() => toggle.mutate(r)}
                      aria-label={t('leads.enabled')}
                    />
                  </Table.Td>
                  <Table.Td>
                    <RuleRowActions
                      first={i === 0}
                      last={i === list.length - 1}
                      labels={{
                        edit: t('leads.editRule', { name: r.name }),
                        up: t('leads.moveUp'),
                        down: t('leads.moveDown'),
                        delete: t('record.delete'),
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
      </Section>
      <RuleForm
        key={editing?.id ?? 'new'}
        rule={editing}
        onDone={() => {
          setEditing(undefined);
          void refresh();
        }}
      />
      <AwayMembers />
    </Stack>
  );
}

/**
 * The form for a rule, new or (given `rule`) one being changed: name, condition (the lists' filter builder on
 * leads), strategy, pool, weights or each member's territory, and re-assignment of untouched leads.
 */
function RuleForm({ rule, onDone }: { rule?: Rule | undefined; onDone: () => void }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const leads = useObject('leads');
  const members = useMembers();
  const defaults = useCapacities();
  const [capacities, setCapacities] = useState<Record<string, string>>(
    Object.fromEntries((rule?.pool ?? []).map((m) => [m.userId, capacityText(m.capacity, prefs)])),
  );
  const [name, setName] = useState(rule?.name ?? '');
  const [strategy, setStrategy] = useState<Strategy>(rule?.strategy ?? 'roundRobin');
  const [pool, setPool] = useState<string[]>(rule?.pool.map((m) => m.userId) ?? []);
  const [weights, setWeights] = useState<Record<string, number>>(
    Object.fromEntries((rule?.pool ?? []).map((m) => [m.userId, m.weight])),
  );
  const [territories, setTerritories] = useState<Record<string, Territory>>(
    Object.fromEntries((rule?.pool ?? []).map((m) => [m.userId, m.territory ?? {}])),
  );
  const [condition, setCondition] = useState<FilterState>(fromFilterTree(rule?.condition ?? null));
  const [reassignHours, setReassignHours] = useState<number | null>(rule?.reassignAfterHours ?? null);
  const [calendarId, setCalendarId] = useState<string | null>(rule?.calendarId ?? null);
  const calendars = useQuery({
    queryKey: leadsKeys.calendars,
    queryFn: async () => (await call(client.GET('/api/v1/service/calendars'))).data,
  });
  const create = useMutation({
    mutationFn: async () => {
      const body = {
        name,
        strategy,
        condition: (toFilterTree(condition) as Record<string, unknown> | undefined) ?? null,
        pool: pool.map((userId) => {
          const territory = compactTerritory(territories[userId]);
          const capacity = parseCapacity(capacities[userId] ?? '');
          return {
            userId,
            ...(strategy === 'weighted' ? { weight: weights[userId] ?? 1 } : {}),
            ...(territory ? { territory } : {}),
            ...(typeof capacity === 'number' ? { capacity } : {}),
          };
        }),
        reassignAfterHours: strategy === 'fixed' ? null : reassignHours,
        calendarId: strategy === 'fixed' || !reassignHours ? null : calendarId,
      };
      return rule
        ? call(client.PATCH('/api/v1/assignment-rules/{id}', { params: { path: { id: rule.id } }, body }))
        : call(client.POST('/api/v1/assignment-rules', { body }));
    },
    onSuccess: () => {
      setName('');
      setPool([]);
      setCapacities({});
      setCondition(fromFilterTree(null));
      onDone();
    },
  });
  const nameOf = (id: string) => members.data?.find((m) => m.userId === id)?.name ?? id;
  const defaultOf = (id: string) => defaults.data?.find((c) => c.userId === id)?.capacity ?? null;
  const badCapacity = pool.some((id) => parseCapacity(capacities[id] ?? '') === undefined);
  return (
    <Section title={rule ? t('leads.editRule', { name: rule.name }) : t('leads.newRule')}>
      <Stack>
        <TextInput
          label={t('leads.ruleName')}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          required
        />
        {leads && (
          <Group gap="xs">
            <Text size="sm">{t('leads.condition')}</Text>
            <FilterBuilder object={leads} value={condition} onChange={setCondition} />
          </Group>
        )}
        <Select
          label={t('leads.strategy')}
          data={STRATEGIES.map((s) => ({ value: s, label: t(`leads.strategies.${s}`) }))}
          value={strategy}
          onChange={(v) => v && setStrategy(v as Strategy)}
          allowDeselect={false}
        />
        <MultiSelect
          label={strategy === 'fixed' ? t('leads.fixedOwner') : t('leads.pool')}
          data={(members.data ?? []).map((m) => ({ value: m.userId, label: m.name }))}
          value={pool}
          onChange={(v) => setPool(strategy === 'fixed' ? v.slice(-1) : v)}
          searchable
        />
        {strategy === 'weighted' &&
          pool.map((id) => (
            <NumberInput
              key={id}
              label={t('leads.weightOf', { name: nameOf(id) })}
              min={1}
              max={100}
              value={weights[id] ?? 1}
              onChange={(v) => setWeights((w) => ({ ...w, [id]: Number(v) || 1 }))}
            />
          ))}
        {strategy === 'territory' && pool.length > 0 && (
          <Stack gap="xs">
            <Text size="sm" c="dimmed">
              {t('leads.territoryHint')}
            </Text>
            {pool.map((id) => (
              <TerritoryEditor
                key={id}
                name={nameOf(id)}
                value={territories[id] ?? {}}
                onChange={(next) => setTerritories((all) => ({ ...all, [id]: next }))}
              />
            ))}
          </Stack>
        )}
        {pool.length > 0 && (
          <Fieldset legend={t('leads.capacity')} data-testid="capacity-option">
            <Text size="sm" c="dimmed" mb="xs">
              {t('leads.capacityHint')}
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {pool.map((id) => {
                const fallback = defaultOf(id);
                return (
                  <CapacityInput
                    key={id}
                    label={t('leads.capacityOf', { name: nameOf(id) })}
                    value={capacities[id] ?? ''}
                    onChange={(text) => setCapacities((all) => ({ ...all, [id]: text }))}
                    placeholder={
                      fallback === null
                        ? t('leads.noLimit')
                        : t('leads.defaultLimit', { n: formatNumber(fallback, prefs) })
                    }
                  />
                );
              })}
            </SimpleGrid>
          </Fieldset>
        )}
        {strategy !== 'fixed' && (
          <Fieldset legend={t('leads.reassign')} data-testid="reassign-option">
            <Text size="sm" c="dimmed" mb="xs">
              {t('leads.reassignHint')}
            </Text>
            <Group grow align="flex-end">
              <NumberInput
                label={t('leads.reassignHours')}
                min={1}
                max={720}
                allowDecimal={false}
                value={reassignHours ?? ''}
                onChange={(v) => setReassignHours(typeof v === 'number' && v >= 1 ? Math.min(720, v) : null)}
              />
              <Select
                label={t('leads.reassignCalendar')}
                placeholder={t('leads.reassignElapsed')}
                data={(calendars.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
                value={calendarId}
                onChange={setCalendarId}
                disabled={!reassignHours}
                clearable
              />
            </Group>
          </Fieldset>
        )}
        <ErrorText error={create.error} />
        <Group justify="flex-end">
          {rule && (
            <Button variant="default" onClick={onDone}>
              {t('record.cancel')}
            </Button>
          )}
          <Button
            onClick={() => create.mutate()}
            loading={create.isPending}
            disabled={!name.trim() || pool.length === 0 || badCapacity}
          >
            {rule ? t('record.save') : t('leads.addRule')}
          </Button>
        </Group>
      </Stack>
    </Section>
  );
}

/**
 * Members: whether each is away, and their own limit of open leads with how many they hold now (every rule skips a
 * member who is away or at their limit; a rule may set its own limit for them). A limit is saved when its field is
 * left.
 */
function AwayMembers() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const members = useMembers();
  const capacities = useCapacities();
  const away = useQuery({
    queryKey: leadsKeys.away,
    queryFn: async () => (await call(client.GET('/api/v1/assignment-away'))).data,
  });
  const mark = useMutation({
    mutationFn: async (v: { userId: string; away: boolean }) =>
      call(
        client.PUT('/api/v1/assignment-away/{userId}', {
          params: { path: { userId: v.userId } },
          body: { away: v.away },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: leadsKeys.away }),
  });
  const awayIds = new Set((away.data ?? []).map((a) => a.userId));
  return (
    <Section title={t('leads.awayTitle')}>
      <Text size="sm" c="dimmed" mb="sm">
        {t('leads.awayHint')}
      </Text>
      <ErrorText error={mark.error ?? capacities.error} />
      <Stack gap="sm">
        {(members.data ?? []).map((m) => {
          const capacity = capacities.data?.find((c) => c.userId === m.userId);
          return (
            <Group key={m.userId} justify="space-between" align="flex-end" wrap="nowrap">
              <Switch
                // The whole row's width, so the switch's hidden input is not under its track (clicks reach it).
                style={{ flex: 1 }}
                label={m.name}
                checked={awayIds.has(m.userId)}
                onChange={(e) => mark.mutate({ userId: m.userId, away: e.currentTarget.checked })}
                description={awayIds.has(m.userId) ? t('leads.isAway') : undefined}
              />
              {capacity && (
                <MemberCapacityInput
                  key={`${m.userId}:${capacity.capacity}`}
                  name={m.name}
                  capacity={capacity}
                />
              )}
            </Group>
          );
        })}
      </Stack>
    </Section>
  );
}

/** One member's own limit of open leads, saved when changed and left, with their open leads now. */
function MemberCapacityInput({ name, capacity }: { name: string; capacity: MemberCapacity }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const qc = useQueryClient();
  const [text, setText] = useState(capacityText(capacity.capacity, prefs));
  const save = useMutation({
    mutationFn: async (value: number | null) =>
      call(
        client.PUT('/api/v1/assignment-capacity/{userId}', {
          params: { path: { userId: capacity.userId } },
          body: { capacity: value },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: leadsKeys.capacity }),
  });
  const commit = () => {
    const value = parseCapacity(text);
    if (value !== undefined && value !== capacity.capacity) save.mutate(value);
  };
  return (
    <Stack gap={2} w={240}>
      <CapacityInput
        label={t('leads.defaultCapacityOf', { name })}
        value={text}
        onChange={setText}
        placeholder={t('leads.noLimit')}
        onCommit={commit}
      />
      <Text size="xs" c="dimmed">
        {t('leads.openLeads', { n: formatNumber(capacity.openLeads, prefs) })}
      </Text>
      <ErrorText error={save.error} />
    </Stack>
  );
}
