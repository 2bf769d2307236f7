import { Alert, Anchor, Badge, Button, Card, Group, Progress, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDelete } from '../../../components/ConfirmDelete.tsx';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { formatDateTime, formatNumber } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { emailApi } from '../utils/email-api.ts';
import { emailKeys } from '../utils/email-keys.ts';
import type { Mailbox } from '../utils/email-types.ts';
import { formatDuration, percentOf } from '../utils/units.ts';
import { MailboxStatusBadge } from './MailboxStatusBadge.tsx';
import { SkippedModal } from './SkippedModal.tsx';

/**
 * One mailbox: its status, the last error with the fix it names, the sync's progress (done of total, rate, time
 * left), the last daily check against the server (messages checked, missing ones fetched), what was skipped, and —
 * for whoever manages it — pause or resume, edit and delete.
 */
export function MailboxCard({
  mailbox: m,
  manages,
  onEdit,
}: {
  mailbox: Mailbox;
  manages: boolean;
  onEdit: () => void;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const { error, busy, run } = useAction();
  const [showSkipped, setShowSkipped] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const { done, total, rate, secondsLeft } = m.progress;
  const n = (v: number) => formatNumber(v, prefs);
  const syncing = m.status === 'syncing' || m.status === 'connecting';
  const progressWords = [
    t('email.progress', { done: n(done), total: n(total) }),
    syncing && rate !== null ? t('email.rate', { rate: n(rate) }) : '',
    syncing && secondsLeft !== null && secondsLeft > 0
      ? t('email.timeLeft', { time: formatDuration(secondsLeft, prefs) })
      : '',
  ].filter(Boolean);
  return (
    <Card withBorder padding="sm" data-testid="mailbox" data-address={m.address}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <div>
            <Text fw={600}>{m.name}</Text>
            <Text size="sm" c="dimmed" dir="ltr" ta="start">
              {m.address}
            </Text>
          </div>
          <Group gap="xs">
            {m.kind === 'shared' && (
              <Badge variant="outline" color="gray">
                {t('email.kind.shared')}
              </Badge>
            )}
            <MailboxStatusBadge status={m.status} />
          </Group>
        </Group>
        {m.lastError && (m.status === 'failing' || m.status === 'paused') && (
          <Alert color="red" variant="light" title={t('email.lastError')} data-testid="mailbox-error">
            <Text size="sm" dir="auto">
              {m.lastError}
            </Text>
            {m.lastErrorAt && (
              <Text size="xs" mt={4}>
                {formatDateTime(m.lastErrorAt, prefs)}
              </Text>
            )}
          </Alert>
        )}
        {(total > 0 || syncing) && (
          <Stack gap={4}>
            <Progress.Root size="md">
              <Progress.Section
                value={percentOf(done, total)}
                color={m.status === 'failing' ? 'red' : 'blue'}
                aria-label={t('email.progressLabel', { name: m.name })}
              />
            </Progress.Root>
            <Text size="sm" data-testid="mailbox-progress">
              {progressWords.join(' · ')}
            </Text>
          </Stack>
        )}
        <Group gap="md" wrap="wrap">
          {m.lastSyncedAt && (
            <Text size="xs" c="dimmed">
              {t('email.lastSynced', { time: formatDateTime(m.lastSyncedAt, prefs) })}
            </Text>
          )}
          {m.lastReconcile && (
            <Text size="xs" c="dimmed" data-testid="mailbox-reconcile">
              {t('email.lastReconcile', {
                time: formatDateTime(m.lastReconcile.at, prefs),
                checked: n(m.lastReconcile.checked),
                missing: n(m.lastReconcile.missing),
              })}
            </Text>
          )}
          {/* A gap found earlier stays in sight after later comparisons find none. */}
          {m.lastGap && m.lastGap.at !== m.lastReconcile?.at && (
            <Text size="xs" c="orange" data-testid="mailbox-gap">
              {t('email.lastGap', {
                time: formatDateTime(m.lastGap.at, prefs),
                missing: n(m.lastGap.missing),
              })}
            </Text>
          )}
          {m.skipped > 0 && (
            <Anchor component="button" type="button" size="sm" onClick={() => setShowSkipped(true)}>
              {t('email.skippedCount', { n: n(m.skipped) })}
            </Anchor>
          )}
        </Group>
        {manages && (
          <Group gap="xs">
            <Button
              size="xs"
              variant="default"
              loading={busy}
              onClick={() =>
                run(
                  () => emailApi.updateMailbox(m.id, { paused: m.status !== 'paused' }),
                  [emailKeys.mailboxes],
                )
              }
            >
              {m.status === 'paused' ? t('email.resume') : t('email.pause')}
            </Button>
            <Button size="xs" variant="default" onClick={onEdit}>
              {t('email.edit')}
            </Button>
            <Button size="xs" variant="subtle" color="red" onClick={() => setConfirmDelete(true)}>
              {t('email.delete')}
            </Button>
          </Group>
        )}
        <ErrorText error={error} />
      </Stack>
      {showSkipped && <SkippedModal mailbox={m} onClose={() => setShowSkipped(false)} />}
      <ConfirmDelete
        opened={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        title={t('email.deleteTitle', { name: m.name })}
        hint={t('email.deleteHint')}
        error={error}
        busy={busy}
        onDelete={() => run(() => emailApi.deleteMailbox(m.id), [emailKeys.mailboxes])}
      />
    </Card>
  );
}
