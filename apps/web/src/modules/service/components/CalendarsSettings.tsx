import { Button, Card, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDelete } from '../../../components/ConfirmDelete.tsx';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { formatNumber } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { useCan, usePrefs } from '../../auth/hooks/useMe.ts';
import { allPlaced, problemFor } from '../../email/utils/field-problem.ts';
import { type CalendarDefinition, definitionOf, type SlaCalendar, serviceApi } from '../utils/service-api.ts';
import { serviceKeys } from '../utils/service-keys.ts';
import { HolidaysEditor } from './HolidaysEditor.tsx';
import { WeeklyHours } from './WeeklyHours.tsx';

/** Every IANA zone the browser knows, for the searchable time-zone select. */
const TIME_ZONES: string[] = Intl.supportedValuesOf('timeZone');

/** One calendar in the list: its name, zone, open days and holidays, and (for a manager) edit and delete. */
function CalendarCard({
  calendar,
  canManage,
  onEdit,
}: {
  calendar: SlaCalendar;
  canManage: boolean;
  onEdit: () => void;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const { error, busy, run } = useAction();
  const d = definitionOf(calendar);
  const openDays = Object.values(d.hours).filter((r) => (r?.length ?? 0) > 0).length;
  return (
    <Card withBorder padding="sm" data-testid="sla-calendar" data-name={calendar.name}>
      <Group justify="space-between" wrap="wrap" gap="xs">
        <div>
          <Text fw={600} dir="auto">
            {calendar.name}
          </Text>
          <Text size="sm" c="dimmed">
            <bdi>{d.timeZone}</bdi> ·{' '}
            {t('service.calendarSummary', {
              days: formatNumber(openDays, prefs),
              holidays: formatNumber(d.holidays.length, prefs),
            })}
          </Text>
        </div>
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={onEdit}>
            {canManage ? t('record.edit') : t('service.view')}
          </Button>
          {canManage && (
            <Button size="xs" variant="subtle" color="red" onClick={() => setConfirmDelete(true)}>
              {t('record.delete')}
            </Button>
          )}
        </Group>
      </Group>
      <ConfirmDelete
        opened={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        title={t('service.deleteCalendarTitle', { name: calendar.name })}
        hint={t('service.deleteCalendarHint')}
        error={error}
        busy={busy}
        onDelete={() => run(() => serviceApi.deleteCalendar(calendar.id), [serviceKeys.calendars])}
      />
    </Card>
  );
}

/** Name, zone and weekly hours of a calendar, new or changed; a saved one also has its holidays. */
function CalendarForm({
  calendar,
  canManage,
  onDone,
}: {
  calendar: SlaCalendar | undefined;
  canManage: boolean;
  onDone: (saved?: SlaCalendar) => void;
}) {
  const { t } = useTranslation();
  const initial = definitionOf(calendar);
  const [name, setName] = useState(calendar?.name ?? '');
  const [timeZone, setTimeZone] = useState<string>(
    calendar ? initial.timeZone : Intl.DateTimeFormat().resolvedOptions().timeZone,
  );
  const [hours, setHours] = useState<CalendarDefinition['hours']>(initial.hours);
  const { error, busy, run } = useAction();
  const zones = useMemo(() => TIME_ZONES.map((z) => ({ value: z, label: z })), []);
  const save = async () => {
    let saved: SlaCalendar | undefined;
    const ok = await run(async () => {
      // The holidays are saved as they are added and removed; the form sends the stored ones back unchanged.
      const definition: CalendarDefinition = { ...definitionOf(calendar), timeZone, hours };
      saved = await serviceApi.saveCalendar(calendar?.id, { name: name.trim(), definition });
    }, [serviceKeys.calendars]);
    if (ok) onDone(saved);
  };
  return (
    <Stack data-testid="calendar-form">
      <TextInput
        label={t('service.calendarName')}
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        required
        readOnly={!canManage}
        error={problemFor(error, 'name')}
      />
      <Select
        label={t('service.timeZone')}
        data={zones}
        value={timeZone}
        onChange={(v) => v && setTimeZone(v)}
        searchable
        allowDeselect={false}
        readOnly={!canManage}
        limit={50}
        error={problemFor(error, 'definition.timeZone')}
      />
      <WeeklyHours hours={hours} onChange={setHours} error={error} readOnly={!canManage} />
      <ErrorText
        error={allPlaced(error, ['name', 'definition.timeZone', 'definition.hours']) ? null : error}
      />
      <Group justify="flex-end">
        {calendar && (
          <Button variant="default" onClick={() => onDone()}>
            {t('record.cancel')}
          </Button>
        )}
        {canManage && (
          <Button loading={busy} disabled={!name.trim()} onClick={() => void save()}>
            {calendar ? t('record.save') : t('service.createCalendar')}
          </Button>
        )}
      </Group>
      {calendar && <HolidaysEditor calendar={calendar} canManage={canManage} />}
    </Stack>
  );
}

/**
 * Settings → Business calendars: the workspace's calendars (everyone reads; `service.sla.manage` changes), and the
 * form that writes one — name, time zone, weekly hours, then its holidays once saved.
 */
export default function CalendarsSettings() {
  const { t } = useTranslation();
  const canManage = useCan('service.sla.manage');
  const calendars = useQuery({ queryKey: serviceKeys.calendars, queryFn: serviceApi.calendars });
  const [editing, setEditing] = useState<string | undefined>();
  const [formKey, setFormKey] = useState(0);
  const list = calendars.data ?? [];
  const edited = list.find((c) => c.id === editing);
  return (
    <Stack>
      <Section title={t('service.calendarsTab')}>
        <Stack>
          <Text size="sm" c="dimmed">
            {t('service.calendarsHint')}
          </Text>
          <ErrorText error={calendars.error} />
          {calendars.isSuccess && list.length === 0 && <Text size="sm">{t('service.noCalendars')}</Text>}
          {list.map((c) => (
            <CalendarCard key={c.id} calendar={c} canManage={canManage} onEdit={() => setEditing(c.id)} />
          ))}
        </Stack>
      </Section>
      {(canManage || edited) && (
        <Section title={edited ? edited.name : t('service.newCalendar')}>
          <CalendarForm
            key={edited?.id ?? `new-${formKey}`}
            calendar={edited}
            canManage={canManage}
            onDone={(saved) => {
              // A calendar just made stays open, so its holidays can be added next.
              setEditing(saved && !edited ? saved.id : undefined);
              setFormKey((k) => k + 1);
            }}
          />
        </Section>
      )}
    </Stack>
  );
}
