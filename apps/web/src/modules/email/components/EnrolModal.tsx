import { Alert, Button, Group, Modal, Select, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { emailApi } from '../utils/email-api.ts';
import { emailKeys } from '../utils/email-keys.ts';
import type { EnrolResult } from '../utils/email-types.ts';

/**
 * Enrols one person in a sequence, sending through one of the caller's mailboxes that can send; says when the
 * first email goes, or why the person was not enrolled (already in it).
 */
export function EnrolModal({ personId, onClose }: { personId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const sequences = useQuery({ queryKey: emailKeys.sequences, queryFn: emailApi.sequences });
  const mailboxes = useQuery({ queryKey: emailKeys.mailboxes, queryFn: emailApi.mailboxes });
  const sending = (mailboxes.data ?? []).filter((m) => m.smtp !== null);
  const usable = (sequences.data ?? []).filter((s) => s.enabled && s.steps.length > 0);
  const [sequenceId, setSequenceId] = useState<string | null>(null);
  const [chosenMailbox, setChosenMailbox] = useState<string | null>(null);
  const mailboxId = chosenMailbox ?? sending[0]?.id ?? null;
  const [result, setResult] = useState<EnrolResult | null>(null);
  const { error, busy, run } = useAction();
  const enrol = async () => {
    if (!sequenceId || !mailboxId) return;
    await run(
      async () => setResult(await emailApi.enrol(sequenceId, { personIds: [personId], mailboxId })),
      [emailKeys.enrolments(sequenceId)],
    );
  };
  const enrolled = result?.enrolled[0];
  const skipped = result?.skipped[0];
  return (
    <Modal opened onClose={onClose} title={t('email.enrolTitle')}>
      <Stack data-testid="enrol-form">
        {sequences.isSuccess && usable.length === 0 && (
          <Text size="sm">
            {t('email.noSequences')}{' '}
            <AnchorLink to="/settings" search={{ tab: 'sequences' }} size="sm">
              {t('email.openSequences')}
            </AnchorLink>
          </Text>
        )}
        <Select
          label={t('email.sequence')}
          data={usable.map((s) => ({ value: s.id, label: s.name }))}
          value={sequenceId}
          onChange={(v) => {
            setSequenceId(v);
            setResult(null);
          }}
          required
          searchable
        />
        <Select
          label={t('email.from')}
          description={t('email.enrolMailboxHint')}
          data={sending.map((m) => ({ value: m.id, label: `${m.name} <${m.address}>` }))}
          value={mailboxId}
          onChange={setChosenMailbox}
          allowDeselect={false}
          required
        />
        <ErrorText error={error ?? sequences.error} />
        {enrolled && (
          <Alert color="green" variant="light" role="status" data-testid="enrolled">
            {enrolled.nextAt
              ? t('email.enrolledNext', { time: formatDateTime(enrolled.nextAt, prefs) })
              : t('email.enrolled')}
          </Alert>
        )}
        {skipped && (
          <Alert color="yellow" variant="light" role="status">
            {skipped.reason === 'already_enrolled' ? t('email.alreadyEnrolled') : t('email.cannotEnrol')}
          </Alert>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose}>
            {result ? t('app.close') : t('email.cancel')}
          </Button>
          {!result && (
            <Button onClick={() => void enrol()} loading={busy} disabled={!sequenceId || !mailboxId}>
              {t('email.enrol')}
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
