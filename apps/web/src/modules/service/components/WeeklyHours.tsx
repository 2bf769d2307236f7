import { ActionIcon, Button, Group, Stack, Text } from '@mantine/core';
import { IconMoon, IconPlus, IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { TimeSelect } from '../../email/components/TimeSelect.tsx';
import { problemFor } from '../../email/utils/field-problem.ts';
import type { HourRange, IsoWeekday, WeekHours } from '../utils/service-api.ts';
import { isOvernight, weekdayName, weekOrder } from '../utils/weekdays.ts';

/**
 * A calendar's open hours: each weekday (named and ordered in the user's language) with its ranges, added and
 * removed one by one; a range ending before it starts is an overnight shift, and its row says so. The server's
 * problem with a range shows under it.
 */
export function WeeklyHours({
  hours,
  onChange,
  error,
  readOnly,
}: {
  hours: WeekHours;
  onChange: (hours: WeekHours) => void;
  error: unknown;
  readOnly: boolean;
}) {
  const { t, i18n } = useTranslation();
  const prefs = usePrefs();
  const set = (day: IsoWeekday, ranges: HourRange[]) => onChange({ ...hours, [day]: ranges });
  return (
    <Stack gap="sm" data-testid="weekly-hours">
      {weekOrder(i18n.language).map((day) => {
        const name = weekdayName(day, i18n.language);
        const ranges = hours[day] ?? [];
        const dayProblem = problemFor(error, `definition.hours.${day}`);
        return (
          <fieldset
            key={day}
            data-testid="weekday"
            data-day={day}
            style={{ border: 0, padding: 0, margin: 0 }}
          >
            <Text component="legend" fw={600} size="sm">
              {name}
            </Text>
            <Stack gap={6} mt={4}>
              {ranges.length === 0 && (
                <Text size="sm" c="dimmed">
                  {t('service.closedDay')}
                </Text>
              )}
              {ranges.map((r, i) => {
                const problem = problemFor(error, `definition.hours.${day}.${i}`);
                return (
                  <Group key={i} gap="xs" align="flex-end" wrap="wrap" data-testid="hour-range">
                    <TimeSelect
                      label={t('service.rangeFrom', { day: name, n: formatNumber(i + 1, prefs) })}
                      value={r.from}
                      onChange={(from) =>
                        set(
                          day,
                          ranges.map((x, j) => (j === i ? { ...x, from } : x)),
                        )
                      }
                      error={problem}
                    />
                    <TimeSelect
                      label={t('service.rangeTo', { day: name, n: formatNumber(i + 1, prefs) })}
                      value={r.to}
                      onChange={(to) =>
                        set(
                          day,
                          ranges.map((x, j) => (j === i ? { ...x, to } : x)),
                        )
                      }
                    />
                    {isOvernight(r) && (
                      <Group gap={4} data-testid="overnight">
                        <IconMoon size={16} aria-hidden />
                        <Text size="sm">{t('service.overnight')}</Text>
                      </Group>
                    )}
                    {!readOnly && (
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        mb={4}
                        onClick={() =>
                          set(
                            day,
                            ranges.filter((_, j) => j !== i),
                          )
                        }
                        aria-label={t('service.removeRange', { day: name, n: formatNumber(i + 1, prefs) })}
                      >
                        <IconTrash size={16} />
                      </ActionIcon>
                    )}
                  </Group>
                );
              })}
              {dayProblem && !ranges.some((_, i) => problemFor(error, `definition.hours.${day}.${i}`)) && (
                <Text size="sm" c="red.8" role="alert">
                  {dayProblem}
                </Text>
              )}
              {!readOnly && (
                <Group>
                  <Button
                    size="xs"
                    variant="subtle"
                    leftSection={<IconPlus size={14} />}
                    onClick={() => set(day, [...ranges, { from: '09:00', to: '17:00' }])}
                    aria-label={t('service.addRangeTo', { day: name })}
                  >
                    {t('service.addRange')}
                  </Button>
                </Group>
              )}
            </Stack>
          </fieldset>
        );
      })}
    </Stack>
  );
}
