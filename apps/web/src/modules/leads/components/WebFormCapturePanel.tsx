import { Card, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import type { RecordPanelProps } from '../../web-module.ts';
import { webFormsKeys } from '../utils/web-forms-keys.ts';

/** On a lead's page: the web form it came from, its UTM values and the page that referred it (nothing otherwise). */
export default function WebFormCapturePanel({ id }: RecordPanelProps) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const capture = useQuery({
    queryKey: webFormsKeys.capture(id),
    queryFn: async () =>
      (await call(client.GET('/api/v1/leads/{id}/web-form', { params: { path: { id } } }))).capture,
  });
  const c = capture.data;
  if (!c) return null;
  const utm = [c.utm.source, c.utm.medium, c.utm.campaign].filter(Boolean).join(' / ');
  return (
    <Card withBorder padding="sm" data-testid="lead-web-form">
      <Stack gap={4}>
        <Text fw={600} size="sm" component="h3">
          {t('webForms.capturedBy', { name: c.formName })}
        </Text>
        <Text size="xs" c="dimmed">
          {formatDateTime(c.receivedAt, prefs)}
        </Text>
        {utm && (
          <Text size="sm">
            UTM: <bdi>{utm}</bdi>
          </Text>
        )}
        {c.referrer && (
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            {t('webForms.referrer')}: <bdi>{c.referrer}</bdi>
          </Text>
        )}
      </Stack>
    </Card>
  );
}
