import { Button, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { dashboardKeys } from '../utils/dashboard-types.ts';

/** The dashboards the reader may open (their own, those shared with them, their home), and a way to make one. */
export default function DashboardsPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  useDocumentTitle(t('dashboards.title'));
  const [name, setName] = useState('');
  const list = useQuery({
    queryKey: dashboardKeys.list,
    queryFn: async () => call(client.GET('/api/v1/dashboards', { params: { query: { limit: 200 } } })),
  });
  const create = useMutation({
    mutationFn: async () => call(client.POST('/api/v1/dashboards', { body: { name: name.trim() } })),
    onSuccess: (d) => {
      void qc.invalidateQueries({ queryKey: dashboardKeys.list });
      void navigate({ to: '/dashboards/$id', params: { id: d.id } });
    },
  });
  return (
    <Stack p="md" gap="md">
      <Group justify="space-between">
        <Title order={2}>{t('dashboards.title')}</Title>
        <AnchorLink to="/home">{t('dashboards.home')}</AnchorLink>
      </Group>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) create.mutate();
        }}
      >
        <Group align="flex-end">
          <TextInput
            label={t('dashboards.name')}
            value={name}
            maxLength={200}
            onChange={(e) => setName(e.currentTarget.value)}
            data-testid="new-dashboard-name"
          />
          <Button
            type="submit"
            leftSection={<IconPlus size={16} />}
            disabled={!name.trim()}
            loading={create.isPending}
          >
            {t('dashboards.new')}
          </Button>
        </Group>
      </form>
      <ErrorText error={list.error ?? create.error} />
      {list.data && list.data.data.length === 0 && <Text c="dimmed">{t('dashboards.none')}</Text>}
      {list.data && list.data.data.length > 0 && (
        <Table striped withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('dashboards.name')}</Table.Th>
              <Table.Th>{t('dashboards.widgets')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.data.map((d) => (
              <Table.Tr key={d.id}>
                <Table.Td>
                  <AnchorLink to="/dashboards/$id" params={{ id: d.id }}>
                    {d.name}
                  </AnchorLink>
                </Table.Td>
                <Table.Td>{t('dashboards.widgetCount', { count: d.layout.length })}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
