import { IconArrowDownLeft, IconArrowsExchange, IconArrowUpRight } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { EmailMessage } from '../utils/email-types.ts';

const ICONS = { in: IconArrowDownLeft, out: IconArrowUpRight, internal: IconArrowsExchange } as const;

/** Whether a message came in, went out, or stayed between colleagues, as an icon with its words for readers. */
export function DirectionIcon({ direction }: { direction: EmailMessage['direction'] }) {
  const { t } = useTranslation();
  const Icon = ICONS[direction];
  const words = t(`email.direction.${direction}`);
  return <Icon size={16} role="img" aria-label={words} style={{ flexShrink: 0 }} />;
}
