import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  SegmentedControl,
  Stack,
  Table,
  Tabs,
  Text,
  Title,
} from '@mantine/core';
import { useHotkeys, useInterval, useLocalStorage } from '@mantine/hooks';
import { IconKeyboard } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { formatNumber } from '../../../lib/format.ts';
import { useMe, usePrefs } from '../../auth/hooks/useMe.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { recordKeys } from '../../records/utils/record-keys.ts';
import { type InboxOrder, type InboxView, useInboxList, useInboxViews } from '../hooks/useInbox.ts';
import { inboxApi } from '../utils/inbox-api.ts';
import { inboxKeys } from '../utils/inbox-keys.ts';
import { INBOX_ORDERS, moveSelection } from '../utils/inbox-views.ts';
import { InboxRow } from './InboxRow.tsx';
import { InboxShortcuts } from './InboxShortcuts.tsx';

const COLUMNS = ['number', 'subject', 'requester', 'status', 'priority', 'assignee', 'timeLeft'] as const;
/** Keys by their place on the keyboard, so j/k work under a Persian or Arabic layout too. */
const PHYSICAL = { usePhysicalKeys: true } as const;
const ORDERS = Object.keys(INBOX_ORDERS) as InboxOrder[];

/**
 * The agents' inbox: views as tabs with their counts (mine, my team's, unassigned, breaching soon, pending, all
 * open), each a list of tickets by time left to breach, or by priority (urgent first) then time left — the agent's
 * choice, kept in this browser — read through the record engine's list API page by page.
 * Driven from the keyboard: j/k select, Enter or o opens, a assigns to me, s changes the status, ? lists the keys.
 */
