import { IconChartBar } from '@tabler/icons-react';
import { useRouterState } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { NavLinkLink } from '../../../components/links.tsx';
import { useObject } from '../../metadata/hooks/useObjects.ts';

/** The sidebar's way to the desk's resolution metrics, for those whose role may read tickets. */
export function MetricsNav({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const path = useRouterState({ select: (s) => s.location.pathname });
  if (!useObject('tickets')) return null;
  return (
    <NavLinkLink
      to="/service/metrics"
      label={t('fcr.nav')}
      leftSection={<IconChartBar size={16} />}
      active={path === '/service/metrics'}
      onClick={onNavigate}
    />
  );
}
