import { Button, Checkbox, Popover, Select, Stack, Text } from '@mantine/core';
import { IconHome } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { dashboardKeys } from '../utils/dashboard-types.ts';

/** For admins: make this dashboard a role's home, and whether that role's people land on it after signing in. */
export function DashboardHomeMenu({ dashboardId }: { dashboardId: string }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [role, setRole] = useState<string | null>(null);
  const [landing, setLanding] = useState(true);
  const roles = useQuery({
    queryKey: ['reports', 'dashboards', 'roles'],
    queryFn: async () => (await call(client.GET('/api/v1/roles'))).data,
  });
  const set = useMutation({
    mutationFn: async () =>
      call(
        client.PUT('/api/v1/dashboards/home/{role}', {
          params: { path: { role: role ?? '' } },
          body: { dashboardId, landing },
        }),
      ),
    onSuccess: () => void qc.invalidateQueries({ queryKey: dashboardKeys.all }),
  });
  return (
    <Popover position="bottom-end" withArrow trapFocus>
      <Popover.Target>
        <Button variant="default" leftSection={<IconHome size={16} />} data-testid="dashboard-home-menu">
          {t('dashboards.makeHome')}
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs" w={260}>
          <Select
            label={t('dashboards.homeFor')}
            value={role}
            onChange={setRole}
            data={(roles.data ?? []).map((r) => ({ value: r.id, label: r.name }))}
          />
          <Checkbox
            label={t('dashboards.landing')}
            checked={landing}
            onChange={(e) => setLanding(e.currentTarget.checked)}
          />
          <ErrorText error={set.error} />
          {set.isSuccess && (
            <Text size="sm" c="teal.8">
              {t('dashboards.homeSaved')}
            </Text>
          )}
          <Button disabled={!role} loading={set.isPending} onClick={() => set.mutate()}>
            {t('dashboards.save')}
          </Button>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
