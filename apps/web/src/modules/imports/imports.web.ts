import { createRoute } from '@tanstack/react-router';
import { appRoute } from '../../app/routes.ts';
import { defineWebModule, lazyScreen } from '../web-module.ts';
import { ImportButton } from './components/ImportButton.tsx';

const importRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/import',
  validateSearch: (s: Record<string, unknown>) => ({ object: typeof s.object === 'string' ? s.object : '' }),
  component: lazyScreen(() => import('./components/ImportPage.tsx')),
});

/** Imports: the wizard (file, mapping, dry run, the real run and its report), reached from every list. */
export const importsWeb = defineWebModule({
  name: 'imports',
  routes: [importRoute],
  listActions: [{ order: 20, component: ImportButton }],
});
