import { Badge, Button, Card, Group, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDelete } from '../../../components/ConfirmDelete.tsx';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { formatNumber } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { useCan, useMe, usePrefs } from '../../auth/hooks/useMe.ts';
import { emailApi } from '../utils/email-api.ts';
import { emailKeys } from '../utils/email-keys.ts';
import type { EmailSequence } from '../utils/email-types.ts';
import { EnrolmentsTable } from './EnrolmentsTable.tsx';
import { SequenceForm } from './SequenceForm.tsx';

/** One sequence in the list: name, on or off, its steps, its enrolments on demand, and its actions. */
function SequenceCard({
  sequence: s,
  changeable,
  onEdit,
}: {
  sequence: EmailSequence;
  changeable: boolean;
  onEdit: () => void;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const [showEnrolments, setShowEnrolments] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const { error, busy, run } = useAction();
  return (
    <Card withBorder padding="sm" data-testid="email-sequence" data-name={s.name}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text fw={600} dir="auto">
            {s.name}
          </Text>
          <Group gap={4}>
            <Badge variant="light" color="gray">
              {t('email.stepCount', { n: formatNumber(s.steps.length, prefs) })}
            </Badge>
            <Badge variant="dot" color={s.enabled ? 'green' : 'gray'}>
              {s.enabled ? t('email.sequenceOn') : t('email.sequenceOff')}
            </Badge>
          </Group>
        </Group>
        <Group gap="xs">
          <Button
            size="xs"
            variant="default"
            aria-expanded={showEnrolments}
            onClick={() => setShowEnrolments((v) => !v)}
          >
            {showEnrolments ? t('email.hideEnrolments') : t('email.showEnrolments')}
          </Button>
          {changeable && (
            <>
              <Button size="xs" variant="default" onClick={onEdit}>
                {t('email.edit')}
              </Button>
              <Button size="xs" variant="subtle" color="red" onClick={() => setConfirmDelete(true)}>
                {t('email.delete')}
              </Button>
            </>
          )}
        </Group>
        {showEnrolments && <EnrolmentsTable sequence={s} />}
      </Stack>
      <ConfirmDelete
        opened={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        title={t('email.deleteSequenceTitle', { name: s.name })}
        hint={t('email.deleteSequenceHint')}
        error={error}
        busy={busy}
        onDelete={() => run(() => emailApi.deleteSequence(s.id), [emailKeys.sequences])}
      />
    </Card>
  );
}

/**
 * Settings → Sequences: the workspace's sequences (changed by their author or a mailbox manager), each with the
 * people enrolled in it, and the form that writes one.
 */
export default function SequencesSettings() {
  const { t } = useTranslation();
  const me = useMe().data;
  const canManage = useCan('mailboxes.manage');
  const sequences = useQuery({ queryKey: emailKeys.sequences, queryFn: emailApi.sequences });
  const [editing, setEditing] = useState<string | undefined>();
  const [formKey, setFormKey] = useState(0);
  const list = sequences.data ?? [];
  const edited = list.find((s) => s.id === editing);
  const edit = (id: string) => {
    setEditing(id);
    requestAnimationFrame(() =>
      document.querySelector('[data-testid=sequence-form]')?.scrollIntoView({ block: 'start' }),
    );
  };
  const done = () => {
    setEditing(undefined);
    setFormKey((k) => k + 1);
  };
  return (
    <Stack>
      <Section title={t('email.sequences')}>
        <Stack>
          <Text size="sm" c="dimmed">
            {t('email.sequencesHint')}
          </Text>
          <ErrorText error={sequences.error} />
          {sequences.isSuccess && list.length === 0 && <Text size="sm">{t('email.noSequencesYet')}</Text>}
          {list.map((s) => (
            <SequenceCard
              key={s.id}
              sequence={s}
              changeable={canManage || (s.createdBy !== null && s.createdBy === me?.user?.id)}
              onEdit={() => edit(s.id)}
            />
          ))}
        </Stack>
      </Section>
      <Section title={edited ? t('email.editSequence', { name: edited.name }) : t('email.newSequence')}>
        <SequenceForm key={edited?.id ?? `new-${formKey}`} sequence={edited} onDone={done} />
      </Section>
    </Stack>
  );
}
