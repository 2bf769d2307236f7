import { Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../../components/links.tsx';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import type { TimelineEntryViewProps } from '../../web-module.ts';
import { type WrapUpLabels, wrapUpLabelIn } from '../utils/wrap-up-label.ts';
import { FocusedCallEntry } from './FocusedCallEntry.tsx';
import { RecordingPlayer } from './RecordingPlayer.tsx';

/** A call on its record's timeline: in or out, its outcome and length, and what the agent wrote after it. */
export default function WrapUpTimelineEntry({ entry }: TimelineEntryViewProps) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  // The wrap-up code by the label of the list it came from (the call's queue's own, else the workspace's), as the
  // server names it, in the reader's language when it has a label in it; the code itself when that list or the code
  // is gone.
  const code =
    typeof entry.wrapUpCode === 'string'
      ? wrapUpLabelIn(prefs.locale, {
          code: entry.wrapUpCode,
          label: typeof entry.wrapUpLabel === 'string' ? entry.wrapUpLabel : null,
          labels:
            entry.wrapUpLabels && typeof entry.wrapUpLabels === 'object'
              ? (entry.wrapUpLabels as WrapUpLabels)
              : null,
        })
      : null;
  const outcome = entry.outcome
    ? t(`callCard.outcomes.${String(entry.outcome)}`, { defaultValue: String(entry.outcome) })
    : t(`callCard.states.${String(entry.state)}`, { defaultValue: String(entry.state ?? '') });
  const minutes = typeof entry.duration === 'number' ? Math.round(entry.duration / 60) : null;
  const ticket = entry.ticket as
    | { id: string; number: number | null; subject: string | null }
    | null
    | undefined;
  const report = entry.report as
    | { type: string | null; ticket: { id: string; number: number | null; subject: string | null } | null }
    | null
    | undefined;
  const links = Array.isArray(entry.selfService)
    ? (entry.selfService as { channel: string; at: string }[])
    : [];
  const promise = entry.promise as { amount: string; currency: string; dueOn: string } | null | undefined;
  const shown = (
    <Stack gap={2} data-testid="timeline-call">
      <Text size="sm">
        {t(entry.direction === 'outbound' ? 'callCard.kinds.callOut' : 'callCard.kinds.callIn')} · {outcome}
        {minutes !== null ? ` · ${t('callCard.minutes', { n: formatNumber(minutes, prefs) })}` : ''}
        {code ? (
          <>
            {' · '}
            <bdi data-testid="timeline-call-code">{code}</bdi>
          </>
        ) : (
          ''
        )}
      </Text>
      {typeof entry.notes === 'string' && entry.notes !== '' && (
        <Text size="sm" c="dimmed" style={{ whiteSpace: 'pre-wrap' }}>
          {entry.notes}
        </Text>
      )}
      {entry.hasRecording === true && <RecordingPlayer callId={entry.id} />}
      {ticket && (
        <AnchorLink to="/o/$object/$id" params={{ object: 'tickets', id: ticket.id }} size="sm">
          {t('callCard.timelineTicket', {
            number: ticket.number !== null ? formatNumber(ticket.number, prefs) : '',
            subject: ticket.subject ?? '',
          })}
        </AnchorLink>
      )}
      {report?.ticket && (
        <AnchorLink
          to="/o/$object/$id"
          params={{ object: 'tickets', id: report.ticket.id }}
          size="sm"
          data-testid="timeline-call-report"
        >
          {t('callExtras.timelineReport', {
            number: report.ticket.number !== null ? formatNumber(report.ticket.number, prefs) : '',
            subject: report.ticket.subject ?? '',
          })}
        </AnchorLink>
      )}
      {links.map((link) => (
        <Text key={link.at} size="sm" c="dimmed">
          {t('callExtras.timelineLink', {
            channel: t(`callExtras.${link.channel === 'email' ? 'email' : 'sms'}`),
            at: formatDateTime(link.at, prefs),
          })}
        </Text>
      ))}
      {promise && (
        <Text size="sm" data-testid="timeline-call-promise">
          {t('callExtras.timelinePromise', {
            amount: formatMoney(promise, prefs),
            date: formatDate(promise.dueOn, prefs),
          })}
        </Text>
      )}
    </Stack>
  );
  // Highlighted, with the wrap-up under it, when the record page is focused on this call.
  return <FocusedCallEntry callId={entry.id}>{shown}</FocusedCallEntry>;
}
