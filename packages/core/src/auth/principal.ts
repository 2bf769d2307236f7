import type { Action, Permissions } from '../roles/permissions.ts';

/** Who is making a request, in which workspace, with which role. */
export interface Principal {
  kind: 'session' | 'apiKey';
  workspaceId: string;
  /** The signed-in person; null for an API key. */
  userId: string | null;
  sessionId: string | null;
  apiKeyId: string | null;
  role: { id: string; key: string; name: string; permissions: Permissions };
}

/** True when the principal's role grants the workspace-wide action. */
export function can(principal: Principal, action: Action): boolean {
  return principal.role.permissions.actions.includes(action);
}

/**
 * The principal of work done by Rabita itself rather than a person or key (a web form's submissions, mail matching):
 * no user, no key, and exactly the role given.
 */
export function servicePrincipal(workspaceId: string, role: Principal['role']): Principal {
  return { kind: 'apiKey', workspaceId, userId: null, sessionId: null, apiKeyId: null, role };
}
