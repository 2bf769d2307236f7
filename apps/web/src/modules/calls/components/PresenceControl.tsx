import { Button, Menu } from '@mantine/core';
import { IconCircleFilled, IconHeadset } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useAction } from '../../../lib/use-action.ts';
import { useCan } from '../../auth/hooks/useMe.ts';
import { useReadAgainWhenWrapUpEnds } from '../hooks/useWrapUpEnd.ts';
import { presenceApi, presenceKeys } from '../utils/presence-api.ts';
import { PRESENCE_COLORS } from './PresenceBadge.tsx';

/**
 * The header's presence for an agent who takes calls (`calls.read`): available, on a call, wrap-up or away. On a
 * call and wrap-up come from the phone; the menu sets the agent's own choice (available or away), which also ends a
 * wrap-up. The service desk offers no new ticket to an agent on a call or in wrap-up.
 */
export function PresenceControl() {
  const { t } = useTranslation();
  const can = useCan('calls.read');
  const team = useQuery({ queryKey: presenceKeys.team, queryFn: presenceApi.team, enabled: can });
  const action = useAction();
  const me = team.data?.me;
  useReadAgainWhenWrapUpEnds(me ? [me] : [], presenceKeys.team);
  if (!can || !me) return null;
  const choose = (state: 'available' | 'away') =>
    void action.run(() => presenceApi.choose(state), [presenceKeys.team, presenceKeys.wall]);
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Button
          size="compact-sm"
          variant="default"
          loading={action.busy}
          // A headset, not a dot: it sits beside the desk's availability switch, which is about tickets.
          leftSection={
            <IconHeadset size={16} color={`var(--mantine-color-${PRESENCE_COLORS[me.state]}-7)`} />
          }
          aria-label={t('presence.mine', { state: t(`presence.states.${me.state}`) })}
          data-testid="presence-control"
          data-state={me.state}
        >
          {t(`presence.states.${me.state}`)}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{t('presence.choose')}</Menu.Label>
        {(['available', 'away'] as const).map((state) => (
          <Menu.Item
            key={state}
            onClick={() => choose(state)}
            leftSection={
              <IconCircleFilled size={10} color={`var(--mantine-color-${PRESENCE_COLORS[state]}-6)`} />
            }
            data-testid={`presence-choose-${state}`}
          >
            {t(`presence.states.${state}`)}
          </Menu.Item>
        ))}
        {action.error ? <Menu.Label c="red">{t('presence.failed')}</Menu.Label> : null}
      </Menu.Dropdown>
    </Menu>
  );
}
