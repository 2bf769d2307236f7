import { useRouterState } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { NavLinkLink } from '../../../components/links.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useObjects } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';

// Objects that are parts of others and have no list of their own in the sidebar.
const HIDDEN = new Set(['pipelines', 'stages']);

/** The sidebar's objects, each leading to its list. */
export function ObjectsNav({ onNavigate }: { onNavigate: () => void }) {
  const { i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const objects = useObjects();
  const path = useRouterState({ select: (s) => s.location.pathname });
  return (
    <>
      {(objects.data ?? [])
        .filter((o) => !HIDDEN.has(o.key))
        .map((o) => (
          <NavLinkLink
            key={o.key}
            to="/o/$object"
            params={{ object: o.key }}
            label={label(o.labels.plural, locale)}
            active={path === `/o/${o.key}` || path.startsWith(`/o/${o.key}/`)}
            onClick={onNavigate}
          />
        ))}
    </>
  );
}
