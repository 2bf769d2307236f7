import { Divider, Stack } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { timelineKeys } from '../../timeline/utils/timeline-keys.ts';
import { type CallCardData, callCardKeys } from '../utils/call-card-api.ts';
import { CallPromiseForm } from './CallPromiseForm.tsx';
import { CallReportAction } from './CallReportAction.tsx';
import { CallSelfServiceAction } from './CallSelfServiceAction.tsx';

/**
 * The card's extras after the wrap-up, for the agent of an answered call: open a complaint or return (for a person
 * or company, not a lead), send a self-service link, record a promise to pay. Each reads the card and the caller's
 * timeline again when done.
 */
export function CallCardExtras({ card }: { card: CallCardData }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: callCardKeys.card(card.call.id) });
    if (card.record)
      void qc.invalidateQueries({ queryKey: timelineKeys.record(card.record.object, card.record.id) });
  };
  return (
    <Stack gap="xs" data-testid="call-card-extras">
      <Divider label={t('callExtras.title')} labelPosition="center" />
      {card.record && card.record.object !== 'leads' && <CallReportAction card={card} onDone={refresh} />}
      <CallSelfServiceAction card={card} onDone={refresh} />
      <CallPromiseForm card={card} onDone={refresh} />
    </Stack>
  );
}
