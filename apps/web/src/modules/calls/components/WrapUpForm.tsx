import { Button, Divider, Group, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { timelineKeys } from '../../timeline/utils/timeline-keys.ts';
import { CALL_OUTCOMES, type CallCardData, callCardApi, callCardKeys } from '../utils/call-card-api.ts';

/**
 * During and after the agent's call: notes, wrap-up code and outcome, saved on the call (and shown on the caller's
 * timeline); a ticket opened with the caller as requester; a follow-up task for the agent.
 */
export function WrapUpForm({ card }: { card: CallCardData }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const id = card.call.id;
  const wrap = card.call.wrapUp;
  const [notes, setNotes] = useState(wrap.notes ?? '');
  const [code, setCode] = useState<string | null>(wrap.wrapUpCode);
  const [outcome, setOutcome] = useState<string | null>(wrap.outcome);
  const name = card.record?.title ?? card.call.from ?? '';
  const [ticketSubject, setTicketSubject] = useState(t('callCard.ticketSubject', { name }));
  const [taskTitle, setTaskTitle] = useState(t('callCard.taskTitle', { name }));
  // The codes of the call's queue when it has its own, else the workspace's.
  const codes = useQuery({
    queryKey: callCardKeys.wrapUpCodesOf(id),
    queryFn: () => callCardApi.wrapUpCodesOf(id),
  });
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: callCardKeys.card(id) });
    if (card.record)
      void qc.invalidateQueries({ queryKey: timelineKeys.record(card.record.object, card.record.id) });
  };
  const save = useMutation({
    mutationFn: () =>
      callCardApi.wrapUp(id, {
        notes: notes.trim() === '' ? null : notes,
        wrapUpCode: code,
        outcome: outcome as (typeof CALL_OUTCOMES)[number] | null,
      }),
    onSuccess: (next) => {
      qc.setQueryData(callCardKeys.card(id), next);
      refresh();
    },
  });
  const ticket = useMutation({
    mutationFn: () => callCardApi.openTicket(id, { subject: ticketSubject }),
    onSuccess: refresh,
  });
  const task = useMutation({
    mutationFn: () => callCardApi.addTask(id, { title: taskTitle }),
    onSuccess: refresh,
  });
  const ended = card.call.state === 'ended';
  const ticketId = wrap.ticketId ?? ticket.data?.ticketId ?? null;
  const taskId = wrap.taskId ?? task.data?.taskId ?? null;
  return (
    <Stack gap="xs" data-testid="wrap-up-form">
      <Divider label={ended ? t('callCard.wrapUpTitle') : t('callCard.notesTitle')} labelPosition="center" />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
        noValidate
      >
        <Stack gap="xs">
          <Textarea
            label={t('callCard.notes')}
            value={notes}
            onChange={(e) => setNotes(e.currentTarget.value)}
            autosize
            minRows={2}
            maxRows={6}
            maxLength={10_000}
            error={fieldError(save.error, 'notes')}
          />
          <Group grow>
            <Select
              label={t('callCard.wrapUpCode')}
              data={(codes.data ?? []).map((c) => ({ value: c.code, label: c.label }))}
              value={code}
              onChange={setCode}
              clearable
              comboboxProps={{ withinPortal: false }}
              error={fieldError(save.error, 'wrapUpCode')}
            />
            <Select
              label={t('callCard.outcome')}
              data={CALL_OUTCOMES.map((o) => ({ value: o, label: t(`callCard.outcomes.${o}`) }))}
              value={outcome}
              onChange={setOutcome}
              placeholder={
                card.call.outcome
                  ? t(`callCard.outcomes.${card.call.outcome}`, { defaultValue: '' })
                  : undefined
              }
              clearable
              comboboxProps={{ withinPortal: false }}
            />
          </Group>
          <ErrorText error={save.error} />
          <Group justify="space-between">
            <Text size="xs" c="dimmed" role="status">
              {save.isSuccess ? t('callCard.saved') : ''}
            </Text>
            <Button type="submit" size="xs" loading={save.isPending}>
              {t('callCard.saveWrapUp')}
            </Button>
          </Group>
        </Stack>
      </form>
      {card.record && card.record.object !== 'leads' && (
        <Group gap="xs" align="flex-end" wrap="nowrap">
          {ticketId ? (
            <AnchorLink to="/o/$object/$id" params={{ object: 'tickets', id: ticketId }} size="sm">
              {t('callCard.ticketOpened')}
            </AnchorLink>
          ) : (
            <>
              <TextInput
                style={{ flex: 1 }}
                size="xs"
                label={t('callCard.ticketSubjectLabel')}
                value={ticketSubject}
                onChange={(e) => setTicketSubject(e.currentTarget.value)}
                maxLength={500}
              />
              <Button
                size="xs"
                variant="light"
                loading={ticket.isPending}
                disabled={ticketSubject.trim() === ''}
                onClick={() => ticket.mutate()}
              >
                {t('callCard.openTicket')}
              </Button>
            </>
          )}
        </Group>
      )}
      <ErrorText error={ticket.error} />
      <Group gap="xs" align="flex-end" wrap="nowrap">
        {taskId ? (
          <AnchorLink to="/o/$object/$id" params={{ object: 'tasks', id: taskId }} size="sm">
            {t('callCard.taskAdded')}
          </AnchorLink>
        ) : (
          <>
            <TextInput
              style={{ flex: 1 }}
              size="xs"
              label={t('callCard.taskTitleLabel')}
              value={taskTitle}
              onChange={(e) => setTaskTitle(e.currentTarget.value)}
              maxLength={500}
            />
            <Button
              size="xs"
              variant="light"
              loading={task.isPending}
              disabled={taskTitle.trim() === ''}
              onClick={() => task.mutate()}
            >
              {t('callCard.followUpTask')}
            </Button>
          </>
        )}
      </Group>
      <ErrorText error={task.error} />
    </Stack>
  );
}
