import { Badge, Card, Group, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { formatDateTime, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import type { RecordPanelProps } from '../../web-module.ts';
import { surveyKeys, surveysApi } from '../utils/desk-mail-api.ts';

/**
 * A ticket's satisfaction surveys on its page: each resolution's, with its state, the customer's rating and their
 * "was it resolved?" answer.
 */
export default function SurveyPanel({ id }: RecordPanelProps) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const surveys = useQuery({ queryKey: surveyKeys.ofTicket(id), queryFn: () => surveysApi.ofTicket(id) });
  if (!surveys.data || surveys.data.length === 0) return null;
  return (
    <Card withBorder padding="md" data-testid="ticket-surveys">
      <Text fw={600} size="sm" mb="xs">
        {t('ticketMail.surveyPanel')}
      </Text>
      <Stack gap={6}>
        {surveys.data.map((s) => (
          <Group key={s.id} justify="space-between" gap="xs" wrap="wrap">
            <Badge variant="outline" color="gray.8">
              {t(`ticketMail.surveyStatus.${s.status}`)}
            </Badge>
            {s.rating !== null && (
              <Text size="sm" fw={600}>
                {t('ticketMail.rating', { rating: formatNumber(s.rating, prefs) })}
              </Text>
            )}
            {s.resolved !== null && (
              <Text size="sm">{t(s.resolved ? 'fcr.customerSaidYes' : 'fcr.customerSaidNo')}</Text>
            )}
            <Text size="xs" c="dimmed">
              {formatDateTime(s.answeredAt ?? s.sentAt ?? s.sendAt, prefs)}
            </Text>
            {s.comment && (
              <Text size="sm" dir="auto" w="100%">
                {s.comment}
              </Text>
            )}
          </Group>
        ))}
      </Stack>
    </Card>
  );
}
