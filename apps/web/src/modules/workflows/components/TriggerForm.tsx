import {
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label, visibleFields } from '../../metadata/utils/metadata.ts';
import { workflowKeys } from '../utils/workflow-keys.ts';
import type { Trigger } from '../utils/workflow-types.ts';
import { workflowsApi } from '../utils/workflows-api.ts';
import { ConditionInput } from './ConditionInput.tsx';
import { HookSecret } from './HookSecret.tsx';
import { ObjectSelect } from './ObjectSelect.tsx';

const EVENTS = ['created', 'updated', 'deleted'] as const;

/**
 * The trigger's form: a record change (object, events, fields, condition), a date relative to a record's date
 * field, a schedule, a button, an inbound webhook, another workflow, or a module's event.
 */
export function TriggerForm({
  trigger,
  onChange,
  workflowId,
}: {
  trigger: Trigger;
  onChange: (t: Trigger) => void;
  /** The workflow's id, for its inbound webhook's address. */
  workflowId: string;
}) {
  const { t, i18n } = useTranslation();
  const object = useObject('object' in trigger ? (trigger.object ?? '') : '');
  const events = useQuery({
    queryKey: workflowKeys.events,
    queryFn: async () => (await workflowsApi.events()).data,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const switchTo = (type: Trigger['type']) => {
    const key = ('object' in trigger ? trigger.object : undefined) || 'people';
    if (type === 'record') onChange({ type, object: key, events: ['created'] });
    else if (type === 'manual') onChange({ type, object: key });
    else if (type === 'webhook') onChange({ type });
    else if (type === 'called') onChange({ type, object: key });
    else if (type === 'event') {
      const first = events.data?.[0];
      if (first) onChange({ type, event: first.key, object: eventObject(first, key) });
    } else if (type === 'date')
      onChange({ type, object: key, field: '', offset: -1, unit: 'days', at: '09:00' });
    else
      onChange({
        type: 'schedule',
        cron: '0 8 * * 6',
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      });
  };
  const dateFields = (object ? visibleFields(object) : [])
    .filter((f) => f.type === 'date' || f.type === 'dateTime')
    .map((f) => ({ value: f.key, label: label(f.labels, i18n.language as Locale) }));
  return (
    <Stack gap="sm">
      {/* One under another: seven kinds do not fit side by side in the panel (in Arabic and Persian least of all). */}
      <SegmentedControl
        fullWidth
        orientation="vertical"
        size="xs"
        aria-label={t('workflow.trigger')}
        value={trigger.type}
        onChange={(v) => switchTo(v as Trigger['type'])}
        data={(['record', 'date', 'schedule', 'manual', 'webhook', 'called', 'event'] as const).map((v) => ({
          value: v,
          label: t(`workflow.triggerType.${v}`),
        }))}
      />
      {trigger.type === 'record' ? (
        <>
          <ObjectSelect
            value={trigger.object}
            onChange={(o) => onChange({ type: 'record', object: o, events: trigger.events })}
          />
          <Checkbox.Group
            label={t('workflow.events')}
            value={trigger.events}
            onChange={(v) => onChange({ ...trigger, events: EVENTS.filter((e) => v.includes(e)) })}
          >
            <Group gap="md" mt={4}>
              {EVENTS.map((e) => (
                <Checkbox key={e} value={e} label={t(`workflow.event.${e}`)} />
              ))}
            </Group>
          </Checkbox.Group>
          {trigger.events.includes('updated') ? (
            <MultiSelect
              label={t('workflow.fields')}
              placeholder={trigger.fields?.length ? undefined : t('workflow.anyField')}
              data={(object ? visibleFields(object) : []).map((f) => ({
                value: f.key,
                label: label(f.labels, i18n.language as Locale),
              }))}
              value={trigger.fields ?? []}
              onChange={(v) => {
                const { fields: _, ...rest } = trigger;
                onChange(v.length ? { ...rest, fields: v } : rest);
              }}
              searchable
            />
          ) : null}
          <ConditionInput
            object={object}
            value={trigger.condition ?? {}}
            onChange={(c) => {
              const { condition: _, ...rest } = trigger;
              onChange(c.filter || c.expr ? { ...rest, condition: c } : rest);
            }}
          />
        </>
      ) : trigger.type === 'date' ? (
        <>
          <ObjectSelect
            value={trigger.object}
            onChange={(o) => onChange({ ...trigger, object: o, field: '' })}
          />
          <Select
            label={t('workflow.dateField')}
            data={dateFields}
            value={trigger.field || null}
            onChange={(v) => onChange({ ...trigger, field: v ?? '' })}
            searchable
          />
          <Group grow align="flex-start">
            <NumberInput
              label={t('workflow.offset')}
              description={t('workflow.offsetHint')}
              value={trigger.offset}
              allowDecimal={false}
              onChange={(v) => onChange({ ...trigger, offset: typeof v === 'number' ? v : 0 })}
            />
            <SegmentedControl
              mt={24}
              size="xs"
              aria-label={t('workflow.offsetUnit')}
              value={trigger.unit}
              onChange={(v) => {
                const { at: _, businessDays: __, ...rest } = trigger;
                onChange(v === 'minutes' ? { ...rest, unit: 'minutes' } : { ...trigger, unit: 'days' });
              }}
              data={(['days', 'minutes'] as const).map((v) => ({ value: v, label: t(`workflow.unit.${v}`) }))}
            />
          </Group>
          {trigger.unit === 'days' ? (
            <>
              <TextInput
                label={t('workflow.atTime')}
                placeholder="09:00"
                value={trigger.at ?? ''}
                onChange={(e) => {
                  const { at: _, ...rest } = trigger;
                  const v = e.currentTarget.value;
                  onChange(v ? { ...rest, at: v } : rest);
                }}
                dir="ltr"
              />
              <Checkbox
                label={t('workflow.businessDays')}
                checked={trigger.businessDays ?? false}
                onChange={(e) => {
                  const { businessDays: _, ...rest } = trigger;
                  onChange(e.currentTarget.checked ? { ...rest, businessDays: true } : rest);
                }}
              />
            </>
          ) : null}
          <TextInput
            label={t('workflow.timeZone')}
            description={t('workflow.timeZoneDefault')}
            value={trigger.timeZone ?? ''}
            onChange={(e) => {
              const { timeZone: _, ...rest } = trigger;
              const v = e.currentTarget.value;
              onChange(v ? { ...rest, timeZone: v } : rest);
            }}
            dir="ltr"
          />
        </>
      ) : trigger.type === 'schedule' ? (
        <>
          <TextInput
            label={t('workflow.cron')}
            description={t('workflow.cronHint')}
            value={trigger.cron}
            onChange={(e) => onChange({ ...trigger, cron: e.currentTarget.value })}
            ff="monospace"
            dir="ltr"
          />
          <TextInput
            label={t('workflow.timeZone')}
            value={trigger.timeZone}
            onChange={(e) => onChange({ ...trigger, timeZone: e.currentTarget.value })}
            dir="ltr"
          />
        </>
      ) : trigger.type === 'webhook' ? (
        <HookSecret workflowId={workflowId} />
      ) : trigger.type === 'event' ? (
        <EventTrigger trigger={trigger} events={events.data ?? []} onChange={onChange} />
      ) : trigger.type === 'called' ? (
        <>
          <Text size="sm">{t('workflow.calledHint')}</Text>
          <ObjectSelect value={trigger.object ?? ''} onChange={(o) => onChange({ ...trigger, object: o })} />
        </>
      ) : (
        <>
          <ObjectSelect value={trigger.object} onChange={(o) => onChange({ ...trigger, object: o })} />
          <TextInput
            label={t('workflow.buttonLabel')}
            value={trigger.label ?? ''}
            onChange={(e) => {
              const { label: _, ...rest } = trigger;
              onChange(e.currentTarget.value ? { ...rest, label: e.currentTarget.value } : rest);
            }}
          />
        </>
      )}
    </Stack>
  );
}

type ModuleEvent = { key: string; object: string | null; payload: string[] };

/** The record object a trigger on `event` is about: the event's own, or (when it varies) the one already chosen. */
function eventObject(event: ModuleEvent, chosen: string): string {
  return event.object && event.object !== '*' ? event.object : chosen;
}

/** A module event's trigger: which event, the record's object when the event's varies, and a condition. */
function EventTrigger({
  trigger,
  events,
  onChange,
}: {
  trigger: Extract<Trigger, { type: 'event' }>;
  events: ModuleEvent[];
  onChange: (t: Trigger) => void;
}) {
  const { t } = useTranslation();
  const object = useObject(trigger.object);
  const chosen = events.find((e) => e.key === trigger.event);
  const name = (key: string) => t(`workflow.moduleEvent.${key}`, { defaultValue: key });
  return (
    <>
      <Select
        label={t('workflow.moduleEventLabel')}
        data={events.map((e) => ({ value: e.key, label: name(e.key) }))}
        value={trigger.event}
        allowDeselect={false}
        onChange={(v) => {
          const next = events.find((e) => e.key === v);
          if (!next) return;
          const { condition: _, ...rest } = trigger;
          onChange({ ...rest, event: next.key, object: eventObject(next, trigger.object) });
        }}
      />
      {chosen?.object === '*' ? (
        <ObjectSelect value={trigger.object} onChange={(o) => onChange({ ...trigger, object: o })} />
      ) : null}
      {chosen?.payload.length ? (
        <Text size="xs" c="dimmed">
          {t('workflow.moduleEventPayload')}{' '}
          <bdi dir="ltr">{chosen.payload.map((p) => `trigger.payload.${p}`).join(', ')}</bdi>
        </Text>
      ) : null}
      <ConditionInput
        object={object}
        value={trigger.condition ?? {}}
        onChange={(c) => {
          const { condition: _, ...rest } = trigger;
          onChange(c.filter || c.expr ? { ...rest, condition: c } : rest);
        }}
      />
    </>
  );
}
