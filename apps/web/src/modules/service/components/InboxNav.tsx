import { IconInbox } from '@tabler/icons-react';
import { useRouterState } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { NavLinkLink } from '../../../components/links.tsx';
import { useObject } from '../../metadata/hooks/useObjects.ts';

/** The sidebar's way to the agents' inbox, for those whose role may read tickets. */
export function InboxNav({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const path = useRouterState({ select: (s) => s.location.pathname });
  const tickets = useObject('tickets');
  if (!tickets) return null;
  return (
    <NavLinkLink
      to="/service/inbox"
      label={t('inbox.title')}
      leftSection={<IconInbox size={16} />}
      active={path === '/service/inbox'}
      onClick={onNavigate}
    />
  );
}
