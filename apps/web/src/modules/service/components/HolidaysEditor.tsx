import {
  ActionIcon,
  Badge,
  Button,
  Checkbox,
  FileInput,
  Group,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { IconCalendarPlus, IconFileImport, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { formatDate, formatNumber } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { problemFor } from '../../email/utils/field-problem.ts';
import {
  type CalendarDefinition,
  definitionOf,
  type HolidayChoice,
  type SlaCalendar,
  serviceApi,
} from '../utils/service-api.ts';
import { serviceKeys } from '../utils/service-keys.ts';

const CHOICES = [
  'nowruz',
  'islamicRepublicDay',
  'sizdahBedar',
  'arafat',
  'islamicNewYear',
  'tasua',
  'ashura',
] as const;

/**
 * A saved calendar's holidays, in the user's calendar (Jalali in Persian), each with its name (in the user's
 * language when Rabita generated it) and removable; a Hijri day stays marked "estimated" until an admin confirms
 * it (moon sighting differs by country). More are added by generating a year's Iranian and Islamic holidays or
 * from an iCalendar file.
 */
export function HolidaysEditor({ calendar, canManage }: { calendar: SlaCalendar; canManage: boolean }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const definition = definitionOf(calendar);
  const [generating, setGenerating] = useState(false);
  const [importing, setImporting] = useState(false);
  const { error, busy, run } = useAction();
  const notes = definition.holidayNotes ?? {};
  const save = (next: CalendarDefinition) =>
    run(
      () => serviceApi.saveCalendar(calendar.id, { name: calendar.name, definition: next }),
      [serviceKeys.calendars],
    );
  // A holiday goes with its note.
  const remove = (date: string) =>
    save({
      ...definition,
      holidays: definition.holidays.filter((d) => d !== date),
      holidayNotes: Object.fromEntries(Object.entries(notes).filter(([d]) => d !== date)),
    });
  const confirm = (date: string) =>
    save({ ...definition, holidayNotes: { ...notes, [date]: { ...notes[date], estimated: false } } });
  const nameOf = (date: string) => {
    const name = notes[date]?.name;
    return typeof name === 'string' ? name : name?.[prefs.locale];
  };
  const dates = [...definition.holidays].sort();
  return (
    <Stack gap="xs" data-testid="holidays">
      <Group justify="space-between">
        <Text fw={600} size="sm">
          {t('service.holidays')} ({formatNumber(dates.length, prefs)})
        </Text>
        {canManage && (
          <Group gap="xs">
            <Button
              size="xs"
              variant="default"
              leftSection={<IconCalendarPlus size={14} />}
              onClick={() => setGenerating(true)}
            >
              {t('service.addHolidays')}
            </Button>
            <Button
              size="xs"
              variant="default"
              leftSection={<IconFileImport size={14} />}
              onClick={() => setImporting(true)}
            >
              {t('service.importIcs')}
            </Button>
          </Group>
        )}
      </Group>
      <ErrorText error={error} />
      {dates.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('service.noHolidays')}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={360} mah={320} type="native">
          <Table striped>
            <Table.Tbody>
              {dates.map((date) => {
                const note = notes[date];
                return (
                  <Table.Tr key={date} data-testid="holiday" data-date={date}>
                    <Table.Td>{formatDate(date, prefs)}</Table.Td>
                    <Table.Td>
                      {nameOf(date)}
                      {note?.estimated === true && (
                        <>
                          <Badge size="xs" variant="light" color="yellow" ms={6}>
                            {t('service.estimated')}
                          </Badge>
                          {canManage && (
                            <Button
                              size="compact-xs"
                              variant="subtle"
                              ms={6}
                              loading={busy}
                              onClick={() => void confirm(date)}
                              aria-label={t('service.confirmHoliday', { date: formatDate(date, prefs) })}
                            >
                              {t('service.confirm')}
                            </Button>
                          )}
                        </>
                      )}
                    </Table.Td>
                    <Table.Td w={40}>
                      {canManage && (
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          loading={busy}
                          onClick={() => void remove(date)}
                          aria-label={t('service.removeHoliday', { date: formatDate(date, prefs) })}
                        >
                          <IconTrash size={16} />
                        </ActionIcon>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <GenerateModal calendar={calendar} opened={generating} onClose={() => setGenerating(false)} />
      <ImportModal calendar={calendar} opened={importing} onClose={() => setImporting(false)} />
    </Stack>
  );
}

/** What both holiday dialogs take: the calendar, and whether open. */
interface HolidayDialogProps {
  calendar: SlaCalendar;
  opened: boolean;
  onClose: () => void;
}

/** The Gregorian year a dialog works on, with the server's problem with the span under it. */
function YearInput({
  value,
  onChange,
  error,
}: {
  value: number;
  onChange: (year: number) => void;
  error: string | undefined;
}) {
  const { t } = useTranslation();
  return (
    <NumberInput
      label={t('service.gregorianYear')}
      value={value}
      min={1900}
      max={2200}
      allowDecimal={false}
      onChange={(v) => onChange(Number(v) || value)}
      error={error}
    />
  );
}

/** "Add holidays…": a year, and which of the Iranian and Islamic holidays to add (Hijri ones are estimates). */
function GenerateModal({ calendar, opened, onClose }: HolidayDialogProps) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const [year, setYear] = useState(new Date().getUTCFullYear());
  const [picked, setPicked] = useState<Set<(typeof CHOICES)[number]>>(new Set(['nowruz']));
  const [fitr, setFitr] = useState(0);
  const [adha, setAdha] = useState(0);
  const [mawlid, setMawlid] = useState<'no' | '12' | '17'>('no');
  const { error, busy, run } = useAction();
  const submit = async () => {
    const choice: HolidayChoice = {
      ...Object.fromEntries(CHOICES.map((c) => [c, picked.has(c)])),
      eidAlFitrDays: fitr,
      eidAlAdhaDays: adha,
      mawlid: mawlid === 'no' ? false : (Number(mawlid) as 12 | 17),
    };
    const ok = await run(async () => {
      await serviceApi.generateHolidays(calendar.id, year, choice);
    }, [serviceKeys.calendars]);
    if (ok) onClose();
  };
  return (
    <Modal opened={opened} onClose={onClose} title={t('service.addHolidaysTitle', { name: calendar.name })}>
      <Stack>
        <YearInput value={year} onChange={setYear} error={problemFor(error, 'span')} />
        <SimpleGrid cols={2} spacing="xs">
          {CHOICES.map((c) => (
            <Checkbox
              key={c}
              label={t(`service.holiday.${c}`)}
              checked={picked.has(c)}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setPicked((p) => {
                  const next = new Set(p);
                  if (on) next.add(c);
                  else next.delete(c);
                  return next;
                });
              }}
            />
          ))}
        </SimpleGrid>
        <Group grow>
          <NumberInput
            label={t('service.eidAlFitrDays')}
            value={fitr}
            min={0}
            max={10}
            onChange={(v) => setFitr(Number(v) || 0)}
            error={problemFor(error, 'choice.eidAlFitrDays')}
          />
          <NumberInput
            label={t('service.eidAlAdhaDays')}
            value={adha}
            min={0}
            max={10}
            onChange={(v) => setAdha(Number(v) || 0)}
            error={problemFor(error, 'choice.eidAlAdhaDays')}
          />
        </Group>
        <Select
          label={t('service.holiday.mawlid')}
          value={mawlid}
          onChange={(v) => v && setMawlid(v as 'no' | '12' | '17')}
          allowDeselect={false}
          data={[
            { value: 'no', label: t('service.mawlidNo') },
            { value: '12', label: t('service.mawlidOn', { day: formatNumber(12, prefs) }) },
            { value: '17', label: t('service.mawlidOn', { day: formatNumber(17, prefs) }) },
          ]}
        />
        <Text size="xs" c="dimmed">
          {t('service.estimatedHint')}
        </Text>
        <ErrorText error={problemFor(error, 'span', 'choice') ? null : error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('record.cancel')}
          </Button>
          <Button loading={busy} onClick={() => void submit()}>
            {t('service.add')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** "Import iCalendar…": a `.ics` file read as text, its all-day events of a year added as holidays. */
function ImportModal({ calendar, opened, onClose }: HolidayDialogProps) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const [file, setFile] = useState<File | null>(null);
  const [year, setYear] = useState(new Date().getUTCFullYear());
  const [skipped, setSkipped] = useState<number | undefined>();
  const { error, busy, run } = useAction();
  const submit = async () => {
    if (!file) return;
    const ok = await run(async () => {
      const answer = await serviceApi.importHolidays(
        calendar.id,
        await file.text(),
        `${year}-01-01`,
        `${year}-12-31`,
      );
      setSkipped(answer.skipped);
    }, [serviceKeys.calendars]);
    if (ok) setFile(null);
  };
  return (
    <Modal
      opened={opened}
      onClose={() => {
        setSkipped(undefined);
        onClose();
      }}
      title={t('service.importIcsTitle', { name: calendar.name })}
    >
      <Stack>
        <FileInput
          label={t('service.icsFile')}
          accept=".ics,text/calendar"
          value={file}
          onChange={setFile}
          clearable
          error={problemFor(error, 'ics')}
        />
        <YearInput value={year} onChange={setYear} error={problemFor(error, 'from', 'to')} />
        {skipped !== undefined && (
          <Text size="sm" role="status">
            {t('service.imported', { skipped: formatNumber(skipped, prefs) })}
          </Text>
        )}
        <ErrorText error={problemFor(error, 'ics', 'from', 'to') ? null : error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('app.close')}
          </Button>
          <Button loading={busy} disabled={!file} onClick={() => void submit()}>
            {t('service.import')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
