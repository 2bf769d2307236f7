import { ActionIcon, Badge, Button, Group, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { IconPhoneCall, IconX } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../../components/links.tsx';
import { useMe } from '../../auth/hooks/useMe.ts';
import { callCardApi, callCardKeys } from '../utils/call-card-api.ts';
import { callFocusStore, takesWrapUp } from '../utils/call-focus.ts';
import { CallCardExtras } from './CallCardExtras.tsx';
import { CallCardPick } from './CallCardPick.tsx';
import { CallCardQueue } from './CallCardQueue.tsx';
import { CallCardRecord } from './CallCardRecord.tsx';
import { DialButton } from './DialButton.tsx';
import { CallRecordingIfAny } from './RecordingPlayer.tsx';
import { WrapUpForm } from './WrapUpForm.tsx';

/** States in which a call may still change, and how often its card reads itself again meanwhile. */
const LIVE_STATES: ReadonlySet<string> = new Set(['ringing', 'answered', 'held']);
const LIVE_REFRESH_MS = 3_000;

/**
 * One call's card: who is calling (name, company, flags, open tickets and deals, the last interactions) and through
 * which queue, or the records to pick from, or a new person's form; after an answered call of the agent's has ended,
 * the wrap-up. It closes by itself when another agent answers or when a call nobody answered ends. The name opens the
 * record's page focused on the call, where the wrap-up form starts from what was entered here and not saved (and
 * back: the card's form starts from the page's when it returns); while that page shows the call
 * with its wrap-up form, the card keeps to its heading (the rest on demand) and leaves the form to the page, so the
 * call never has two forms, one of which would save what the other replaced.
 */
export function CallCard({ callId, onClose }: { callId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const me = useMe().data;
  const card = useQuery({
    queryKey: callCardKeys.card(callId),
    queryFn: () => callCardApi.card(callId),
    // The event stream says when the call changes; while it is live the card also reads itself again now and then,
    // so a change the stream did not bring (a reconnect in between) still shows.
    // A read that failed (a server too busy to answer in time) is tried again at the same pace while the card is
    // open: the card must not stay on what it could not read.
    refetchInterval: (query) =>
      query.state.status === 'error' || LIVE_STATES.has(query.state.data?.call.state ?? '')
        ? LIVE_REFRESH_MS
        : false,
  });
  const data = card.data;
  const myId = me?.user?.id;
  const answeredElsewhere =
    data !== undefined && data.call.answeredAt !== null && data.call.agentUserId !== myId;
  const missed = data !== undefined && data.call.state === 'ended' && data.call.answeredAt === null;
  useEffect(() => {
    if (answeredElsewhere || missed) onClose();
  }, [answeredElsewhere, missed, onClose]);
  // Until the first answer the caller is not known either way: "unknown" is said only of a call the API says has
  // no number and no record, never of one still being read.
  const title =
    data === undefined
      ? t('callCard.incoming')
      : (data.record?.title ?? data.call.from ?? t('callCard.unknownCaller'));
  const onPage = useSyncExternalStore(callFocusStore.subscribe, () => callFocusStore.has(callId));
  const [expanded, setExpanded] = useState(false);
  const bodyShown = !onPage || expanded;
  return (
    <Paper
      withBorder
      shadow="lg"
      p="md"
      radius="md"
      role="region"
      aria-label={t('callCard.title', { name: title })}
      data-testid="call-card"
      data-call-state={data?.call.state}
    >
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Group gap="xs" wrap="nowrap">
            <IconPhoneCall size={20} aria-hidden />
            <div>
              <Title order={2} size="h4" data-testid="call-card-name">
                {data?.record ? (
                  <AnchorLink
                    to="/o/$object/$id"
                    params={{ object: data.record.object, id: data.record.id }}
                    search={{ call: callId }}
                    inherit
                  >
                    {title}
                  </AnchorLink>
                ) : (
                  <bdi dir={data?.call.from ? 'ltr' : undefined}>{title}</bdi>
                )}
              </Title>
              {data?.record?.company?.title && (
                <Text size="sm" c="dimmed">
                  {data.record.company.title}
                </Text>
              )}
            </div>
          </Group>
          <Group gap={4} wrap="nowrap">
            {data && (
              // Never shrunk: on a phone's width the caller's name gives way, not the state's words.
              <Badge
                variant="light"
                data-testid="call-card-state"
                style={{ flexShrink: 0, overflow: 'visible' }}
              >
                {t(`callCard.states.${data.call.state}`, { defaultValue: data.call.state })}
              </Badge>
            )}
            <ActionIcon variant="subtle" color="gray" onClick={onClose} aria-label={t('callCard.close')}>
              <IconX size={16} />
            </ActionIcon>
          </Group>
        </Group>
        {/* The queue under the state, their ends lined up (past the close button), in a row of its own: the
            heading's row has no room left beside a long name or number. */}
        {data?.call.queue && (
          <Group justify="flex-end" pe={32} mt={-6}>
            <CallCardQueue name={data.call.queue.name} />
          </Group>
        )}
        {onPage && (
          <Group justify="space-between" gap="xs" wrap="nowrap">
            <Text size="sm" c="dimmed" data-testid="call-card-on-page">
              {t('callFocus.onPage')}
            </Text>
            <Button
              size="compact-xs"
              variant="subtle"
              aria-expanded={expanded}
              aria-controls={`call-card-body-${callId}`}
              onClick={() => setExpanded((e) => !e)}
            >
              {expanded ? t('callFocus.hideCard') : t('callFocus.showCard')}
            </Button>
          </Group>
        )}
        <div id={`call-card-body-${callId}`} hidden={!bodyShown}>
          <Stack gap="sm">
            {card.isLoading && <Loader size="sm" aria-label={t('callCard.loading')} />}
            {data === undefined && card.isError && (
              <Group gap="xs" wrap="nowrap" role="alert" data-testid="call-card-read-failed">
                <Text size="sm" c="red" style={{ flex: 1 }}>
                  {t('callCard.readFailed')}
                </Text>
                <Button
                  size="compact-xs"
                  variant="light"
                  style={{ flexShrink: 0 }}
                  onClick={() => void card.refetch()}
                >
                  {t('callCard.readAgain')}
                </Button>
              </Group>
            )}
            {data?.call.from && data.call.state === 'ended' && (
              <Group gap="xs">
                <DialButton number={data.call.from} label />
              </Group>
            )}
            {data?.call.state === 'ended' && <CallRecordingIfAny callId={callId} />}
            {data?.record && <CallCardRecord record={data.record} number={data.call.from} />}
            {data && !data.record && <CallCardPick card={data} />}
            {takesWrapUp(data, myId) && (
              <>
                {!onPage && <WrapUpForm card={data} />}
                <CallCardExtras card={data} />
              </>
            )}
          </Stack>
        </div>
      </Stack>
    </Paper>
  );
}
