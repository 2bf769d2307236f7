import {
  ActionIcon,
  Badge,
  Button,
  Group,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconPencil, IconTrash } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDelete } from '../../../components/ConfirmDelete.tsx';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useAction } from '../../../lib/use-action.ts';
import { useCan } from '../../auth/hooks/useMe.ts';
import { allPlaced, problemFor } from '../../email/utils/field-problem.ts';
import { fromFilterTree } from '../../leads/utils/rule-condition.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label, type ObjectDef } from '../../metadata/utils/metadata.ts';
import { FilterBuilder } from '../../records/components/FilterBuilder.tsx';
import { type FilterState, toFilterTree } from '../../records/utils/filter.ts';
import { type NewPolicy, type SlaPolicy, serviceApi } from '../utils/service-api.ts';
import { serviceKeys } from '../utils/service-keys.ts';
import { type HoursMinutes, METRICS, PRIORITIES, toHoursMinutes, toMinutes } from '../utils/sla-targets.ts';

/** Statuses that end a ticket: they stop clocks, so a policy cannot pause on them (as the server says). */
const DONE = new Set(['resolved', 'closed']);

/** A select field's options of the ticket object, labelled in the user's language. */
function optionsOf(tickets: ObjectDef | undefined, field: string, locale: Locale) {
  return (tickets?.fields.find((f) => f.key === field)?.options ?? []).map((o) => ({
    value: o.value,
    label: label(o.labels, locale) || o.value,
  }));
}

/**
 * Settings → SLA policies: the policies in matching order (the first whose condition a ticket meets applies), each
 * moved up or down, switched on or off, changed or deleted; and the form that writes one.
 */
