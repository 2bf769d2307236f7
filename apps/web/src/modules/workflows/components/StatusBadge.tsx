import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';

const COLORS: Record<string, string> = {
  queued: 'gray',
  running: 'blue',
  waiting: 'yellow',
  succeeded: 'green',
  failed: 'red',
  cancelled: 'dark',
  skipped: 'gray',
};

/** A run's or a step's status, in words and colour (a dot beside dark text: light badges failed contrast). */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge variant="dot" color={COLORS[status] ?? 'gray'}>
      {t(`workflow.status.${status}`, { defaultValue: status })}
    </Badge>
  );
}
