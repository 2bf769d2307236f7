import { IconLayoutDashboard } from '@tabler/icons-react';
import { useRouterState } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { NavLinkLink } from '../../../components/links.tsx';

/** The sidebar's way to the dashboards (the home dashboard among them). */
export function DashboardsNav({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const path = useRouterState({ select: (s) => s.location.pathname });
  return (
    <NavLinkLink
      to="/dashboards"
      label={t('nav.dashboards')}
      leftSection={<IconLayoutDashboard size={16} />}
      active={path === '/home' || path === '/dashboards' || path.startsWith('/dashboards/')}
      onClick={onNavigate}
    />
  );
}
