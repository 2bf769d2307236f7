import { Box, Text, UnstyledButton } from '@mantine/core';
import { IconPaperclip } from '@tabler/icons-react';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TimelineEntryViewProps } from '../../web-module.ts';
import { emailEntryOf, partyLabel } from '../utils/email-entry.ts';
import { DirectionIcon } from './DirectionIcon.tsx';
import { ThreadDrawer } from './ThreadDrawer.tsx';

/**
 * An email on a record's timeline: its direction, who wrote to whom, the subject and the first words (as much as
 * the reader may see), a paperclip when it has attachments; a click opens its thread. The timeline writes the
 * time beneath, in the reader's calendar.
 */
export default function EmailTimelineEntry({ entry }: TimelineEntryViewProps) {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState(false);
  // The record page the timeline is on: a reply written from the thread is linked to it as well.
  const params = useParams({ strict: false });
  const record = params.object && params.id ? { object: params.object, id: params.id } : undefined;
  const e = emailEntryOf(entry);
  if (!e) return null;
  const to = e.to.map((p) => partyLabel(p)).join(', ');
  // Only phrasing content inside the button: spans, each on a line of its own.
  const line = { display: 'block' } as const;
  return (
    <>
      <UnstyledButton
        onClick={() => setOpen(true)}
        data-testid="email-entry"
        data-thread-id={e.threadId}
        style={{ display: 'block', width: '100%', textAlign: 'start' }}
      >
        <Box component="span" style={{ display: 'flex', alignItems: 'center', gap: 6, minWidth: 0 }}>
          <DirectionIcon direction={e.direction} />
          <Text component="span" size="sm" fw={500} dir="auto" truncate>
            {e.subject === null ? t('email.subjectHidden') : e.subject || t('email.noSubject')}
          </Text>
          {e.hasAttachments && (
            <IconPaperclip
              size={14}
              role="img"
              aria-label={t('email.hasAttachments')}
              style={{ flexShrink: 0 }}
            />
          )}
        </Box>
        <Text component="span" size="xs" c="dimmed" truncate style={line}>
          <bdi>{partyLabel(e.from) || t('email.unknownSender')}</bdi> {i18n.dir() === 'rtl' ? '←' : '→'}{' '}
          <bdi>{to}</bdi>
        </Text>
        {e.snippet && (
          <Text component="span" size="xs" c="dimmed" dir="auto" lineClamp={2}>
            {e.snippet}
          </Text>
        )}
        {e.access !== 'full' && (
          <Text component="span" size="xs" c="dimmed" fs="italic" style={line}>
            {e.access === 'subject' ? t('email.onlySubject') : t('email.onlyMetadata')}
          </Text>
        )}
      </UnstyledButton>
      {open && <ThreadDrawer threadId={e.threadId} record={record} onClose={() => setOpen(false)} />}
    </>
  );
}
