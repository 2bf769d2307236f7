import { Badge, Card, Group, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../../components/links.tsx';
import { formatDateTime, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import type { RecordPanelProps } from '../../web-module.ts';
import { npsApi, npsKeys } from '../utils/nps-api.ts';

/** The color of a score's group: detractors (0–6), passives (7–8), promoters (9–10). */
const groupOf = (score: number) => (score <= 6 ? 'detractor' : score <= 8 ? 'passive' : 'promoter');
const COLORS = { detractor: 'red.9', passive: 'gray.8', promoter: 'green.9' } as const;

/** A person's NPS surveys on their page: each one's kind, state, score and comment, newest first. */
export default function NpsPanel({ id }: RecordPanelProps) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const surveys = useQuery({ queryKey: npsKeys.ofPerson(id), queryFn: () => npsApi.ofPerson(id) });
  if (!surveys.data || surveys.data.length === 0) return null;
  return (
    <Card withBorder padding="md" data-testid="person-nps">
      <Text fw={600} size="sm" mb="xs">
        {t('nps.panel')}
      </Text>
      <Stack gap={8}>
        {surveys.data.map((s) => (
          <Stack key={s.id} gap={2} data-testid="person-nps-survey">
            <Group justify="space-between" gap="xs" wrap="wrap">
              <Text size="sm">{t(`nps.kinds.${s.kind}`)}</Text>
              {s.score !== null ? (
                <Badge color={COLORS[groupOf(s.score)]} variant="outline" data-testid="person-nps-score">
                  {t('nps.scoreOf', { score: formatNumber(s.score, prefs), max: formatNumber(10, prefs) })} ·{' '}
                  {t(`nps.groups.${groupOf(s.score)}`)}
                </Badge>
              ) : (
                <Badge variant="outline" color="gray.8">
                  {t(`nps.status.${s.status}`)}
                </Badge>
              )}
            </Group>
            <Text size="xs" c="dimmed">
              {formatDateTime(s.answeredAt ?? s.sentAt ?? s.sendAt, prefs)}
            </Text>
            {s.comment && (
              <Text size="sm" dir="auto">
                {s.comment}
              </Text>
            )}
            {s.status === 'skipped' && s.reason && (
              <Text size="xs" c="dimmed" dir="ltr">
                {s.reason}
              </Text>
            )}
            {s.followUpTaskId && (
              <AnchorLink
                to="/o/$object/$id"
                params={{ object: 'tasks', id: s.followUpTaskId }}
                size="xs"
                data-testid="person-nps-task"
              >
                {t('nps.followUp')}
              </AnchorLink>
            )}
          </Stack>
        ))}
      </Stack>
    </Card>
  );
}
