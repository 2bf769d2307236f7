import { createRootRoute, createRoute, createRouter, Outlet, redirect } from '@tanstack/react-router';
import { lazy, Suspense } from 'react';
import { Shell } from './components/Shell.tsx';
import { AcceptInvitationPage, SignInPage, SignUpPage } from './pages/AuthPages.tsx';

// Screens are split out of the first bundle: the sign-in page and the shell load first.
const ListPage = lazy(() => import('./pages/ListPage.tsx'));
const RecordPage = lazy(() => import('./pages/RecordPage.tsx'));
const KanbanPage = lazy(() => import('./pages/KanbanPage.tsx'));
const SettingsPage = lazy(() => import('./pages/SettingsPage.tsx'));
const ImportPage = lazy(() => import('./pages/ImportPage.tsx'));

const rootRoute = createRootRoute({ component: () => <Outlet /> });

const signIn = createRoute({ getParentRoute: () => rootRoute, path: '/sign-in', component: SignInPage });
const signUp = createRoute({ getParentRoute: () => rootRoute, path: '/sign-up', component: SignUpPage });
const accept = createRoute({
  getParentRoute: () => rootRoute,
  path: '/accept-invitation',
  validateSearch: (s: Record<string, unknown>) => ({ token: typeof s.token === 'string' ? s.token : '' }),
  component: AcceptInvitationPage,
});

const app = createRoute({ getParentRoute: () => rootRoute, id: 'app', component: Shell });
const index = createRoute({
  getParentRoute: () => app,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/o/$object', params: { object: 'people' } });
  },
});
const list = createRoute({
  getParentRoute: () => app,
  path: '/o/$object',
  component: () => (
    <Suspense>
      <ListPage />
    </Suspense>
  ),
});
const record = createRoute({
  getParentRoute: () => app,
  path: '/o/$object/$id',
  component: () => (
    <Suspense>
      <RecordPage />
    </Suspense>
  ),
});
const pipeline = createRoute({
  getParentRoute: () => app,
  path: '/pipeline',
  component: () => (
    <Suspense>
      <KanbanPage />
    </Suspense>
  ),
});
const settings = createRoute({
  getParentRoute: () => app,
  path: '/settings',
  validateSearch: (s: Record<string, unknown>) => ({
    tab: typeof s.tab === 'string' ? s.tab : 'preferences',
  }),
  component: () => (
    <Suspense>
      <SettingsPage />
    </Suspense>
  ),
});

const importRoute = createRoute({
  getParentRoute: () => app,
  path: '/import',
  validateSearch: (s: Record<string, unknown>) => ({ object: typeof s.object === 'string' ? s.object : '' }),
  component: () => (
    <Suspense>
      <ImportPage />
    </Suspense>
  ),
});

const routeTree = rootRoute.addChildren([
  signIn,
  signUp,
  accept,
  app.addChildren([index, list, record, pipeline, settings, importRoute]),
]);

export const router = createRouter({ routeTree });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}

export { accept as acceptRoute, list as listRoute, record as recordRoute, settings as settingsRoute };
