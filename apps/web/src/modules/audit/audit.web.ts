import { lazy } from 'react';
import { defineWebModule } from '../web-module.ts';

/** The security audit log, for admins: who signed in, changed access, exported or imported, from where. */
export const auditWeb = defineWebModule({
  name: 'audit',
  settingsTabs: [
    {
      value: 'audit',
      labelKey: 'settings.audit',
      permission: 'audit.read',
      order: 90,
      component: lazy(() => import('./components/AuditSettings.tsx')),
    },
  ],
});
