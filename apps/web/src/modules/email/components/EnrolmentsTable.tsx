import { Badge, Button, Table, Text, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { formatDateTime, formatNumber } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { RelationLink } from '../../records/components/RelationLink.tsx';
import { emailApi } from '../utils/email-api.ts';
import { emailKeys } from '../utils/email-keys.ts';
import type { EmailSequence, Enrolment, EnrolmentStatus } from '../utils/email-types.ts';
import { stopReasonKey } from '../utils/sequence-form.ts';

const STATUS_COLORS: Record<EnrolmentStatus, string> = {
  active: 'blue',
  sending: 'cyan',
  finished: 'green',
  stopped: 'gray',
};

/** Why an enrolment stopped, in words (a failure keeps the server's reason beside them). */
function StopReason({ reason }: { reason: string | null }) {
  const { t } = useTranslation();
  const known = stopReasonKey(reason);
  if (!known) return null;
  return (
    <Text size="sm" dir="auto">
      {t(`email.stopReason.${known.key}`)}
      {known.detail ? `: ${known.detail}` : ''}
    </Text>
  );
}

/** One enrolment's row: the person, status, emails sent of all, the next send (or pause), why it stopped, Stop. */
function EnrolmentRow({ enrolment: e, steps }: { enrolment: Enrolment; steps: number }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const { error, busy, run } = useAction();
  const running = e.status === 'active' || e.status === 'sending';
  const paused = e.pausedUntil !== null && Date.parse(e.pausedUntil) > Date.now();
  return (
    <Table.Tr data-testid="enrolment" data-status={e.status}>
      <Table.Td>
        <RelationLink object="people" id={e.personId} />
      </Table.Td>
      <Table.Td>
        <Badge variant="dot" color={STATUS_COLORS[e.status]}>
          {t(`email.enrolmentStatus.${e.status}`)}
        </Badge>
      </Table.Td>
      <Table.Td>
        {t('email.stepsSent', { sent: formatNumber(e.step, prefs), total: formatNumber(steps, prefs) })}
      </Table.Td>
      <Table.Td>
        {running && paused && e.pausedUntil
          ? t('email.pausedUntil', { time: formatDateTime(e.pausedUntil, prefs) })
          : running && e.nextAt
            ? formatDateTime(e.nextAt, prefs)
            : '—'}
      </Table.Td>
      <Table.Td>
        <StopReason reason={e.stopReason} />
      </Table.Td>
      <Table.Td>
        {running && (
          <Button
            size="xs"
            variant="default"
            loading={busy}
            onClick={() => run(() => emailApi.stopEnrolment(e.id), [emailKeys.enrolments(e.sequenceId)])}
          >
            {t('email.stopEnrolment')}
          </Button>
        )}
        <ErrorText error={error} />
      </Table.Td>
    </Table.Tr>
  );
}

/** The people enrolled in a sequence whom the reader may see, newest first, each stoppable by hand. */
export function EnrolmentsTable({ sequence }: { sequence: EmailSequence }) {
  const { t } = useTranslation();
  const enrolments = useQuery({
    queryKey: emailKeys.enrolments(sequence.id),
    queryFn: () => emailApi.enrolments(sequence.id),
  });
  const rows = enrolments.data ?? [];
  return (
    <>
      <ErrorText error={enrolments.error} />
      {enrolments.isSuccess && rows.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('email.noEnrolments')}
        </Text>
      )}
      {rows.length > 0 && (
        <Table.ScrollContainer minWidth={640} type="native">
          <Table withTableBorder data-testid="enrolments">
            <Table.Caption>{t('email.enrolmentsOf', { name: sequence.name })}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('email.person')}</Table.Th>
                <Table.Th>{t('email.enrolmentStatusLabel')}</Table.Th>
                <Table.Th>{t('email.emailsSent')}</Table.Th>
                <Table.Th>{t('email.nextSend')}</Table.Th>
                <Table.Th>{t('email.stopReasonLabel')}</Table.Th>
                <Table.Th>
                  <VisuallyHidden>{t('email.actions')}</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((e) => (
                <EnrolmentRow key={e.id} enrolment={e} steps={sequence.steps.length} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </>
  );
}
