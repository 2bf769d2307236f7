import { Text } from '@mantine/core';
import { IconCircleFilled } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { PresenceState } from '../utils/presence-api.ts';

/** Each presence state's colour, the same on the header's control and the wall. */
export const PRESENCE_COLORS: Record<PresenceState, string> = {
  available: 'teal',
  on_call: 'red',
  wrap_up: 'orange',
  away: 'gray',
};

/**
 * An agent's presence as words, a coloured dot beside them: the colour is never the only sign, the state is written
 * in the reader's language and is the element's accessible name. Words in the text colour, not a badge: a badge's
 * label is cut to an ellipsis (or nothing) when the wall's table is narrow, and its light colours are faint.
 */
export function PresenceBadge({ state }: { state: PresenceState }) {
  const { t } = useTranslation();
  return (
    <Text
      component="span"
      size="sm"
      fw={600}
      data-state={state}
      data-testid="presence-state"
      style={{ display: 'inline-flex', alignItems: 'center', gap: 6, whiteSpace: 'nowrap' }}
    >
      <IconCircleFilled
        size={10}
        aria-hidden
        style={{ flexShrink: 0 }}
        color={`var(--mantine-color-${PRESENCE_COLORS[state]}-7)`}
      />
      {t(`presence.states.${state}`)}
    </Text>
  );
}
