import type { ModuleManifest } from '../modules/manifest.ts';
import { rolesRoutes } from '../roles/roles.routes.ts';
import * as agentsReadMembers from './agents-read-members.migrations.ts';
import { membersRoutes } from './members.routes.ts';
import { teamsRoutes } from './teams.routes.ts';
import { workspacesRoutes } from './workspaces.routes.ts';

/** Workspaces: their settings, members, roles and teams. */
export const workspacesModule: ModuleManifest = {
  key: 'workspaces',
  routes: [workspacesRoutes, rolesRoutes, membersRoutes, teamsRoutes],
  migrations: { 'workspaces-0001-agents-read-members': agentsReadMembers },
  permissions: [
    { action: 'workspace.update', roles: [] },
    // Agents name the colleagues holding tickets (migration workspaces-0001 gives existing Agent roles the same).
    { action: 'members.read', roles: ['manager', 'member', 'agent'] },
    { action: 'members.invite', roles: [] },
    { action: 'roles.manage', roles: [] },
  ],
};
