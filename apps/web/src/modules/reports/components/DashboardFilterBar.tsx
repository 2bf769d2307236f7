import { Group, Select } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import { useTeams } from '../../workspaces/hooks/useTeams.ts';
import { type DashboardFilters, PERIODS } from '../utils/dashboard-types.ts';

const NONE = '';

/**
 * The dashboard's filters — a period of the reader's calendar, an owner, a team — applied to every widget. Custom
 * ranges saved through the API show as such and can be cleared.
 */
export function DashboardFilterBar({
  filters,
  onChange,
}: {
  filters: DashboardFilters;
  onChange: (filters: DashboardFilters) => void;
}) {
  const { t } = useTranslation();
  const members = useMembers().data ?? [];
  const teams = useTeams().data ?? [];
  const period = filters.period;
  const custom = period && typeof period === 'object' ? `${period.from} – ${period.to}` : null;
  return (
    <Group gap="sm" data-testid="dashboard-filters" wrap="wrap">
      <Select
        label={t('dashboards.filters.period')}
        data-testid="filter-period"
        w={200}
        value={typeof period === 'string' ? period : custom ? 'custom' : NONE}
        data={[
          { value: NONE, label: t('dashboards.filters.anyPeriod') },
          ...PERIODS.map((p) => ({ value: p, label: t(`dashboards.period.${p}`) })),
          ...(custom ? [{ value: 'custom', label: custom }] : []),
        ]}
        allowDeselect={false}
        onChange={(v) => {
          if (v === 'custom') return;
          onChange({ ...filters, period: v ? (v as (typeof PERIODS)[number]) : null });
        }}
      />
      <Select
        label={t('dashboards.filters.owner')}
        data-testid="filter-owner"
        w={200}
        searchable
        value={filters.owner ?? NONE}
        data={[
          { value: NONE, label: t('dashboards.filters.anyone') },
          { value: 'me', label: t('dashboards.filters.me') },
          ...members.map((m) => ({ value: m.userId, label: m.name })),
        ]}
        allowDeselect={false}
        onChange={(v) => onChange({ ...filters, owner: v ? v : null })}
      />
      {teams.length > 0 && (
        <Select
          label={t('dashboards.filters.team')}
          data-testid="filter-team"
          w={200}
          value={filters.team ?? NONE}
          data={[
            { value: NONE, label: t('dashboards.filters.anyTeam') },
            ...teams.map((x) => ({ value: x.id, label: x.name })),
          ]}
          allowDeselect={false}
          onChange={(v) => onChange({ ...filters, team: v ? v : null })}
        />
      )}
    </Group>
  );
}
