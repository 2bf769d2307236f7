import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { PresenceState } from '../utils/presence-api.ts';

/** Each presence state's colour, the same on the header's control and the wall. */
export const PRESENCE_COLORS: Record<PresenceState, string> = {
  available: 'teal',
  on_call: 'red',
  wrap_up: 'orange',
  away: 'gray',
};

/** An agent's presence as a coloured label (the colour is never the only sign: the state is written). */
export function PresenceBadge({ state }: { state: PresenceState }) {
  const { t } = useTranslation();
  return (
    // The darkest shade: a light badge's text in the colour's usual shade is too faint to read (axe, 4.5:1).
    <Badge color={`${PRESENCE_COLORS[state]}.9`} variant="light" data-state={state}>
      {t(`presence.states.${state}`)}
    </Badge>
  );
}
