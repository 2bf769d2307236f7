import { lazy } from 'react';
import { defineWebModule } from '../web-module.ts';

/**
 * Leads: the conversion dialog and what a lead became, the assignment reason on the lead's page, the
 * assignment and scoring rules editors, web forms and lead mailboxes in settings, and the score as a badge with
 * its reasons.
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
    {
      id: 'lead-web-form',
      objects: ['leads'],
      area: 'side',
      order: 15,
      component: lazy(() => import('./components/WebFormCapturePanel.tsx')),
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
    {
      value: 'web-forms',
      labelKey: 'webForms.tab',
      permission: 'sales.forms.manage',
      order: 62,
      component: lazy(() => import('./components/WebFormsSettings.tsx')),
    },
    {
      value: 'lead-email',
      labelKey: 'leadMail.tab',
      permission: 'sales.forms.manage',
      order: 63,
      component: lazy(() => import('./components/LeadEmailSettings.tsx')),
    },
    {
      value: 'scoring',
      labelKey: 'scoring.tab',
      permission: 'sales.scoring.manage',
      order: 61,
      component: lazy(() => import('./components/ScoringRulesSettings.tsx')),
    },
  ],
  fieldViews: [
    {
      object: 'leads',
      field: 'score',
      component: lazy(() => import('./components/ScoreBadge.tsx')),
    },
  ],
});
