import { Anchor, Button, Group, Select, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { AUDIT_KINDS, auditKeys } from '../utils/audit-keys.ts';

type SecurityEvent = components['schemas']['SecurityEvent'];

/** The workspace's security events, newest first, a page at a time, filtered by kind and exportable as CSV. */
export default function AuditSettings() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const [kind, setKind] = useState<string | null>(null);
  const query = useInfiniteQuery({
    queryKey: auditKeys.list(kind),
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      call(
        client.GET('/api/v1/audit-events', {
          params: {
            query: { limit: 50, ...(kind ? { kind } : {}), ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const events: SecurityEvent[] = (query.data?.pages ?? []).flatMap((p) => p.data);
  const kindLabel = (k: string) => t(`audit.kinds.${k}`, { defaultValue: k });
  const exportUrl = `/api/v1/audit-events/export${kind ? `?kind=${encodeURIComponent(kind)}` : ''}`;
  return (
    <Section title={t('audit.title')}>
      <Stack>
        <Group justify="space-between" align="end">
          <Select
            label={t('audit.kind')}
            placeholder={t('audit.allKinds')}
            clearable
            data={AUDIT_KINDS.map((k) => ({ value: k, label: kindLabel(k) }))}
            value={kind}
            onChange={setKind}
            miw={240}
          />
          <Anchor href={exportUrl} download>
            {t('audit.export')}
          </Anchor>
        </Group>
        <Table.ScrollContainer minWidth={720} type="native">
          <Table withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('audit.when')}</Table.Th>
                <Table.Th>{t('audit.kind')}</Table.Th>
                <Table.Th>{t('audit.actor')}</Table.Th>
                <Table.Th>{t('audit.subject')}</Table.Th>
                <Table.Th>{t('audit.address')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {events.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>{formatDateTime(e.at, prefs)}</Table.Td>
                  <Table.Td>{kindLabel(e.kind)}</Table.Td>
                  <Table.Td>
                    {e.actor.name ?? (e.actor.apiKeyId ? t('audit.apiKey') : '—')}
                    {e.actor.email ? (
                      <Text size="xs" c="dimmed">
                        {e.actor.email}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                      {e.subject ?? ''}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {e.ip ?? ''}
                    {e.userAgent ? (
                      <Text size="xs" c="dimmed" lineClamp={1} title={e.userAgent}>
                        {e.userAgent}
                      </Text>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {events.length === 0 && !query.isPending ? (
          <Text c="dimmed" size="sm">
            {t('audit.empty')}
          </Text>
        ) : null}
        {query.hasNextPage ? (
          <Button
            variant="default"
            loading={query.isFetchingNextPage}
            onClick={() => void query.fetchNextPage()}
          >
            {t('audit.more')}
          </Button>
        ) : null}
        <ErrorText error={query.error} />
      </Stack>
    </Section>
  );
}
