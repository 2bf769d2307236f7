import { Button, Divider, Group, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { timelineKeys } from '../../timeline/utils/timeline-keys.ts';
import { CALL_OUTCOMES, type CallCardData, callCardApi, callCardKeys } from '../utils/call-card-api.ts';
import { callFocusStore } from '../utils/call-focus.ts';
import { wrapUpLabelIn } from '../utils/wrap-up-label.ts';

/**
 * During and after the agent's call: notes, wrap-up code and outcome, saved on the call (and shown on the caller's
 * timeline); a ticket opened with the caller as requester; a follow-up task for the agent. What the agent entered
 * and has not saved is kept (`callFocusStore`) as they type, so the call's other form — the card's, or the record
 * page's focused on the call — starts from it when it takes over.
 */
export function WrapUpForm({ card }: { card: CallCardData }) {
  const { t } = useTranslation();
  const { locale } = usePrefs();
  const qc = useQueryClient();
  const id = card.call.id;
  const wrap = card.call.wrapUp;
  const name = card.record?.title ?? card.call.from ?? '';
  const [draft] = useState(() => callFocusStore.draft(id));
  const [notes, setNotes] = useState(draft?.notes ?? wrap.notes ?? '');
  const [code, setCode] = useState<string | null>(draft ? draft.code : wrap.wrapUpCode);
  const [outcome, setOutcome] = useState<string | null>(draft ? draft.outcome : wrap.outcome);
  const [ticketSubject, setTicketSubject] = useState(
    draft?.ticketSubject ?? t('callCard.ticketSubject', { name }),
  );
  const [taskTitle, setTaskTitle] = useState(draft?.taskTitle ?? t('callCard.taskTitle', { name }));
  // Kept once the agent changed something here (or the form started from a draft), not for a form only opened.
  const touched = useRef(draft !== undefined);
  const touch =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      touched.current = true;
      set(v);
    };
  useEffect(() => {
    if (touched.current) callFocusStore.keepDraft(id, { notes, code, outcome, ticketSubject, taskTitle });
  }, [id, notes, code, outcome, ticketSubject, taskTitle]);
  // The codes of the call's queue when it has its own, else the workspace's.
  const codes = useQuery({
    queryKey: callCardKeys.wrapUpCodesOf(id),
    queryFn: () => callCardApi.wrapUpCodesOf(id),
  });
  // The call's codes, each by its label in the agent's language; a code given before and no longer in them stays
  // shown, by its label when the server has one.
  const codeOptions = (codes.data ?? []).map((c) => ({ value: c.code, label: wrapUpLabelIn(locale, c) }));
  if (wrap.wrapUpCode !== null && !codeOptions.some((o) => o.value === wrap.wrapUpCode))
    codeOptions.push({
      value: wrap.wrapUpCode,
      label: wrapUpLabelIn(locale, {
        code: wrap.wrapUpCode,
        label: wrap.wrapUpLabel,
        labels: wrap.wrapUpLabels,
      }),
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
      // Saved: the form holds what the call now holds, nothing to carry over.
      callFocusStore.dropDraft(id);
      touched.current = false;
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
            onChange={(e) => touch(setNotes)(e.currentTarget.value)}
            autosize
            minRows={2}
            maxRows={6}
            maxLength={10_000}
            error={fieldError(save.error, 'notes')}
          />
          <Group grow>
            <Select
              label={t('callCard.wrapUpCode')}
              data={codeOptions}
              value={code}
              onChange={touch(setCode)}
              clearable
              comboboxProps={{ withinPortal: false }}
              error={fieldError(save.error, 'wrapUpCode')}
            />
            <Select
              label={t('callCard.outcome')}
              data={CALL_OUTCOMES.map((o) => ({ value: o, label: t(`callCard.outcomes.${o}`) }))}
              value={outcome}
              onChange={touch(setOutcome)}
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
                onChange={(e) => touch(setTicketSubject)(e.currentTarget.value)}
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
              onChange={(e) => touch(setTaskTitle)(e.currentTarget.value)}
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
