import { List, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import type { CallCardData } from '../utils/call-card-api.ts';

type Entry = NonNullable<CallCardData['record']>['recent'][number];

/** One line for a timeline entry of any kind: what it was, in a few words. */
function useEntryText() {
  const { t } = useTranslation();
  return (e: Entry): string => {
    if (e.kind === 'activity' || e.kind === 'email')
      return String(e.subject ?? t(`callCard.kinds.${e.kind}`));
    if (e.kind === 'task') return `✓ ${String(e.title ?? '')}`;
    if (e.kind === 'call')
      return [
        t(e.direction === 'outbound' ? 'callCard.kinds.callOut' : 'callCard.kinds.callIn'),
        e.outcome ? t(`callCard.outcomes.${String(e.outcome)}`, { defaultValue: String(e.outcome) }) : '',
      ]
        .filter(Boolean)
        .join(' · ');
    return t(`callCard.kinds.${e.kind}`, { defaultValue: t('callCard.kinds.other') });
  };
}

/** The caller's last interactions, newest first, as the timeline lists them. */
export function CallCardRecent({ entries }: { entries: readonly Entry[] }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const text = useEntryText();
  if (entries.length === 0)
    return (
      <Text size="sm" c="dimmed">
        {t('callCard.none')}
      </Text>
    );
  return (
    <List size="sm" spacing={2} data-testid="call-card-recent">
      {entries.map((e) => (
        <List.Item key={`${e.kind}:${e.id}`}>
          {text(e)}{' '}
          <Text span size="xs" c="dimmed">
            {formatDateTime(e.at, prefs)}
          </Text>
        </List.Item>
      ))}
    </List>
  );
}
