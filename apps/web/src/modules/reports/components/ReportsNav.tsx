import { IconChartBar } from '@tabler/icons-react';
import { useRouterState } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { NavLinkLink } from '../../../components/links.tsx';

/** The sidebar's way to the reports. */
export function ReportsNav({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const path = useRouterState({ select: (s) => s.location.pathname });
  return (
    <NavLinkLink
      to="/reports"
      label={t('nav.reports')}
      leftSection={<IconChartBar size={16} />}
      active={path === '/reports' || path.startsWith('/reports/')}
      onClick={onNavigate}
    />
  );
}
