import { lazy } from 'react';
import { defineWebModule } from '../web-module.ts';

/** The workspace's own settings, its members and invitations, and its teams. */
export const workspacesWeb = defineWebModule({
  name: 'workspaces',
  settingsTabs: [
    {
      value: 'workspace',
      labelKey: 'settings.workspace',
      permission: 'workspace.update',
      order: 10,
      component: lazy(() => import('./components/WorkspaceSettings.tsx')),
    },
    {
      value: 'members',
      labelKey: 'settings.members',
      permission: 'members.invite',
      order: 30,
      component: lazy(() => import('./components/MembersSettings.tsx')),
    },
    {
      value: 'teams',
      labelKey: 'settings.teams',
      permission: 'members.invite',
      order: 40,
      component: lazy(() => import('./components/TeamsSettings.tsx')),
    },
  ],
});
