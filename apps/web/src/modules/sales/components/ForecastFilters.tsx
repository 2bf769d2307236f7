import { Group, SegmentedControl, Select, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useTeams } from '../../workspaces/hooks/useTeams.ts';
import { usePeriodLabel } from '../hooks/usePeriodLabel.ts';
import type { FiscalCalendar, ForecastPeriod, PeriodKind } from '../utils/forecast-api.ts';
import { periodSpan } from '../utils/forecast-format.ts';

const KINDS: readonly PeriodKind[] = ['quarter', 'month', 'year'];

/**
 * What the forecast is for: the length of its periods (quarters unless switched), one period of the fiscal calendar
 * named in the user's language and digits with its days in the user's calendar beneath, and a team (or everyone).
 */
export function ForecastFilters({
  fiscal,
  kind,
  periods,
  period,
  team,
  onKind,
  onPeriod,
  onTeam,
}: {
  fiscal: FiscalCalendar;
  kind: PeriodKind;
  periods: readonly ForecastPeriod[];
  period: ForecastPeriod | undefined;
  team: string | undefined;
  onKind: (kind: PeriodKind) => void;
  onPeriod: (key: string) => void;
  onTeam: (team: string | undefined) => void;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const name = usePeriodLabel(fiscal);
  const teams = useTeams().data ?? [];
  // The period shown may lie outside the list around today (an address kept from earlier): it is offered too.
  const all = period && !periods.some((p) => p.key === period.key) ? [period, ...periods] : periods;
  return (
    <Stack gap={4}>
      <Group align="flex-end" gap="sm">
        <Stack gap={4}>
          <Text size="sm" fw={500} id="forecast-kind">
            {t('forecast.periodKind')}
          </Text>
          <SegmentedControl
            aria-labelledby="forecast-kind"
            value={kind}
            onChange={(v) => onKind(v as PeriodKind)}
            data={KINDS.map((k) => ({ value: k, label: t(`forecast.kinds.${k}`) }))}
          />
        </Stack>
        <Select
          label={t('forecast.period')}
          data-testid="forecast-period"
          allowDeselect={false}
          w={200}
          data={all.map((p) => ({ value: p.key, label: name(p) }))}
          value={period?.key ?? null}
          onChange={(key) => key && onPeriod(key)}
        />
        {teams.length > 0 && (
          <Select
            label={t('forecast.team')}
            placeholder={t('forecast.everyone')}
            clearable
            w={200}
            data={teams.map((x) => ({ value: x.id, label: x.name }))}
            value={team ?? null}
            onChange={(v) => onTeam(v ?? undefined)}
          />
        )}
      </Group>
      {period && (
        <Text size="sm" c="dimmed" data-testid="forecast-span">
          {periodSpan(period, prefs)}
        </Text>
      )}
    </Stack>
  );
}