export default function SlaPoliciesSettings() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const canManage = useCan('service.sla.manage');
  const tickets = useObject('tickets');
  const policies = useQuery({ queryKey: serviceKeys.policies, queryFn: serviceApi.policies });
  const calendars = useQuery({ queryKey: serviceKeys.calendars, queryFn: serviceApi.calendars });
  const [editing, setEditing] = useState<string | undefined>();
  const [deleting, setDeleting] = useState<SlaPolicy | undefined>();
  const [formKey, setFormKey] = useState(0);
  const change = useAction();
  const removal = useAction();
  const list = [...(policies.data ?? [])].sort((a, b) => a.position - b.position);
  const edited = list.find((p) => p.id === editing);
  const calendarName = (id: string | null) =>
    calendars.data?.find((c) => c.id === id)?.name ?? t('service.calendarTime');
  const patch = (p: SlaPolicy, body: Partial<NewPolicy> & { position?: number }) =>
    change.run(
      () => serviceApi.savePolicy(p.id, body as NewPolicy & { position?: number }),
      [serviceKeys.policies],
    );
  // The two neighbours swap positions (the server keeps `position` as given and orders by it, then by id).
  const move = (i: number, by: -1 | 1) => {
    const p = list[i];
    const other = list[i + by];
    if (!p || !other) return;
    void change.run(async () => {
      await serviceApi.savePolicy(p.id, { position: other.position } as NewPolicy & { position: number });
      await serviceApi.savePolicy(other.id, { position: p.position } as NewPolicy & { position: number });
    }, [serviceKeys.policies]);
  };
  return (
    <Stack>
      <Section title={t('service.policiesTab')}>
        <Text size="sm" c="dimmed" mb="sm">
          {t('service.policiesHint')}
        </Text>
        <ErrorText error={policies.error ?? change.error} />
        {policies.isSuccess && list.length === 0 ? (
          <Text size="sm">{t('service.noPolicies')}</Text>
        ) : (
          <Table.ScrollContainer minWidth={560} type="native">
            <Table withTableBorder data-testid="sla-policies">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('service.policyName')}</Table.Th>
                  <Table.Th>{t('service.calendar')}</Table.Th>
                  <Table.Th>{t('service.enabled')}</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>{t('service.actions')}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((p, i) => (
                  <Table.Tr key={p.id} data-testid="sla-policy" data-name={p.name}>
                    <Table.Td>
                      <bdi>{p.name}</bdi>
                      {p.condition ? (
                        <Badge size="xs" variant="light" ms={6}>
                          {t('service.hasCondition')}
                        </Badge>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      {p.businessTime ? calendarName(p.calendarId) : t('service.calendarTime')}
                    </Table.Td>
                    <Table.Td>
                      <Switch
                        checked={p.enabled}
                        disabled={!canManage}
                        onChange={() => void patch(p, { enabled: !p.enabled })}
                        aria-label={t('service.enabledOf', { name: p.name })}
                      />
                    </Table.Td>
                    <Table.Td>
                      {canManage && (
                        <Group gap={4} wrap="nowrap">
                          <ActionIcon
                            variant="subtle"
                            onClick={() => setEditing(p.id)}
                            aria-label={t('service.editPolicy', { name: p.name })}
                          >
                            <IconPencil size={16} />
                          </ActionIcon>
                          <ActionIcon
                            variant="subtle"
                            disabled={i === 0}
                            onClick={() => move(i, -1)}
                            aria-label={t('service.moveUp', { name: p.name })}
                          >
                            <IconArrowUp size={16} />
                          </ActionIcon>
                          <ActionIcon
                            variant="subtle"
                            disabled={i === list.length - 1}
                            onClick={() => move(i, 1)}
                            aria-label={t('service.moveDown', { name: p.name })}
                          >
                            <IconArrowDown size={16} />
                          </ActionIcon>
                          <ActionIcon
                            variant="subtle"
                            color="red"
                            onClick={() => setDeleting(p)}
                            aria-label={t('service.deletePolicy', { name: p.name })}
                          >
                            <IconTrash size={16} />
                          </ActionIcon>
                        </Group>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Section>
      {canManage && (
        <Section title={edited ? t('service.editPolicy', { name: edited.name }) : t('service.newPolicy')}>
          <PolicyForm
            key={edited?.id ?? `new-${formKey}`}
            policy={edited}
            tickets={tickets}
            locale={locale}
            calendars={(calendars.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
            onDone={() => {
              setEditing(undefined);
              setFormKey((k) => k + 1);
            }}
          />
        </Section>
      )}
      <ConfirmDelete
        opened={deleting !== undefined}
        onClose={() => setDeleting(undefined)}
        title={t('service.deletePolicyTitle', { name: deleting?.name ?? '' })}
        hint={t('service.deletePolicyHint')}
        error={removal.error}
        busy={removal.busy}
        onDelete={() =>
          removal.run(() => serviceApi.deletePolicy(deleting?.id ?? ''), [serviceKeys.policies])
        }
      />
    </Stack>
  );
}

type Targets = Record<string, Record<string, HoursMinutes>>;

/**
 * A policy, new or changed: name, condition (the lists' filter builder on tickets), business or calendar time,
 * targets per priority in hours and minutes, the statuses that pause its clocks, and when to warn.
 */
function PolicyForm({
  policy,
  tickets,
  locale,
  calendars,
  onDone,
}: {
  policy: SlaPolicy | undefined;
  tickets: ObjectDef | undefined;
  locale: Locale;
  calendars: { value: string; label: string }[];
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState(policy?.name ?? '');
  const [condition, setCondition] = useState<FilterState>(fromFilterTree(policy?.condition ?? null));
  const [businessTime, setBusinessTime] = useState(policy?.businessTime ?? true);
  const [calendarId, setCalendarId] = useState<string | null>(policy?.calendarId ?? null);
  const [targets, setTargets] = useState<Targets>(() =>
    Object.fromEntries(
      PRIORITIES.map((p) => [
        p,
        Object.fromEntries(METRICS.map((m) => [m, toHoursMinutes(policy?.targets[p]?.[m])])),
      ]),
    ),
  );
  const [pauseStatuses, setPauseStatuses] = useState<string[]>(policy?.pauseStatuses ?? []);
  const [warnBy, setWarnBy] = useState<'percent' | 'minutes'>(
    policy?.warn.minutes !== undefined ? 'minutes' : 'percent',
  );
  const [warnValue, setWarnValue] = useState<number | ''>(policy?.warn.minutes ?? policy?.warn.percent ?? '');
  const { error, busy, run } = useAction();
  const priorities = optionsOf(tickets, 'priority', locale);
  const statuses = optionsOf(tickets, 'status', locale).filter((o) => !DONE.has(o.value));
  const setTarget = (p: string, m: string, v: Partial<HoursMinutes>) =>
    setTargets((all) => ({ ...all, [p]: { ...all[p], [m]: { ...all[p]?.[m], ...v } as HoursMinutes } }));
  const save = async () => {
    const body: NewPolicy = {
      name: name.trim(),
      condition: (toFilterTree(condition) as Record<string, unknown> | undefined) ?? null,
      businessTime,
      calendarId: businessTime ? calendarId : null,
      targets: Object.fromEntries(
        PRIORITIES.map((p) => [
          p,
          Object.fromEntries(
            METRICS.flatMap((m) => {
              const minutes = toMinutes(targets[p]?.[m] ?? { hours: '', minutes: '' });
              return minutes === undefined ? [] : [[m, minutes]];
            }),
          ),
        ]),
      ),
      pauseStatuses,
      warn: warnValue === '' ? {} : { [warnBy]: Number(warnValue) },
    };
    if (await run(() => serviceApi.savePolicy(policy?.id, body), [serviceKeys.policies])) onDone();
  };
  const priorityLabel = (p: string) => priorities.find((o) => o.value === p)?.label ?? p;
  return (
    <Stack data-testid="policy-form">
      <TextInput
        label={t('service.policyName')}
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        required
        error={problemFor(error, 'name')}
      />
      {tickets && (
        <Stack gap={4}>
          <Group gap="xs">
            <Text size="sm">{t('service.condition')}</Text>
            <FilterBuilder object={tickets} value={condition} onChange={setCondition} />
          </Group>
          <Text size="xs" c={problemFor(error, 'condition') ? 'red.8' : 'dimmed'}>
            {problemFor(error, 'condition') ?? t('service.conditionHint')}
          </Text>
        </Stack>
      )}
      <Switch
        label={t('service.businessTime')}
        description={t('service.businessTimeHint')}
        checked={businessTime}
        onChange={(e) => setBusinessTime(e.currentTarget.checked)}
      />
      {businessTime && (
        <Select
          label={t('service.calendar')}
          data={calendars}
          value={calendarId}
          onChange={setCalendarId}
          required
          error={problemFor(error, 'calendarId', 'businessTime')}
        />
      )}
      <Table.ScrollContainer minWidth={620} type="native">
        <Table data-testid="sla-targets">
          <caption style={{ textAlign: 'start', captionSide: 'top', fontWeight: 600 }}>
            {t('service.targets')}
          </caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('service.priority')}</Table.Th>
              {METRICS.map((m) => (
                <Table.Th key={m}>{t(`service.metric.${m}`)}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {PRIORITIES.map((p) => (
              <Table.Tr key={p} data-priority={p}>
                <Table.Th scope="row">{priorityLabel(p)}</Table.Th>
                {METRICS.map((m) => {
                  const v = targets[p]?.[m] ?? { hours: '', minutes: '' };
                  const what = `${priorityLabel(p)} · ${t(`service.metric.${m}`)}`;
                  return (
                    <Table.Td key={m} data-metric={m}>
                      <Group gap={4} wrap="nowrap">
                        <NumberInput
                          w={80}
                          size="xs"
                          min={0}
                          max={8760}
                          allowDecimal={false}
                          value={v.hours}
                          onChange={(x) => setTarget(p, m, { hours: x === '' ? '' : Number(x) })}
                          aria-label={t('service.targetHours', { what })}
                          rightSection={<Text size="xs">{t('service.h')}</Text>}
                        />
                        <NumberInput
                          w={72}
                          size="xs"
                          min={0}
                          max={59}
                          allowDecimal={false}
                          value={v.minutes}
                          onChange={(x) => setTarget(p, m, { minutes: x === '' ? '' : Number(x) })}
                          aria-label={t('service.targetMinutes', { what })}
                          rightSection={<Text size="xs">{t('service.min')}</Text>}
                        />
                      </Group>
                      {problemFor(error, `targets.${p}.${m}`) && (
                        <Text size="xs" c="red.8" role="alert">
                          {problemFor(error, `targets.${p}.${m}`)}
                        </Text>
                      )}
                    </Table.Td>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <MultiSelect
        label={t('service.pauseStatuses')}
        description={t('service.pauseStatusesHint')}
        data={statuses}
        value={pauseStatuses}
        onChange={setPauseStatuses}
        error={problemFor(error, 'pauseStatuses')}
      />
      <Group align="flex-end" gap="xs">
        <NumberInput
          label={t('service.warn')}
          w={140}
          min={1}
          max={warnBy === 'percent' ? 99 : 525_600}
          allowDecimal={false}
          value={warnValue}
          onChange={(x) => setWarnValue(x === '' ? '' : Number(x))}
          error={problemFor(error, 'warn')}
        />
        <SegmentedControl
          value={warnBy}
          onChange={(v) => setWarnBy(v as 'percent' | 'minutes')}
          aria-label={t('service.warnBy')}
          data={[
            { value: 'percent', label: t('service.warnPercent') },
            { value: 'minutes', label: t('service.warnMinutes') },
          ]}
        />
      </Group>
      <ErrorText
        error={
          allPlaced(error, [
            'name',
            'condition',
            'calendarId',
            'businessTime',
            'targets',
            'pauseStatuses',
            'warn',
          ])
            ? null
            : error
        }
      />
      <Group justify="flex-end">
        {policy && (
          <Button variant="default" onClick={onDone}>
            {t('record.cancel')}
          </Button>
        )}
        <Button loading={busy} disabled={!name.trim()} onClick={() => void save()}>
          {policy ? t('record.save') : t('service.createPolicy')}
        </Button>
      </Group>
    </Stack>
  );
}
