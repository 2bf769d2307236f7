import {
  Button,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  Select,
  Stack,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { CALENDARS } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import { recurrenceInWords } from '../utils/recurrence-words.ts';
import { ScheduleListItem } from './ScheduleListItem.tsx';

type Schedule = components['schemas']['ReportSchedule'];
type Recurrence = Schedule['recurrence'];

/** "Schedule": send the report by email on a recurrence in the reader's calendar and time zone, run as them. */
export function ScheduleDialog({ reportId }: { reportId: string }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const members = useMembers().data ?? [];
  const key = ['reports', 'schedules', reportId];
  const schedules = useQuery({
    queryKey: key,
    queryFn: async () =>
      (await call(client.GET('/api/v1/reports/{id}/schedules', { params: { path: { id: reportId } } }))).data,
    enabled: open,
  });
  const mailboxes = useQuery({
    queryKey: ['reports', 'schedule-mailboxes'],
    queryFn: async () => {
      try {
        const answer = (await call(client.GET('/api/v1/mailboxes'))) as unknown;
        return ((answer as { data?: { id: string; address: string }[] }).data ?? []) as {
          id: string;
          address: string;
        }[];
      } catch {
        return [];
      }
    },
    enabled: open,
  });
  const [recurrence, setRecurrence] = useState<Recurrence>({
    frequency: 'weekly',
    weekday: 6,
    time: '08:00',
    timeZone: prefs.timeZone,
    calendar: prefs.calendar,
  });
  const [format, setFormat] = useState<Schedule['format']>('pdf');
  const [mailboxId, setMailboxId] = useState<string | null>(null);
  const [memberIds, setMemberIds] = useState<string[]>([]);
  const [addresses, setAddresses] = useState<string[]>([]);
  const save = useMutation({
    mutationFn: async () =>
      call(
        client.POST('/api/v1/reports/{id}/schedules', {
          params: { path: { id: reportId } },
          body: { mailboxId: mailboxId ?? '', format, recurrence, memberIds, addresses, enabled: true },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
  const resume = useMutation({
    mutationFn: async (scheduleId: string) =>
      call(
        client.POST('/api/v1/reports/{id}/schedules/{scheduleId}/resume', {
          params: { path: { id: reportId, scheduleId } },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
  const remove = useMutation({
    mutationFn: async (scheduleId: string) =>
      call(
        client.DELETE('/api/v1/reports/{id}/schedules/{scheduleId}', {
          params: { path: { id: reportId, scheduleId } },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
  const weekdays = [0, 1, 2, 3, 4, 5, 6].map((d) => ({
    value: String(d),
    label: new Intl.DateTimeFormat(prefs.locale, { weekday: 'long', timeZone: 'UTC' }).format(
      new Date(Date.UTC(2024, 0, 7 + d)),
    ),
  }));
  return (
    <>
      <Button variant="default" onClick={() => setOpen(true)}>
        {t('reports.schedule.open')}
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={t('reports.schedule.title')} size="lg">
        <Stack gap="sm">
          {(schedules.data ?? []).map((s) => (
            <ScheduleListItem
              key={s.id}
              schedule={s}
              onResume={() => resume.mutate(s.id)}
              onDelete={() => remove.mutate(s.id)}
              resuming={resume.isPending && resume.variables === s.id}
            />
          ))}
          <Group grow>
            <Select
              label={t('reports.schedule.frequency')}
              data={(['daily', 'weekly', 'monthly'] as const).map((f) => ({
                value: f,
                label: t(`reports.schedule.frequencies.${f}`),
              }))}
              value={recurrence.frequency}
              onChange={(v) =>
                v &&
                setRecurrence({
                  ...recurrence,
                  frequency: v as Recurrence['frequency'],
                  weekday: v === 'weekly' ? (recurrence.weekday ?? 6) : undefined,
                  monthDay: v === 'monthly' ? (recurrence.monthDay ?? 1) : undefined,
                })
              }
              allowDeselect={false}
            />
            {recurrence.frequency === 'weekly' && (
              <Select
                label={t('reports.schedule.weekday')}
                data={weekdays}
                value={String(recurrence.weekday ?? 6)}
                onChange={(v) => v && setRecurrence({ ...recurrence, weekday: Number(v) })}
                allowDeselect={false}
              />
            )}
            {recurrence.frequency === 'monthly' && (
              <NumberInput
                label={t('reports.schedule.monthDay')}
                description={t('reports.schedule.lastDayHint')}
                min={-1}
                max={31}
                value={recurrence.monthDay ?? 1}
                onChange={(v) => setRecurrence({ ...recurrence, monthDay: Number(v) || 1 })}
              />
            )}
            <TextInput
              type="time"
              label={t('reports.schedule.time')}
              value={recurrence.time}
              onChange={(e) => setRecurrence({ ...recurrence, time: e.currentTarget.value })}
            />
          </Group>
          <Group grow>
            <Select
              label={t('reports.calendar')}
              data={CALENDARS.map((c) => ({ value: c, label: t(`calendar.${c}`) }))}
              value={recurrence.calendar ?? 'gregory'}
              onChange={(v) => v && setRecurrence({ ...recurrence, calendar: v as Recurrence['calendar'] })}
              allowDeselect={false}
            />
            <Select
              label={t('reports.schedule.format')}
              data={['pdf', 'xlsx', 'csv'].map((f) => ({ value: f, label: f.toUpperCase() }))}
              value={format}
              onChange={(v) => v && setFormat(v as Schedule['format'])}
              allowDeselect={false}
            />
          </Group>
          <Text size="sm" fw={500} data-testid="schedule-words">
            {recurrenceInWords(recurrence, t, prefs.locale)}
          </Text>
          <Select
            label={t('reports.schedule.mailbox')}
            data={(mailboxes.data ?? []).map((m) => ({ value: m.id, label: m.address }))}
            value={mailboxId}
            onChange={setMailboxId}
            placeholder={mailboxes.data?.length === 0 ? t('reports.schedule.noMailbox') : undefined}
          />
          <MultiSelect
            label={t('reports.schedule.members')}
            data={members.map((m) => ({ value: m.userId, label: m.name }))}
            value={memberIds}
            onChange={setMemberIds}
            searchable
          />
          <TagsInput
            label={t('reports.schedule.addresses')}
            value={addresses}
            onChange={setAddresses}
            maxTags={50}
          />
          <ErrorText error={save.error ?? remove.error ?? resume.error ?? schedules.error} />
          <Group justify="flex-end">
            <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!mailboxId}>
              {t('reports.schedule.save')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
