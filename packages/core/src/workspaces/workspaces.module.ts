import type { ModuleManifest } from '../modules/manifest.ts';
import { rolesRoutes } from '../roles/roles.routes.ts';
import { membersRoutes } from './members.routes.ts';
import { teamsRoutes } from './teams.routes.ts';
import { workspacesRoutes } from './workspaces.routes.ts';

/** Workspaces: their settings, members, roles and teams. */
export const workspacesModule: ModuleManifest = {
  key: 'workspaces',
  routes: [workspacesRoutes, rolesRoutes, membersRoutes, teamsRoutes],
  permissions: [
    { action: 'workspace.update', roles: [] },
    { action: 'members.read', roles: ['manager', 'member'] },
    { action: 'members.invite', roles: [] },
    { action: 'roles.manage', roles: [] },
  ],
};
