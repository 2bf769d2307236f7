import { lazy } from 'react';
import { defineWebModule } from '../web-module.ts';

/**
 * Leads: the conversion dialog and what a lead became, the assignment reason on the lead's page, and the
 * assignment rules editor in settings.
 */
export const leadsWeb = defineWebModule({
  name: 'leads',
  recordPanels: [
    {
      id: 'lead-conversion',
      objects: ['leads'],
      area: 'side',
      order: 10,
      component: lazy(() => import('./components/LeadPanel.tsx')),
    },
  ],
  settingsTabs: [
    {
      value: 'assignment',
      labelKey: 'settings.assignment',
      permission: 'sales.assignment.manage',
      order: 60,
      component: lazy(() => import('./components/AssignmentRulesSettings.tsx')),
    },
  ],
});
