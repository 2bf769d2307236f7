import type { ModuleManifest } from '../modules/manifest.ts';
import { accessRoutes } from './access.routes.ts';
import { AUTH_ERRORS } from './auth.errors.ts';
import { authRoutes } from './auth.routes.ts';
import { deleteExpiredSignInState } from './mfa.repository.ts';
import { mfaRoutes } from './mfa.routes.ts';
import { deleteExpiredPasskeyChallenges } from './passkeys.repository.ts';
import { passkeyRoutes } from './passkeys.routes.ts';
import { deleteExpiredSessions } from './sessions.service.ts';

/** Accounts: sign-up, sign-in (with a second factor), sessions, invitations, API keys. */
export const authModule: ModuleManifest = {
  key: 'auth',
  routes: [authRoutes, accessRoutes, mfaRoutes, passkeyRoutes],
  permissions: [{ action: 'apiKeys.manage', roles: [] }],
  errors: AUTH_ERRORS,
  tasks: {
    /** Hourly housekeeping: expired sessions and spent rate-limit counters. */
    'rabita:cleanup': (deps) => async (_payload, helpers) => {
      const sessions = await deleteExpiredSessions(deps.db, deps.session);
      const signInState =
        (await deleteExpiredSignInState(deps.db)) + (await deleteExpiredPasskeyChallenges(deps.db));
      const limits = await deps.db
        .deleteFrom('rateLimits')
        .where('expire', '<', String(Date.now()))
        .executeTakeFirst();
      helpers.logger.info(
        `cleanup: ${sessions} sessions, ${signInState} sign-in and passkey challenges and devices, ${Number(limits.numDeletedRows)} rate-limit counters`,
      );
    },
  },
  crontab: ['0 * * * * rabita:cleanup ?max=1'],
};
