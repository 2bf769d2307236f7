import { Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { reportsKeys } from '../utils/reports-keys.ts';
import { useMetrics } from '../utils/use-metrics.ts';

/** The saved reports the reader may run (their own and those shared with them), and a way to build a new one. */
export default function ReportsPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  useDocumentTitle(t('reports.title'));
  const reports = useQuery({
    queryKey: reportsKeys.list,
    queryFn: async () => call(client.GET('/api/v1/reports', { params: { query: { limit: 200 } } })),
  });
  return (
    <Stack p="md" gap="md">
      <Group justify="space-between">
        <Title order={2}>{t('reports.title')}</Title>
        <Button
          leftSection={<IconPlus size={16} />}
          onClick={() => void navigate({ to: '/reports/$id', params: { id: 'new' } })}
        >
          {t('reports.new')}
        </Button>
      </Group>
      <ErrorText error={reports.error} />
      {reports.data && reports.data.data.length === 0 && <Text c="dimmed">{t('reports.none')}</Text>}
      {reports.data && reports.data.data.length > 0 && (
        <Table striped withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('reports.name')}</Table.Th>
              <Table.Th>{t('reports.description')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {reports.data.data.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>
                  <AnchorLink to="/reports/$id" params={{ id: r.id }}>
                    {r.name}
                  </AnchorLink>
                </Table.Td>
                <Table.Td>{r.description ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <MetricsCatalogue />
    </Stack>
  );
}

/**
 * The metrics the modules define (pipeline by stage, win rate, SLA compliance…), each with its formula in words; a
 * name opens it as a new report to run as it is, or change and save as one's own.
 */
function MetricsCatalogue() {
  const { t, i18n } = useTranslation();
  const metrics = useMetrics();
  const locale = i18n.language as 'en' | 'ar' | 'fa';
  if (!metrics.data || metrics.data.length === 0) return <ErrorText error={metrics.error} />;
  return (
    <Stack gap="xs" data-testid="metrics-catalogue">
      <Title order={3}>{t('reports.metrics')}</Title>
      <Text size="sm" c="dimmed">
        {t('reports.metricsHint')}
      </Text>
      <Table striped withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('reports.name')}</Table.Th>
            <Table.Th>{t('reports.formula')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {metrics.data.map((m) => (
            <Table.Tr key={m.key}>
              <Table.Td>
                <AnchorLink to="/reports/$id" params={{ id: 'new' }} search={{ metric: m.key }}>
                  {m.names[locale] ?? m.names.en}
                </AnchorLink>
              </Table.Td>
              <Table.Td>{m.formula[locale] ?? m.formula.en}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
