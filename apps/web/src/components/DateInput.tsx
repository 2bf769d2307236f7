import {
  ActionIcon,
  Button,
  Group,
  Popover,
  SimpleGrid,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { IconChevronLeft, IconChevronRight } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { calendarParts, dayNumber, formatDate, isoDay, monthDays, monthTitle } from '../lib/format.ts';
import { usePrefs } from '../modules/auth/hooks/useMe.ts';

const DAY = 86_400_000;

/**
 * A date picker in the user's calendar (Gregorian, Jalali or Umm al-Qura): it shows that calendar's months and
 * days, and gives back the ISO date (YYYY-MM-DD) the API stores.
 */
export function DateInput({
  label,
  hideLabel,
  withinPortal = true,
  value,
  onChange,
  required,
  error,
}: {
  label?: string;
  /** Names the input for assistive technology only. */
  hideLabel?: boolean | undefined;
  /** False inside another popover, so picking a day does not close that one. */
  withinPortal?: boolean;
  value: string | null;
  onChange: (value: string | null) => void;
  required?: boolean;
  error?: string | undefined;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const [opened, setOpened] = useState(false);
  const [anchor, setAnchor] = useState(() => new Date(value ? `${value}T12:00:00Z` : Date.now()));
  const days = monthDays(anchor, prefs.calendar);
  const first = days[0] ?? anchor;
  const leading = first.getUTCDay(); // Sunday-based columns
  const move = (dir: 1 | -1) => {
    const edge = dir === 1 ? (days[days.length - 1] ?? anchor) : first;
    setAnchor(new Date(edge.getTime() + dir * DAY * 2));
  };
  const rtl = document.documentElement.dir === 'rtl';
  return (
    <Popover
      opened={opened}
      onChange={setOpened}
      position="bottom-start"
      trapFocus
      withinPortal={withinPortal}
    >
      <Popover.Target>
        <TextInput
          label={hideLabel ? undefined : label}
          aria-label={hideLabel ? label : undefined}
          required={required}
          error={error}
          readOnly
          // The popover target announces a dialog it opens: a combobox may say so, a plain text box may not.
          role="combobox"
          value={value ? formatDate(value, prefs) : ''}
          placeholder={t('date.pick')}
          onClick={() => setOpened(true)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ' ') setOpened(true);
          }}
          data-calendar={prefs.calendar}
        />
      </Popover.Target>
      <Popover.Dropdown>
        <Group justify="space-between" mb="xs">
          <ActionIcon variant="subtle" aria-label={t('date.previousMonth')} onClick={() => move(-1)}>
            {rtl ? <IconChevronRight size={16} /> : <IconChevronLeft size={16} />}
          </ActionIcon>
          <Text fw={600} size="sm">
            {monthTitle(first, prefs)}
          </Text>
          <ActionIcon variant="subtle" aria-label={t('date.nextMonth')} onClick={() => move(1)}>
            {rtl ? <IconChevronLeft size={16} /> : <IconChevronRight size={16} />}
          </ActionIcon>
        </Group>
        <SimpleGrid cols={7} spacing={2} verticalSpacing={2}>
          {Array.from({ length: leading }, (_, i) => (
            <span key={`blank-${i}`} />
          ))}
          {days.map((d) => {
            const iso = isoDay(d);
            const selected = iso === value;
            return (
              <UnstyledButton
                key={iso}
                onClick={() => {
                  onChange(iso);
                  setOpened(false);
                }}
                aria-label={formatDate(iso, prefs)}
                aria-pressed={selected}
                style={{
                  textAlign: 'center',
                  padding: 4,
                  borderRadius: 4,
                  background: selected ? 'var(--mantine-color-blue-filled)' : undefined,
                  color: selected ? 'white' : undefined,
                }}
              >
                <Text size="sm">{dayNumber(d, prefs)}</Text>
              </UnstyledButton>
            );
          })}
        </SimpleGrid>
        {!required && value && (
          <Button
            size="xs"
            variant="subtle"
            mt="xs"
            onClick={() => {
              onChange(null);
              setOpened(false);
            }}
          >
            {t('date.clear')}
          </Button>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}

/** The year of today in a calendar (for tests and headings). */
export function currentYear(calendar: Parameters<typeof calendarParts>[1]): number {
  return calendarParts(new Date(), calendar).year;
}
