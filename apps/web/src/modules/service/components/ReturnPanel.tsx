import { Alert, Badge, Button, Card, Divider, Group, Stack, Text, Textarea, Title } from '@mantine/core';
import { IconPlayerPause } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { recordKeys } from '../../records/utils/record-keys.ts';
import { casesApi, casesKeys, type ReturnState } from '../utils/cases-api.ts';
import { MemberName } from './MemberName.tsx';
import { ReturnLineForm } from './ReturnLineForm.tsx';
import { ReturnLineItem } from './ReturnLineItem.tsx';

/** Moves that decide (they need the returns decision permission, as the server checks). */
const DECISIONS: ReadonlySet<ReturnState> = new Set(['approved', 'refunded', 'replaced', 'rejected']);
const ENDINGS: ReadonlySet<ReturnState> = new Set(['refunded', 'replaced', 'rejected']);

/**
 * A return ticket's return: its state, the items with their reasons and photos, a button for each legal next
 * state (a note goes with the move), and its history. Awaiting the item, the ticket's SLA clocks are paused.
 */
export function ReturnPanel({ id }: { id: string }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const ret = useQuery({ queryKey: casesKeys.ofTicket(id), queryFn: () => casesApi.ofTicket(id) });
  const [note, setNote] = useState('');
  const action = useAction();
  const r = ret.data;
  const move = async (to: ReturnState) => {
    // The SLA shown on the ticket pauses or resumes with the move: the ticket's key refreshes both.
    if (
      await action.run(() => casesApi.move(id, to, note.trim() || null), [recordKeys.detail('tickets', id)])
    )
      setNote('');
  };
  return (
    <Card withBorder padding="md" data-testid="ticket-return">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="sm">
          {t('cases.returnTitle')}
        </Title>
        {r && (
          <Badge
            variant="light"
            color={ENDINGS.has(r.state) ? 'gray.8' : 'blue.9'}
            data-testid="return-state"
          >
            {t(`cases.state.${r.state}`)}
          </Badge>
        )}
      </Group>
      <ErrorText error={ret.error} />
      {r && (
        <Stack gap="sm">
          {r.awaitingItem && (
            <Alert variant="light" color="yellow" icon={<IconPlayerPause size={16} aria-hidden />} p="xs">
              <Text size="sm">{t('cases.awaitingItem')}</Text>
            </Alert>
          )}
          <Text size="sm" fw={600}>
            {t('cases.lines')}
          </Text>
          {r.lines.length === 0 && (
            <Text size="sm" c="dimmed">
              {t('cases.noLines')}
            </Text>
          )}
          <Stack gap="sm" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {r.lines.map((line) => (
              <ReturnLineItem
                key={line.id}
                ticketId={id}
                line={line}
                editable={r.state === 'requested'}
                takesPhotos={!ENDINGS.has(r.state)}
              />
            ))}
          </Stack>
          {r.state === 'requested' && <ReturnLineForm ticketId={id} />}
          {r.moves.length > 0 && (
            <>
              <Divider />
              <Textarea
                label={t('cases.moveNote')}
                autosize
                minRows={1}
                maxLength={2000}
                value={note}
                onChange={(e) => setNote(e.currentTarget.value)}
              />
              <Group gap="xs" wrap="wrap">
                {r.moves.map((to) => (
                  <Button
                    key={to}
                    size="xs"
                    variant={to === 'rejected' ? 'default' : 'filled'}
                    color={to === 'rejected' ? 'red.9' : undefined}
                    loading={action.busy}
                    disabled={
                      (DECISIONS.has(to) && !r.canDecide) || (to === 'approved' && r.lines.length === 0)
                    }
                    onClick={() => void move(to)}
                    data-testid={`return-move-${to}`}
                  >
                    {t(`cases.moveTo.${to}`)}
                  </Button>
                ))}
              </Group>
              {!r.canDecide && (
                <Text size="xs" c="dimmed">
                  {t('cases.cannotDecide')}
                </Text>
              )}
            </>
          )}
          <ErrorText error={action.error} />
          {r.history.length > 0 && (
            <>
              <Divider />
              <Text size="sm" fw={600}>
                {t('cases.history')}
              </Text>
              <Stack gap={4} component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
                {r.history.map((h) => (
                  <Stack component="li" key={h.id} gap={0} data-testid="return-history">
                    <Group gap="xs" wrap="wrap">
                      <Text size="sm">
                        {t('cases.moved', { from: t(`cases.state.${h.from}`), to: t(`cases.state.${h.to}`) })}
                      </Text>
                      <Text size="xs" c="dimmed">
                        <MemberName userId={h.userId} /> · {formatDateTime(h.at, prefs)}
                      </Text>
                    </Group>
                    {h.note && (
                      <Text size="xs" dir="auto">
                        {h.note}
                      </Text>
                    )}
                  </Stack>
                ))}
              </Stack>
            </>
          )}
        </Stack>
      )}
    </Card>
  );
}
