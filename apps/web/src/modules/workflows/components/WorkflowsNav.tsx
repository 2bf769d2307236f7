import { IconSitemap } from '@tabler/icons-react';
import { useRouterState } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { NavLinkLink } from '../../../components/links.tsx';
import { useCan } from '../../auth/hooks/useMe.ts';

/** The sidebar's way to workflows and their runs, for those whose role may manage them. */
export function WorkflowsNav({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const path = useRouterState({ select: (s) => s.location.pathname });
  const can = useCan('workflows.manage');
  if (!can) return null;
  return (
    <>
      <NavLinkLink
        to="/workflows"
        label={t('workflow.title')}
        leftSection={<IconSitemap size={16} />}
        active={path === '/workflows' || path.startsWith('/workflows/')}
        onClick={onNavigate}
      />
      <NavLinkLink
        to="/workflow-runs"
        search={{}}
        label={t('workflow.runsTitle')}
        active={path.startsWith('/workflow-runs')}
        onClick={onNavigate}
      />
    </>
  );
}
