import { lazy } from 'react';
import { defineWebModule } from '../web-module.ts';

/** Roles as data: what each may do with each object's records. */
export const rolesWeb = defineWebModule({
  name: 'roles',
  settingsTabs: [
    {
      value: 'roles',
      labelKey: 'settings.roles',
      permission: 'roles.manage',
      order: 50,
      component: lazy(() => import('./components/RolesSettings.tsx')),
    },
  ],
});
