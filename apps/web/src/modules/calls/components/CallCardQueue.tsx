import { Badge, VisuallyHidden } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/**
 * The queue a call went through, as a small badge under the card's state: the name as the workspace wrote it (kept
 * in its own direction, cut short with the whole name on hover), read out as "Queue: …".
 */
export function CallCardQueue({ name }: { name: string }) {
  const { t } = useTranslation();
  const label = t('callCard.queue', { name });
  return (
    <Badge variant="outline" color="gray" tt="none" maw={240} title={label} data-testid="call-card-queue">
      <VisuallyHidden>{label}</VisuallyHidden>
      <bdi aria-hidden>{name}</bdi>
    </Badge>
  );
}
