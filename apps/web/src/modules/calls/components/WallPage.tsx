import { Card, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { formatDate, formatDateTime, formatNumber, formatPercent, type Prefs } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useReadAgainWhenWrapUpEnds } from '../hooks/useWrapUpEnd.ts';
import { type CallWall, PRESENCE_STATES, presenceApi, presenceKeys } from '../utils/presence-api.ts';
import { PresenceBadge } from './PresenceBadge.tsx';

type Figures = CallWall['totals'];
type WallRow = CallWall['queues'][number];
const NOW_KEYS = ['ringing', 'waiting', 'active', 'held'] as const;
const TODAY_KEYS = ['answered', 'missed', 'abandoned'] as const;

/** Seconds as minutes and seconds (`4:05`) in the reader's digits. */
export function formatHandleTime(seconds: number | null, prefs: Prefs): string {
  if (seconds === null) return '—';
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${formatNumber(m, prefs)}:${s < 10 ? formatNumber(0, prefs) : ''}${formatNumber(s, prefs)}`;
}

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={testId}>
        {value}
      </Text>
    </Card>
  );
}

/** First-contact resolution as a share in the reader's digits (— when none was answered, or it is not theirs to see). */
export function formatFirstContact(f: Figures['firstContactResolution'], prefs: Prefs): string {
  return f?.rate === null || f === null ? '—' : formatPercent(f.rate, prefs);
}

/**
 * A queue's service level today: the share answered in time against its target, with the counts and the target
 * in words, and a colour only beside them (met or not); — without a target, or before any call was offered.
 */
function ServiceLevelCell({ level, prefs }: { level: WallRow['serviceLevel']; prefs: Prefs }) {
  const { t } = useTranslation();
  if (!level) return <Text size="sm">—</Text>;
  const n = (v: number) => formatNumber(v, prefs);
  const met = level.rate !== null && level.rate * 100 >= level.targetPercent;
  // Words under the share, not a badge: a badge's label is cut to nothing when the table's column is narrow.
  return (
    <Stack gap={0}>
      <Text size="sm" fw={600} data-testid="wall-service-level">
        {level.rate === null ? '—' : formatPercent(level.rate, prefs)}
      </Text>
      {level.rate !== null && (
        <Text size="xs" fw={600} c={met ? 'teal.9' : 'red.9'}>
          {t(met ? 'callWall.slMet' : 'callWall.slBelow')}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        {t('callWall.slCounts', { met: n(level.answeredInTarget), offered: n(level.offered) })}
      </Text>
      <Text size="xs" c="dimmed">
        {t('callWall.slTarget', { percent: n(level.targetPercent), seconds: n(level.targetSeconds) })}
      </Text>
    </Stack>
  );
}

/** A row of figures under its heading. */
function FigureRow({ title, children }: { title: string; children: ReactNode }) {
  return (
    <>
      <Title order={3} size="h5">
        {title}
      </Title>
      <SimpleGrid cols={{ base: 2, sm: 4 }}>{children}</SimpleGrid>
    </>
  );
}

/** A titled card holding a table, or a line saying there is nothing to list. */
function ListCard({ title, empty, children }: { title: string; empty: string | null; children: ReactNode }) {
  return (
    <Card withBorder padding="sm">
      <Title order={3} size="h5" mb="xs">
        {title}
      </Title>
      {empty !== null ? <Text size="sm">{empty}</Text> : children}
    </Card>
  );
}

/**
 * The supervisor wall (`calls.supervise`): calls ringing, waiting, active and on hold now, per queue (calls that went
 * through none under their phone system, labelled so) and in all; today's answered, missed and abandoned calls, the
 * average handle time and first-contact resolution, today being the workspace's; each queue's service level against its
 * target; each queue's available members and
 * every agent's presence. Live: the event stream's `wall` and `presence` events read it again, and so does a wrap-up's
 * end.
 */
export default function WallPage() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  useDocumentTitle(t('callWall.title'));
  const wall = useQuery({ queryKey: presenceKeys.wall, queryFn: presenceApi.wall, refetchInterval: 60_000 });
  const w = wall.data;
  useReadAgainWhenWrapUpEnds(w?.agents ?? [], presenceKeys.wall);
  const n = (v: number) => formatNumber(v, prefs);
  const label = (key: keyof Figures) => t(`callWall.figures.${key}`);
  const rowName = (q: WallRow) => (q.kind === 'queue' ? q.name : t('callWall.noQueue', { name: q.name }));
  return (
    <Stack gap="md" p="md" data-testid="call-wall">
      <Group justify="space-between" align="baseline">
        <Title order={2}>{t('callWall.title')}</Title>
        {w && (
          <Text size="sm" c="dimmed">
            {t('callWall.today', { day: formatDate(w.day, prefs), zone: w.timeZone })}
          </Text>
        )}
      </Group>
      {wall.isPending && <Loader size="sm" aria-label={t('callWall.loading')} />}
      <ErrorText error={wall.error} />
      {w && (
        <>
          <FigureRow title={t('callWall.now')}>
            {NOW_KEYS.map((k) => (
              <Figure key={k} label={label(k)} value={n(w.totals[k])} testId={`wall-total-${k}`} />
            ))}
          </FigureRow>
          <FigureRow title={t('callWall.todayTitle')}>
            {TODAY_KEYS.map((k) => (
              <Figure key={k} label={label(k)} value={n(w.totals[k])} testId={`wall-total-${k}`} />
            ))}
            <Figure
              label={label('averageHandleSeconds')}
              value={formatHandleTime(w.totals.averageHandleSeconds, prefs)}
              testId="wall-total-averageHandleSeconds"
            />
            <Figure
              label={label('firstContactResolution')}
              value={formatFirstContact(w.totals.firstContactResolution, prefs)}
              testId="wall-total-firstContactResolution"
            />
          </FigureRow>
          <FigureRow title={t('callWall.agents')}>
            {PRESENCE_STATES.map((s) => (
              <Figure
                key={s}
                label={t(`presence.states.${s}`)}
                value={n(w.agentsByState[s])}
                testId={`wall-agents-${s}`}
              />
            ))}
          </FigureRow>
          <ListCard
            title={t('callWall.queues')}
            empty={w.queues.length === 0 ? t('callWall.noQueues') : null}
          >
            <Table.ScrollContainer
              minWidth={1000}
              // Wider than the page on a laptop: the region scrolls, so a keyboard reaches it too.
              scrollAreaProps={{
                viewportProps: {
                  tabIndex: 0,
                  'aria-label': t('callWall.queues'),
                } as React.ComponentProps<'div'>,
              }}
            >
              <Table data-testid="wall-queues">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('callWall.queue')}</Table.Th>
                    {[
                      ...NOW_KEYS,
                      ...TODAY_KEYS,
                      'averageHandleSeconds' as const,
                      'firstContactResolution' as const,
                    ].map((k) => (
                      <Table.Th key={k}>{label(k)}</Table.Th>
                    ))}
                    <Table.Th>{t('callWall.serviceLevel')}</Table.Th>
                    <Table.Th>{t('callWall.availableAgents')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {w.queues.map((q) => (
                    <Table.Tr key={`${q.kind}:${q.id}`} data-testid={`wall-queue-${q.id}`}>
                      <Table.Td>
                        <Text size="sm" c={q.kind === 'queue' ? undefined : 'dimmed'}>
                          {rowName(q)}
                        </Text>
                      </Table.Td>
                      {[...NOW_KEYS, ...TODAY_KEYS].map((k) => (
                        <Table.Td key={k} data-testid={`wall-queue-${q.id}-${k}`}>
                          {n(q[k])}
                        </Table.Td>
                      ))}
                      <Table.Td>{formatHandleTime(q.averageHandleSeconds, prefs)}</Table.Td>
                      <Table.Td>{formatFirstContact(q.firstContactResolution, prefs)}</Table.Td>
                      <Table.Td miw={140} data-testid={`wall-queue-${q.id}-serviceLevel`}>
                        <ServiceLevelCell level={q.serviceLevel} prefs={prefs} />
                      </Table.Td>
                      <Table.Td>{q.agentsByState ? n(q.agentsByState.available) : '—'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </ListCard>
          <ListCard
            title={t('callWall.agentList')}
            empty={w.agents.length === 0 ? t('callWall.noAgents') : null}
          >
            <Table data-testid="wall-agents">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('callWall.agent')}</Table.Th>
                  <Table.Th>{t('callWall.state')}</Table.Th>
                  <Table.Th>{t('callWall.since')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {w.agents.map((a) => (
                  <Table.Tr key={a.userId} data-testid={`wall-agent-${a.userId}`}>
                    <Table.Td>{a.name}</Table.Td>
                    <Table.Td>
                      <PresenceBadge state={a.state} />
                    </Table.Td>
                    <Table.Td>{formatDateTime(a.since, prefs)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ListCard>
        </>
      )}
    </Stack>
  );
}
