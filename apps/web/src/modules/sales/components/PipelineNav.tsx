import { IconLayoutKanban } from '@tabler/icons-react';
import { useRouterState } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { NavLinkLink } from '../../../components/links.tsx';

/** The sidebar's way to the pipeline board. */
export function PipelineNav({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const path = useRouterState({ select: (s) => s.location.pathname });
  return (
    <NavLinkLink
      to="/pipeline"
      label={t('nav.pipeline')}
      leftSection={<IconLayoutKanban size={16} />}
      active={path === '/pipeline'}
      onClick={onNavigate}
    />
  );
}
