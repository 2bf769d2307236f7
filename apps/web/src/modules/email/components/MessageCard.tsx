import { Anchor, Button, Card, Group, Stack, Text } from '@mantine/core';
import { IconPaperclip, IconPhoto } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { attachmentUrl, messageHtmlUrl } from '../utils/email-api.ts';
import { frameHeight, partyLabel } from '../utils/email-entry.ts';
import type { EmailMessage } from '../utils/email-types.ts';
import { formatSize } from '../utils/units.ts';
import { DirectionIcon } from './DirectionIcon.tsx';

/**
 * One message of a thread. Its body is shown in a frame that runs nothing and shares nothing with the app
 * (`sandbox=""`: no scripts, an origin of its own), served with a strict CSP; a message without HTML shows its
 * text. Remote images stay blocked until the reader shows them, for this message and this view only: the frame
 * then loads the HTML again with the images through Rabita's image proxy. A reader who may see only the subject or
 * only who and when is told so.
 */
export function MessageCard({ message: m }: { message: EmailMessage }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const list = (people: EmailMessage['to']) =>
    new Intl.ListFormat(prefs.locale, { type: 'unit' }).format(people.map((p) => partyLabel(p)));
  const attachments = (m.attachments ?? []).filter((a) => !a.inline || !m.hasHtml);
  const [showImages, setShowImages] = useState(false);
  const blockedImages = m.hasHtml && !showImages ? (m.remoteImages ?? 0) : 0;
  return (
    <Card withBorder padding="sm" data-testid="email-message" data-message-id={m.id}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Group gap={6} wrap="nowrap">
            <DirectionIcon direction={m.direction} />
            <Text fw={600} size="sm" dir="auto">
              {partyLabel(m.from) || t('email.unknownSender')}
            </Text>
          </Group>
          <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
            {formatDateTime(m.sentAt, prefs)}
          </Text>
        </Group>
        {m.to.length > 0 && (
          <Text size="xs" c="dimmed">
            {t('email.toLine', { people: list(m.to) })}
          </Text>
        )}
        {m.cc.length > 0 && (
          <Text size="xs" c="dimmed">
            {t('email.ccLine', { people: list(m.cc) })}
          </Text>
        )}
        {m.subject !== null && (
          <Text size="sm" fw={500} dir="auto">
            {m.subject || t('email.noSubject')}
          </Text>
        )}
        {blockedImages > 0 && (
          <Group gap={6} wrap="nowrap" data-testid="email-images-blocked">
            <Text size="xs" c="dimmed">
              {t('email.imagesBlocked')}
            </Text>
            <Button
              size="compact-xs"
              variant="light"
              leftSection={<IconPhoto size={14} aria-hidden />}
              onClick={() => setShowImages(true)}
            >
              {t('email.showImages', { number: formatNumber(blockedImages, prefs) })}
            </Button>
          </Group>
        )}
        {m.access === 'full' ? (
          m.hasHtml ? (
            <iframe
              sandbox=""
              src={messageHtmlUrl(m.id, showImages)}
              title={t('email.bodyFrame', { subject: m.subject || t('email.noSubject') })}
              loading="lazy"
              referrerPolicy="no-referrer"
              data-testid="email-body"
              style={{
                width: '100%',
                height: frameHeight(m.text),
                border: '1px solid var(--mantine-color-default-border)',
                borderRadius: 'var(--mantine-radius-sm)',
                resize: 'vertical',
                overflow: 'auto',
                background: 'white',
              }}
            />
          ) : (
            <Text size="sm" dir="auto" style={{ whiteSpace: 'pre-wrap' }} data-testid="email-text">
              {m.text ?? ''}
            </Text>
          )
        ) : (
          <Text size="sm" c="dimmed" fs="italic" data-testid="email-limited">
            {m.access === 'subject' ? t('email.onlySubject') : t('email.onlyMetadata')}
          </Text>
        )}
        {m.tooLarge && (
          <Text size="xs" c="dimmed">
            {t('email.tooLarge')}
          </Text>
        )}
        {attachments.length > 0 && (
          <Stack gap={2}>
            {attachments.map((a) => (
              <Group key={a.position} gap={4} wrap="nowrap">
                <IconPaperclip size={14} aria-hidden />
                {a.stored ? (
                  <Anchor href={attachmentUrl(m.id, a.position)} download={a.filename} size="sm" dir="auto">
                    {a.filename}
                  </Anchor>
                ) : (
                  <Text size="sm" dir="auto">
                    {a.filename} ({t('email.notStored')})
                  </Text>
                )}
                <Text size="xs" c="dimmed">
                  {formatSize(a.size, prefs)}
                </Text>
              </Group>
            ))}
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
