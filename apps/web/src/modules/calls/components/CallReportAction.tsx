import { Button, Group, SegmentedControl, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import type { CallCardData } from '../utils/call-card-api.ts';
import { cardExtrasApi } from '../utils/card-extras-api.ts';

type ReportType = 'complaint' | 'return';

/**
 * "Open a report" on the card: a complaint or a return with the caller as requester; then the ticket's link and what
 * became of the case type's workflow (started, or the reason it could not start).
 */
export function CallReportAction({ card, onDone }: { card: CallCardData; onDone: () => void }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const [type, setType] = useState<ReportType>('complaint');
  const name = card.record?.title ?? card.call.from ?? '';
  const open = useMutation({
    mutationFn: () =>
      cardExtrasApi.report(card.call.id, {
        type,
        subject: t(type === 'complaint' ? 'callExtras.complaintSubject' : 'callExtras.returnSubject', {
          name,
        }),
      }),
    onSuccess: onDone,
  });
  const saved = card.call.report;
  const ticketId = open.data?.ticketId ?? saved?.ticketId ?? null;
  const workflow = open.data?.workflow;
  return (
    <Stack gap={4} data-testid="call-report">
      {ticketId ? (
        <Group gap="xs">
          <AnchorLink to="/o/$object/$id" params={{ object: 'tickets', id: ticketId }} size="sm">
            {t('callExtras.reportOpened', {
              number: open.data?.number != null ? formatNumber(open.data.number, prefs) : '',
            })}
          </AnchorLink>
          {workflow && (
            <Text size="xs" c={workflow.error ? 'red' : 'dimmed'} role="status">
              {workflow.error
                ? t('callExtras.workflowFailed', { error: workflow.error })
                : t('callExtras.workflowStarted')}
            </Text>
          )}
          {!workflow && saved?.runId && (
            <Text size="xs" c="dimmed">
              {t('callExtras.workflowStarted')}
            </Text>
          )}
        </Group>
      ) : (
        <Group gap="xs" wrap="nowrap">
          <SegmentedControl
            size="xs"
            value={type}
            onChange={(v) => setType(v as ReportType)}
            data={[
              { value: 'complaint', label: t('callExtras.complaint') },
              { value: 'return', label: t('callExtras.return') },
            ]}
            aria-label={t('callExtras.reportType')}
          />
          <Button size="xs" variant="light" loading={open.isPending} onClick={() => open.mutate()}>
            {t('callExtras.openReport')}
          </Button>
        </Group>
      )}
      <ErrorText error={open.error} />
    </Stack>
  );
}
