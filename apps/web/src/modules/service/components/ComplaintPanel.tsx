import {
  Badge,
  Button,
  Card,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { formatDate, formatDateTime, type Prefs } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { type Complaint, type ComplaintDetails, casesApi, casesKeys } from '../utils/cases-api.ts';

const STATE_COLOR = { pending: 'blue.9', met: 'green.9', breached: 'red.9' } as const;

/** A choice list from the desk's settings, keeping the complaint's own value when it has since left the list. */
const choices = (list: readonly string[], current: string | null) =>
  current && !list.includes(current) ? [...list, current] : [...list];

/** Whether an instant is midnight on the user's clock (a deadline in calendar days ends there). */
function isLocalMidnight(iso: string, timeZone: string): boolean {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(iso));
  return parts.filter((p) => p.type !== 'literal').every((p) => Number(p.value) === 0);
}

/**
 * When a deadline is due: a deadline in calendar days ends at midnight, which reads best as the end of the day
 * before ("by the end of 16 Azar", not "by 17 Azar 00:00") when the user's clock is the workspace's; otherwise
 * the instant, in the user's calendar and time zone.
 */
function dueText(
  t: (key: string, values: Record<string, string>) => string,
  dueAt: string | null,
  prefs: Prefs,
) {
  if (!dueAt) return '';
  if (!isLocalMidnight(dueAt, prefs.timeZone))
    return t('cases.dueAt', { when: formatDateTime(dueAt, prefs) });
  return t('cases.dueEndOf', { day: formatDate(new Date(Date.parse(dueAt) - 1).toISOString(), prefs) });
}

function DeadlineRow({ label, deadline }: { label: string; deadline: Complaint['acknowledgement'] }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  return (
    <Group
      justify="space-between"
      wrap="wrap"
      gap="xs"
      data-testid="complaint-deadline"
      data-state={deadline.state}
    >
      <Text size="sm" fw={600}>
        {label}
      </Text>
      {deadline.state ? (
        <Group gap="xs" wrap="wrap">
          <Badge variant="outline" color={STATE_COLOR[deadline.state]}>
            {t(`cases.deadline.${deadline.state}`)}
          </Badge>
          <Text size="sm" data-testid="complaint-due">
            {dueText(t, deadline.dueAt, prefs)}
          </Text>
          {deadline.doneAt && (
            <Text size="xs" c="dimmed">
              {t('cases.doneAt', { when: formatDateTime(deadline.doneAt, prefs) })}
            </Text>
          )}
        </Group>
      ) : (
        <Text size="sm" c="dimmed">
          {t('cases.noDeadline')}
        </Text>
      )}
    </Group>
  );
}

/** A complaint ticket's details (category, root cause, compensation) and its two deadlines, met or breached. */
export function ComplaintPanel({ id }: { id: string }) {
  const { t } = useTranslation();
  const complaint = useQuery({ queryKey: casesKeys.complaint(id), queryFn: () => casesApi.complaint(id) });
  const settings = useQuery({ queryKey: casesKeys.settings, queryFn: casesApi.settings });
  const [draft, setDraft] = useState<ComplaintDetails | undefined>();
  useEffect(() => {
    if (complaint.data) setDraft(complaint.data);
  }, [complaint.data]);
  const action = useAction();
  const c = complaint.data;
  return (
    <Card withBorder padding="md" data-testid="ticket-complaint">
      <Title order={3} size="sm" mb="xs">
        {t('cases.complaintTitle')}
      </Title>
      <ErrorText error={complaint.error ?? settings.error} />
      {c && draft && (
        <Stack gap="sm">
          <DeadlineRow label={t('cases.acknowledgement')} deadline={c.acknowledgement} />
          <DeadlineRow label={t('cases.finalResponse')} deadline={c.finalResponse} />
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <Select
              label={t('cases.category')}
              data={choices(settings.data?.categories ?? [], draft.category)}
              value={draft.category}
              onChange={(v) => setDraft({ ...draft, category: v })}
              clearable
            />
            <Select
              label={t('cases.rootCause')}
              data={choices(settings.data?.rootCauses ?? [], draft.rootCause)}
              value={draft.rootCause}
              onChange={(v) => setDraft({ ...draft, rootCause: v })}
              clearable
            />
            <TextInput
              label={t('cases.compensationAmount')}
              inputMode="decimal"
              dir="ltr"
              value={draft.compensationAmount ?? ''}
              onChange={(e) =>
                setDraft({ ...draft, compensationAmount: e.currentTarget.value.trim() || null })
              }
            />
            <TextInput
              label={t('cases.compensationCurrency')}
              maxLength={3}
              dir="ltr"
              value={draft.compensationCurrency ?? ''}
              onChange={(e) =>
                setDraft({
                  ...draft,
                  compensationCurrency: e.currentTarget.value.trim().toUpperCase() || null,
                })
              }
            />
          </SimpleGrid>
          <Textarea
            label={t('cases.compensationNote')}
            autosize
            minRows={2}
            maxLength={2000}
            value={draft.compensationNote ?? ''}
            onChange={(e) => setDraft({ ...draft, compensationNote: e.currentTarget.value || null })}
          />
          <Group>
            <Button
              size="xs"
              loading={action.busy}
              onClick={() =>
                void action.run(
                  () =>
                    casesApi.putComplaint(id, {
                      category: draft.category,
                      rootCause: draft.rootCause,
                      compensationAmount: draft.compensationAmount,
                      compensationCurrency: draft.compensationCurrency,
                      compensationNote: draft.compensationNote?.trim() || null,
                    }),
                  [casesKeys.complaint(id)],
                )
              }
            >
              {t('record.save')}
            </Button>
          </Group>
          <ErrorText error={action.error} />
        </Stack>
      )}
    </Card>
  );
}
