import { Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { formatDate, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { emailApi } from '../utils/email-api.ts';
import { emailKeys } from '../utils/email-keys.ts';
import type { DayStats } from '../utils/email-types.ts';
import { lastDays } from '../utils/send-time.ts';

/** How many days back a template's numbers go. */
const DAYS = 30;

/**
 * A template's numbers for the last 30 days of the reader's time zone, a row for each day anything was sent (the
 * day named in the reader's calendar) and their total: sent, delivered, opened and clicked (by people / all,
 * machines too), replied and bounced.
 */
export function TemplateStats({ templateId, name }: { templateId: string; name: string }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const range = useMemo(() => lastDays(prefs.timeZone, DAYS), [prefs.timeZone]);
  const stats = useQuery({
    queryKey: emailKeys.stats(templateId, range.from),
    queryFn: () => emailApi.stats({ templateId, ...range, timeZone: prefs.timeZone }),
  });
  const n = (v: number) => formatNumber(v, prefs);
  const cells = (d: Omit<DayStats, 'day'>) => [
    n(d.sent),
    n(d.delivered),
    `${n(d.opened.people)} / ${n(d.opened.all)}`,
    `${n(d.clicked.people)} / ${n(d.clicked.all)}`,
    n(d.replied),
    n(d.bounced),
  ];
  const headers = [
    t('email.stat.sent'),
    t('email.stat.delivered'),
    t('email.stat.opened'),
    t('email.stat.clicked'),
    t('email.stat.replied'),
    t('email.stat.bounced'),
  ];
  const data = stats.data;
  return (
    <>
      <ErrorText error={stats.error} />
      {data && data.days.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('email.noStats', { days: n(DAYS) })}
        </Text>
      )}
      {data && data.days.length > 0 && (
        <Table.ScrollContainer minWidth={640} type="native">
          <Table withTableBorder striped data-testid="template-stats">
            <Table.Caption>{t('email.statsCaption', { name, days: n(DAYS) })}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('email.stat.day')}</Table.Th>
                {headers.map((h) => (
                  <Table.Th key={h}>{h}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.days.map((d) => (
                <Table.Tr key={d.day}>
                  <Table.Th scope="row" fw={400}>
                    {formatDate(d.day, prefs)}
                  </Table.Th>
                  {cells(d).map((c, i) => (
                    <Table.Td key={headers[i]}>{c}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
            <Table.Tfoot>
              <Table.Tr data-testid="template-stats-total">
                <Table.Th scope="row">{t('email.stat.total')}</Table.Th>
                {cells(data.total).map((c, i) => (
                  <Table.Td key={headers[i]} fw={600}>
                    {c}
                  </Table.Td>
                ))}
              </Table.Tr>
            </Table.Tfoot>
          </Table>
        </Table.ScrollContainer>
      )}
    </>
  );
}
