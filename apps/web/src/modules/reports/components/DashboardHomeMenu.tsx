import { Button, Checkbox, Divider, Popover, SegmentedControl, Select, Stack, Text } from '@mantine/core';
import { IconHome } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import { useTeams } from '../../workspaces/hooks/useTeams.ts';
import { dashboardKeys } from '../utils/dashboard-types.ts';

type Target = 'role' | 'team' | 'person';

/**
 * Makes this dashboard a home: the reader's own (anyone, for a dashboard they may open), and for admins a role's, a
 * team's or one person's — with whether they land on it after signing in. A person's home wins over their team's,
 * a team's over their role's.
 */
export function DashboardHomeMenu({ dashboardId, admin }: { dashboardId: string; admin: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [target, setTarget] = useState<Target>('role');
  const [chosen, setChosen] = useState<string | null>(null);
  const [landing, setLanding] = useState(true);
  const roles = useQuery({
    queryKey: ['reports', 'dashboards', 'roles'],
    queryFn: async () => (await call(client.GET('/api/v1/roles'))).data,
    enabled: admin,
  });
  const teams = useTeams({ enabled: admin }).data ?? [];
  const members = useMembers().data ?? [];
  const body = { dashboardId, landing };
  const mine = useMutation({
    mutationFn: async () => call(client.PUT('/api/v1/dashboards/my-home', { body })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: dashboardKeys.all }),
  });
  const set = useMutation({
    mutationFn: async () => {
      const id = chosen ?? '';
      if (target === 'team')
        return call(
          client.PUT('/api/v1/dashboards/homes/teams/{teamId}', { params: { path: { teamId: id } }, body }),
        );
      if (target === 'person')
        return call(
          client.PUT('/api/v1/dashboards/homes/people/{userId}', { params: { path: { userId: id } }, body }),
        );
      return call(client.PUT('/api/v1/dashboards/home/{role}', { params: { path: { role: id } }, body }));
    },
    onSuccess: () => void qc.invalidateQueries({ queryKey: dashboardKeys.all }),
  });
  const options =
    target === 'team'
      ? teams.map((x) => ({ value: x.id, label: x.name }))
      : target === 'person'
        ? members.map((m) => ({ value: m.userId, label: m.name }))
        : (roles.data ?? []).map((r) => ({ value: r.id, label: r.name }));
  return (
    <Popover position="bottom-end" withArrow trapFocus>
      <Popover.Target>
        <Button variant="default" leftSection={<IconHome size={16} />} data-testid="dashboard-home-menu">
          {t('dashboards.makeHome')}
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs" w={280}>
          <Checkbox
            label={t('dashboards.landing')}
            checked={landing}
            onChange={(e) => setLanding(e.currentTarget.checked)}
          />
          <Button
            variant="light"
            loading={mine.isPending}
            onClick={() => mine.mutate()}
            data-testid="dashboard-my-home"
          >
            {t('dashboards.myHome')}
          </Button>
          {mine.isSuccess && (
            <Text size="sm" c="teal.8">
              {t('dashboards.myHomeSaved')}
            </Text>
          )}
          {admin && (
            <>
              <Divider label={t('dashboards.homeForOthers')} labelPosition="center" />
              <SegmentedControl
                value={target}
                onChange={(v) => {
                  setTarget(v as Target);
                  setChosen(null);
                }}
                data={(['role', 'team', 'person'] as const).map((k) => ({
                  value: k,
                  label: t(`dashboards.homeTargets.${k}`),
                }))}
              />
              <Select
                label={t(`dashboards.homeFor.${target}`)}
                value={chosen}
                onChange={setChosen}
                searchable
                data={options}
              />
              {set.isSuccess && (
                <Text size="sm" c="teal.8">
                  {t('dashboards.homeSaved')}
                </Text>
              )}
              <Button disabled={!chosen} loading={set.isPending} onClick={() => set.mutate()}>
                {t('dashboards.save')}
              </Button>
            </>
          )}
          <ErrorText error={set.error ?? mine.error} />
          <Text size="xs" c="dimmed">
            {t('dashboards.homeOrder')}
          </Text>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
