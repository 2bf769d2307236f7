import { createRoute, createRouter, redirect } from '@tanstack/react-router';
import { lazy, Suspense } from 'react';
import { appRoute, rootRoute } from './app/routes.ts';
import { Shell } from './app/Shell.tsx';
import { appRoutes, publicRoutes, webModules } from './modules/index.ts';

// Screens are split out of the first bundle (each module's manifest loads its own lazily): the sign-in page and
// the shell load first.
const SettingsPage = lazy(() => import('./app/SettingsPage.tsx'));

appRoute.update({ component: Shell });

const index = createRoute({
  getParentRoute: () => appRoute,
  path: '/',
  // A module may send people elsewhere first (a role's home dashboard, when an admin chose to land there).
  beforeLoad: async () => {
    const landings = webModules
      .flatMap((m) => (m.landing ? [m.landing] : []))
      .sort((a, b) => a.order - b.order);
    for (const landing of landings) {
      const path = await landing.path().catch(() => null);
      if (path) throw redirect({ href: path });
    }
    throw redirect({ to: '/o/$object', params: { object: 'people' } });
  },
});
const settings = createRoute({
  getParentRoute: () => appRoute,
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

const routeTree = rootRoute.addChildren([
  ...publicRoutes,
  appRoute.addChildren([index, settings, ...appRoutes]),
]);

export const router = createRouter({ routeTree });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
