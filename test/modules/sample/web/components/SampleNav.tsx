import { IconBinoculars } from '@tabler/icons-react';
import { useRouterState, useSearch } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { NavLinkLink } from '../../../../../apps/web/src/components/links.tsx';
import { useCan } from '../../../../../apps/web/src/modules/auth/hooks/useMe.ts';

/** The sidebar's way to the sample tab of the settings, for those whose role may use the sample module. */
export function SampleNav({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const can = useCan('sample.use');
  const path = useRouterState({ select: (s) => s.location.pathname });
  const search = useSearch({ strict: false });
  if (!can) return null;
  return (
    <NavLinkLink
      to="/settings"
      search={{ tab: 'sample' }}
      label={t('sample.nav')}
      leftSection={<IconBinoculars size={16} />}
      active={path === '/settings' && search.tab === 'sample'}
      onClick={onNavigate}
      data-testid="sample-nav"
    />
  );
}
