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
