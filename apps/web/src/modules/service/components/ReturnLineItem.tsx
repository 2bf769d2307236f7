import { ActionIcon, Anchor, Button, FileButton, Group, Image, Stack, Text } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { formatNumber } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { casesApi, casesKeys, type TicketReturn } from '../utils/cases-api.ts';

type Line = TicketReturn['lines'][number];

/** One returned item: product, order, quantity and reason, its photos, and what may still change on it. */
export function ReturnLineItem({
  ticketId,
  line,
  editable,
  takesPhotos,
}: {
  ticketId: string;
  line: Line;
  /** Requested: the line may be removed. */
  editable: boolean;
  /** Not ended: photos may be added and removed. */
  takesPhotos: boolean;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const action = useAction();
  const refresh = [casesKeys.ofTicket(ticketId)];
  return (
    <Stack component="li" gap={4} data-testid="return-line">
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Text size="sm" fw={600} dir="auto">
          {line.product}
        </Text>
        <Group gap="xs" wrap="wrap">
          <Text size="sm">{t('cases.quantityOf', { n: formatNumber(line.quantity, prefs) })}</Text>
          <Text size="sm" c="dimmed" dir="auto" data-testid="return-line-reason">
            {line.reasonCode}
          </Text>
          {editable && (
            <ActionIcon
              variant="subtle"
              color="red.9"
              aria-label={t('cases.removeLine', { name: line.product })}
              onClick={() => void action.run(() => casesApi.removeLine(line.id), refresh)}
            >
              <IconTrash size={16} aria-hidden />
            </ActionIcon>
          )}
        </Group>
      </Group>
      {(line.orderRef || line.note) && (
        <Text size="xs" c="dimmed" dir="auto">
          {[line.orderRef && t('cases.orderRefIs', { ref: line.orderRef }), line.note]
            .filter(Boolean)
            .join(' · ')}
        </Text>
      )}
      <Group gap="xs" wrap="wrap">
        {line.photos.map((p) => (
          <Group key={p.id} gap={2} wrap="nowrap">
            <Anchor href={casesApi.photoUrl(p.id)} target="_blank" rel="noreferrer">
              <Image
                src={casesApi.photoUrl(p.id)}
                alt={t('cases.photoOf', { name: p.filename })}
                w={64}
                h={64}
                radius="sm"
                fit="cover"
              />
            </Anchor>
            {takesPhotos && (
              <ActionIcon
                variant="subtle"
                color="red.9"
                size="sm"
                aria-label={t('cases.removePhoto', { name: p.filename })}
                onClick={() => void action.run(() => casesApi.removePhoto(p.id), refresh)}
              >
                <IconTrash size={14} aria-hidden />
              </ActionIcon>
            )}
          </Group>
        ))}
        {takesPhotos && line.photos.length < 10 && (
          <FileButton
            accept="image/png,image/jpeg,image/gif,image/webp"
            onChange={(file) => {
              if (file) void action.run(() => casesApi.addPhoto(line.id, file), refresh);
            }}
          >
            {(props) => (
              <Button {...props} size="compact-xs" variant="default" loading={action.busy}>
                {t('cases.addPhoto')}
              </Button>
            )}
          </FileButton>
        )}
      </Group>
      <ErrorText error={action.error} />
    </Stack>
  );
}