export default function InboxPage() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const prefs = usePrefs();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const me = useMe().data;
  const tickets = useObject('tickets');
  const [now, setNow] = useState(() => Date.now());
  const tick = useInterval(() => setNow(Date.now()), 60_000);
  useEffect(() => {
    tick.start();
    return tick.stop;
  }, [tick]);
  const views = useInboxViews(now);
  const [view, setView] = useState<InboxView>('mine');
  const current = views.find((v) => v.view === view) ?? views[0];
  const [storedOrder, setOrder] = useLocalStorage<string>({
    key: 'rabita.inbox.order',
    defaultValue: 'timeLeft',
    getInitialValueInEffect: false,
  });
  const order: InboxOrder = ORDERS.includes(storedOrder as InboxOrder)
    ? (storedOrder as InboxOrder)
    : 'timeLeft';
  const list = useInboxList(current?.filter, order);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [statusOpen, setStatusOpen] = useState(false);
  const [help, setHelp] = useState(false);
  const rowRefs = useRef(new Map<string, HTMLTableRowElement>());
  // What the last action did, read out by screen readers (role="status").
  const [said, setSaid] = useState<{ color: string; message: string } | null>(null);
  const say = (what: { color: string; message: string }) => setSaid(what);

  const index = list.rows.findIndex((r) => r.id === selectedId);
  const selected = index >= 0 ? list.rows[index] : undefined;
  useEffect(() => {
    if (selectedId) rowRefs.current.get(selectedId)?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);

  const refresh = (id: string) => {
    void qc.invalidateQueries({ queryKey: inboxKeys.all });
    void qc.invalidateQueries({ queryKey: recordKeys.detail('tickets', id) });
  };
  const assign = useMutation({
    mutationFn: (ticket: { id: string; number?: unknown }) => inboxApi.assign(ticket.id, me?.user?.id ?? ''),
    onSuccess: (_, ticket) => {
      say({
        color: 'green',
        message: t('inbox.assigned', { number: formatNumber(ticket.number as number, prefs) }),
      });
      refresh(ticket.id);
    },
    onError: (error) => say({ color: 'red', message: (error as Error).message }),
  });
  const setStatus = useMutation({
    mutationFn: (input: { id: string; number: unknown; status: string; disposition?: string | undefined }) =>
      inboxApi.setStatus(input.id, input.status, input.disposition),
    onSuccess: (_, input) => {
      const option = tickets?.fields
        .find((f) => f.key === 'status')
        ?.options?.find((o) => o.value === input.status);
      say({
        color: 'green',
        message: t('inbox.statusSet', {
          number: formatNumber(input.number as number, prefs),
          status: label(option?.labels, locale) || input.status,
        }),
      });
      refresh(input.id);
    },
    onError: (error) => say({ color: 'red', message: (error as Error).message }),
  });

  const open = (id: string | undefined) => {
    if (id) void navigate({ to: '/o/$object/$id', params: { object: 'tickets', id } });
  };
  const move = (by: 1 | -1) => {
    const next = moveSelection(index >= 0 ? index : null, by, list.rows.length);
    if (next !== null) setSelectedId(list.rows[next]!.id);
    if (by === 1 && next === list.rows.length - 1 && list.hasMore) list.more();
  };
  // Never while typing in a field (Mantine's default), and never behind the shortcuts' dialog or the status menu.
  const idle = () => !help && !statusOpen;
  useHotkeys([
    ['j', () => idle() && move(1), PHYSICAL],
    ['k', () => idle() && move(-1), PHYSICAL],
    ['Enter', () => idle() && open(selected?.id)],
    ['o', () => idle() && open(selected?.id), PHYSICAL],
    ['a', () => idle() && selected && me?.user && assign.mutate(selected), PHYSICAL],
    ['s', () => idle() && selected && setStatusOpen(true), PHYSICAL],
    ['shift+/', () => setHelp(true), PHYSICAL],
  ]);

  return (
    <Stack gap="md" p="md">
      <Group justify="space-between">
        <Title order={2}>{t('inbox.title')}</Title>
        <Group gap="xs" ms="auto">
          <Text size="sm" id="inbox-order">
            {t('inbox.orderLabel')}
          </Text>
          <SegmentedControl
            size="xs"
            aria-labelledby="inbox-order"
            data-testid="inbox-order"
            value={order}
            onChange={(v) => {
              setOrder(v);
              setSelectedId(null);
            }}
            data={ORDERS.map((o) => ({ value: o, label: t(`inbox.orders.${o}`) }))}
          />
        </Group>
        <Button
          variant="subtle"
          leftSection={<IconKeyboard size={16} />}
          onClick={() => setHelp(true)}
          aria-keyshortcuts="Shift+?"
        >
          {t('inbox.shortcuts')}
        </Button>
      </Group>
      <Tabs
        value={current?.view ?? null}
        onChange={(v) => {
          if (!v) return;
          setView(v as InboxView);
          setSelectedId(null);
        }}
      >
        <Tabs.List aria-label={t('inbox.viewsLabel')}>
          {views.map((v) => (
            <Tabs.Tab
              key={v.view}
              value={v.view}
              data-testid={`inbox-view-${v.view}`}
              rightSection={
                <Badge size="sm" variant="light" color="gray" data-testid={`inbox-count-${v.view}`}>
                  {v.count === undefined ? '…' : formatNumber(v.count, prefs)}
                </Badge>
              }
            >
              {t(`inbox.views.${v.view}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      {list.error ? <Alert color="red">{t('inbox.failed')}</Alert> : null}
      <Text size="sm" c={said?.color === 'red' ? 'red.8' : undefined} role="status" data-testid="inbox-said">
        {said?.message ?? ''}
      </Text>
      {list.isLoading || !tickets ? (
        <Loader size="sm" />
      ) : list.rows.length === 0 ? (
        <Text c="dimmed">{t('inbox.empty')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={800}>
          <Table highlightOnHover aria-label={t(`inbox.views.${current?.view ?? 'mine'}`)}>
            <Table.Thead>
              <Table.Tr>
                {COLUMNS.map((c) => (
                  <Table.Th key={c}>{t(`inbox.columns.${c}`)}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.rows.map((ticket) => (
                <InboxRow
                  key={ticket.id}
                  ref={(el) => {
                    if (el) rowRefs.current.set(ticket.id, el);
                    else rowRefs.current.delete(ticket.id);
                  }}
                  ticket={ticket}
                  object={tickets}
                  selected={ticket.id === selectedId}
                  now={now}
                  statusOpen={statusOpen && ticket.id === selectedId}
                  onStatusOpen={(opened) => {
                    if (opened) setSelectedId(ticket.id);
                    setStatusOpen(opened);
                  }}
                  onStatus={(status, disposition) =>
                    setStatus.mutate({ id: ticket.id, number: ticket.number, status, disposition })
                  }
                  onSelect={() => setSelectedId(ticket.id)}
                  onOpen={() => open(ticket.id)}
                />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {list.hasMore ? (
        <Button
          variant="default"
          onClick={list.more}
          loading={list.loadingMore}
          style={{ alignSelf: 'center' }}
        >
          {t('inbox.more')}
        </Button>
      ) : null}
      <InboxShortcuts opened={help} onClose={() => setHelp(false)} />
    </Stack>
  );
}
