import { Alert, Card, Group, Loader, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DateInput } from '../../../components/DateInput.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import { useTeams } from '../../workspaces/hooks/useTeams.ts';
import { dayIn, type MetricsQuery, metricsApi, metricsKeys } from '../utils/metrics-api.ts';
import { MetricsRate } from './MetricsRate.tsx';

/** A first-contact measure as a rate card shows it. */
const shown = (m: { firstContact: number; sample: number; rate: number | null }) => ({
  count: m.firstContact,
  sample: m.sample,
  rate: m.rate,
});

/**
 * The desk's resolution metrics: first-contact resolution three ways (the ticket's history, the agent's disposition,
 * the customer's survey answer), each with its sample, beside the one-touch and reopen rates — over whole days in
 * the user's calendar and time zone, for all tickets or one queue's, agent's or team's.
 */
export default function MetricsPage() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const prefs = usePrefs();
  useDocumentTitle(t('fcr.title'));
  const tickets = useObject('tickets');
  const members = useMembers().data ?? [];
  const teams = useTeams().data ?? [];
  const [query, setQuery] = useState<MetricsQuery>(() => ({
    fromDay: dayIn(prefs.timeZone, -29),
    toDay: dayIn(prefs.timeZone),
    queue: null,
    agent: null,
    team: null,
  }));
  const inOrder = query.fromDay <= query.toDay;
  const metrics = useQuery({
    queryKey: metricsKeys.resolution(query),
    queryFn: () => metricsApi.resolution(query, prefs.timeZone),
    enabled: inOrder,
  });
  const queues = (tickets?.fields.find((f) => f.key === 'queue')?.options ?? []).map((o) => ({
    value: o.value,
    label: label(o.labels, locale),
  }));
  const n = (value: number) => formatNumber(value, prefs);
  const m = metrics.data;
  return (
    <Stack gap="md" p="md" data-testid="service-metrics">
      <Title order={2}>{t('fcr.title')}</Title>
      <Text size="sm" c="dimmed">
        {t('fcr.hint')}
      </Text>
      <Group align="flex-end" gap="sm" role="group" aria-label={t('fcr.filters')}>
        <DateInput
          label={t('fcr.from')}
          required
          value={query.fromDay}
          onChange={(v) => v && setQuery((q) => ({ ...q, fromDay: v }))}
        />
        <DateInput
          label={t('fcr.to')}
          required
          value={query.toDay}
          onChange={(v) => v && setQuery((q) => ({ ...q, toDay: v }))}
          error={inOrder ? undefined : t('fcr.badPeriod')}
        />
        <Select
          label={t('fcr.queue')}
          placeholder={t('fcr.all')}
          clearable
          data={queues}
          value={query.queue}
          onChange={(queue) => setQuery((q) => ({ ...q, queue }))}
        />
        {/* An agent or a team, not both: choosing one clears the other, as the server asks. */}
        <Select
          label={t('fcr.agent')}
          placeholder={t('fcr.all')}
          clearable
          searchable
          data={members.map((p) => ({ value: p.userId, label: p.name }))}
          value={query.agent}
          onChange={(agent) => setQuery((q) => ({ ...q, agent, team: agent ? null : q.team }))}
        />
        {teams.length > 0 && (
          <Select
            label={t('fcr.team')}
            placeholder={t('fcr.all')}
            clearable
            data={teams.map((team) => ({ value: team.id, label: team.name }))}
            value={query.team}
            onChange={(team) => setQuery((q) => ({ ...q, team, agent: team ? null : q.agent }))}
          />
        )}
      </Group>
      {metrics.isError ? (
        <Alert color="red" title={t('fcr.failed')}>
          {(metrics.error as Error).message}
        </Alert>
      ) : !m ? (
        metrics.isLoading ? (
          <Loader size="sm" />
        ) : null
      ) : (
        <>
          <Text fw={600} data-testid="metrics-resolved">
            {t('fcr.resolved', { n: n(m.resolved) })}
          </Text>
          <Title order={3}>{t('fcr.firstContact')}</Title>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <MetricsRate
              id="system"
              title={t('fcr.system')}
              hint={t('fcr.systemHint', { days: n(m.repeatDays) })}
              {...shown(m.fcr.system)}
            />
            {m.fcr.agent ? (
              <MetricsRate
                id="agent"
                title={t('fcr.agentSaid')}
                hint={t('fcr.agentHint')}
                {...shown(m.fcr.agent)}
                note={t('fcr.agentLeft', {
                  notSaid: n(m.fcr.agent.notSaid),
                  notApplicable: n(m.fcr.agent.notApplicable),
                })}
              />
            ) : (
              <Card withBorder padding="md" data-testid="fcr-agent">
                <Text fw={600}>{t('fcr.agentSaid')}</Text>
                <Text size="sm" c="dimmed">
                  {t('fcr.withheld')}
                </Text>
              </Card>
            )}
            <MetricsRate
              id="customer"
              title={t('fcr.customer')}
              hint={t('fcr.customerHint')}
              {...shown(m.fcr.customer)}
            />
          </SimpleGrid>
          <Title order={3}>{t('fcr.others')}</Title>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <MetricsRate
              id="one-touch"
              title={t('fcr.oneTouch')}
              hint={t('fcr.oneTouchHint')}
              count={m.oneTouch}
              sample={m.resolved}
              rate={m.rates.oneTouch}
            />
            <MetricsRate
              id="reopen"
              title={t('fcr.reopen')}
              hint={t('fcr.reopenHint')}
              count={m.reopened}
              sample={m.resolved}
              rate={m.rates.reopen}
            />
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}
