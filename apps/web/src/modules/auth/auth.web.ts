import { createRoute } from '@tanstack/react-router';
import { lazy } from 'react';
import { rootRoute } from '../../app/routes.ts';
import { defineWebModule } from '../web-module.ts';
import { AcceptInvitationPage } from './components/AcceptInvitationPage.tsx';
import { AccountMenu } from './components/AccountMenu.tsx';
import { SignInPage } from './components/SignInPage.tsx';
import { SignUpPage } from './components/SignUpPage.tsx';

// The signed-out screens load with the first bundle: they are the first thing a visitor sees.
const signIn = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  // Where to go once signed in: only back to an invitation, so the link cannot send anyone elsewhere.
  validateSearch: (s: Record<string, unknown>): { invitation?: string } =>
    typeof s.invitation === 'string' && /^[\w-]{10,200}$/.test(s.invitation)
      ? { invitation: s.invitation }
      : {},
  component: SignInPage,
});
const signUp = createRoute({ getParentRoute: () => rootRoute, path: '/sign-up', component: SignUpPage });
const acceptInvitation = createRoute({
  getParentRoute: () => rootRoute,
  path: '/accept-invitation',
  validateSearch: (s: Record<string, unknown>) => ({ token: typeof s.token === 'string' ? s.token : '' }),
  component: AcceptInvitationPage,
});

/** Signing in and up, invitations, the account menu, one's own preferences and the workspace's API keys. */
export const authWeb = defineWebModule({
  name: 'auth',
  publicRoutes: [signIn, signUp, acceptInvitation],
  header: [{ order: 100, component: AccountMenu }],
  settingsTabs: [
    {
      value: 'preferences',
      labelKey: 'settings.preferences',
      permission: null,
      order: 0,
      component: lazy(() => import('./components/PreferencesSettings.tsx')),
    },
    {
      value: 'security',
      labelKey: 'settings.security',
      permission: null,
      order: 5,
      component: lazy(() => import('./components/SecuritySettings.tsx')),
    },
    {
      value: 'api-keys',
      labelKey: 'settings.apiKeys',
      permission: 'apiKeys.manage',
      order: 70,
      component: lazy(() => import('./components/ApiKeysSettings.tsx')),
    },
  ],
});
