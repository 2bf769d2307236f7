import { IconChartLine } from '@tabler/icons-react';
import { useRouterState } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { NavLinkLink } from '../../../components/links.tsx';
import { useObject } from '../../metadata/hooks/useObjects.ts';

/** The sidebar's way to the sales forecast, for those whose role may read deals. */
export function ForecastNav({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const path = useRouterState({ select: (s) => s.location.pathname });
  if (!useObject('deals')) return null;
  return (
    <NavLinkLink
      to="/sales/forecast"
      label={t('forecast.nav')}
      leftSection={<IconChartLine size={16} />}
      active={path === '/sales/forecast'}
      onClick={onNavigate}
    />
  );
}
