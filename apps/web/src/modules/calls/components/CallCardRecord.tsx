import { Anchor, List, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../../components/links.tsx';
import { formatDateTime, formatMoney, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { RecordFlags } from '../../records/components/RecordFlags.tsx';
import type { CallCardData } from '../utils/call-card-api.ts';
import { CallCardRecent } from './CallCardRecent.tsx';

type CardRecord = NonNullable<CallCardData['record']>;

const money = (v: unknown) =>
  v && typeof v === 'object' && 'amount' in v && 'currency' in v
    ? (v as { amount: string; currency: string })
    : null;

/** A titled list of the caller's records (open tickets, open deals), or a line saying there are none. */
function RecordSection<T extends { id: string }>({
  title,
  testId,
  items,
  children,
}: {
  title: string;
  testId: string;
  items: readonly T[];
  children: (item: T) => ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <section aria-label={title}>
      <Text size="sm" fw={600}>
        {title}
      </Text>
      {items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('callCard.none')}
        </Text>
      ) : (
        <List size="sm" spacing={2} data-testid={testId}>
          {items.map((item) => (
            <List.Item key={item.id}>{children(item)}</List.Item>
          ))}
        </List>
      )}
    </section>
  );
}

/** The caller the card is about: flags first (before saying hello), then open tickets, open deals, last entries. */
export function CallCardRecord({ record, number }: { record: CardRecord; number: string | null }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const object = useObject(record.object);
  return (
    <Stack gap="xs">
      {number && (
        <Anchor href={`tel:${number}`} size="sm" dir="ltr" data-testid="call-card-number">
          {number}
        </Anchor>
      )}
      {record.flags && record.flags.length > 0 && object && (
        <div data-testid="call-card-flags">
          <RecordFlags object={object} record={{ id: record.id, flags: record.flags }} />
        </div>
      )}
      {record.lastCsat && (
        <Text size="sm" data-testid="call-card-csat">
          {t('callCard.lastCsat', {
            rating: formatNumber(record.lastCsat.rating, prefs),
            at: formatDateTime(record.lastCsat.answeredAt, prefs),
          })}
        </Text>
      )}
      <RecordSection title={t('callCard.openTickets')} testId="call-card-tickets" items={record.openTickets}>
        {(ticket) => (
          <AnchorLink to="/o/$object/$id" params={{ object: 'tickets', id: ticket.id }} size="sm">
            {ticket.number !== null ? `#${formatNumber(ticket.number, prefs)} ` : ''}
            {ticket.subject ?? t('callCard.untitled')}
          </AnchorLink>
        )}
      </RecordSection>
      <RecordSection title={t('callCard.openDeals')} testId="call-card-deals" items={record.openDeals}>
        {(deal) => (
          <>
            <AnchorLink to="/o/$object/$id" params={{ object: 'deals', id: deal.id }} size="sm">
              {deal.name ?? t('callCard.untitled')}
            </AnchorLink>
            {money(deal.amount) && ` · ${formatMoney(money(deal.amount), prefs)}`}
          </>
        )}
      </RecordSection>
      <section aria-label={t('callCard.recent')}>
        <Text size="sm" fw={600}>
          {t('callCard.recent')}
        </Text>
        <CallCardRecent entries={record.recent} />
      </section>
      <Text size="xs" c="dimmed">
        {record.recent[0]
          ? t('callCard.lastContact', { at: formatDateTime(record.recent[0].at, prefs) })
          : ''}
      </Text>
    </Stack>
  );
}
