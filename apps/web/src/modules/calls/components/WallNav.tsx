import { IconHeadset } from '@tabler/icons-react';
import { useRouterState } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { NavLinkLink } from '../../../components/links.tsx';
import { useCan } from '../../auth/hooks/useMe.ts';

/** The sidebar's way to the supervisor wall, for holders of `calls.supervise`. */
export function WallNav({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const path = useRouterState({ select: (s) => s.location.pathname });
  if (!useCan('calls.supervise')) return null;
  return (
    <NavLinkLink
      to="/calls/wall"
      label={t('callWall.nav')}
      leftSection={<IconHeadset size={16} />}
      active={path === '/calls/wall'}
      onClick={onNavigate}
    />
  );
}
