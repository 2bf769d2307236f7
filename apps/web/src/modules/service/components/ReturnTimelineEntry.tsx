import { Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { TimelineEntryViewProps } from '../../web-module.ts';
import { MemberName } from './MemberName.tsx';

/** A return's move on its ticket's timeline: "Return: approved → received", who moved it and the note given. */
export default function ReturnTimelineEntry({ entry }: TimelineEntryViewProps) {
  const { t } = useTranslation();
  return (
    <Stack gap={0}>
      <Text size="sm">
        {t('cases.timelineMoved', {
          from: t(`cases.state.${String(entry.from)}`),
          to: t(`cases.state.${String(entry.to)}`),
        })}
      </Text>
      <Text size="xs" c="dimmed">
        <MemberName userId={typeof entry.userId === 'string' ? entry.userId : null} />
      </Text>
      {typeof entry.note === 'string' && entry.note && (
        <Text size="xs" dir="auto">
          {entry.note}
        </Text>
      )}
    </Stack>
  );
}
