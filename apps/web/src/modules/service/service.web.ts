import { createRoute } from '@tanstack/react-router';
import { lazy } from 'react';
import { appRoute } from '../../app/routes.ts';
import { defineWebModule, lazyScreen } from '../web-module.ts';
import { AvailabilityToggle } from './components/AvailabilityToggle.tsx';
import { InboxNav } from './components/InboxNav.tsx';
import { MacroListAction } from './components/MacroMenu.tsx';
import { MetricsNav } from './components/MetricsNav.tsx';
import { assignmentKeys } from './utils/assignment-api.ts';
import { inboxKeys } from './utils/inbox-keys.ts';
import { serviceKeys } from './utils/service-keys.ts';

const inbox = createRoute({
  getParentRoute: () => appRoute,
  path: '/service/inbox',
  component: lazyScreen(() => import('./components/InboxPage.tsx')),
});

const metrics = createRoute({
  getParentRoute: () => appRoute,
  path: '/service/metrics',
  component: lazyScreen(() => import('./components/MetricsPage.tsx')),
});

/**
 * Service desk: a ticket's SLA and its conversation on its page — public replies, internal notes and the customer's
 * messages, oldest first with earlier ones on scrolling up — and a composer that replies, notes or sets the status
 * as it sends; in settings, the business calendars (hours, holidays) and the SLA policies. Tickets' lists,
 * filters, forms and related lists are the records module's, like any object's.
 */
export const serviceWeb = defineWebModule({
  name: 'service',
  routes: [inbox, metrics],
  // The agents' inbox, after the objects and the pipeline.
  nav: [
    { area: 'main', order: 25, component: InboxNav },
    // The desk's resolution metrics, under the inbox.
    { area: 'main', order: 26, component: MetricsNav },
  ],
  // The signed-in agent's availability for new tickets, beside the notifications bell.
  header: [{ order: 30, component: AvailabilityToggle }],
  settingsTabs: [
    {
      value: 'complaints-returns',
      labelKey: 'cases.tab',
      // Read by everyone (the ticket page's lists come from it); changed with `service.cases.manage`.
      permission: null,
      order: 74,
      component: lazy(() => import('./components/CaseSettings.tsx')),
    },
    {
      value: 'business-calendars',
      labelKey: 'service.calendarsTab',
      // Everyone reads the calendars (the SLA shown on a ticket follows them); `service.sla.manage` changes them.
      permission: null,
      order: 67,
      component: lazy(() => import('./components/CalendarsSettings.tsx')),
    },
    {
      value: 'sla-policies',
      labelKey: 'service.policiesTab',
      // Read by everyone signed in, changed with `service.sla.manage`, as the server's routes say.
      permission: null,
      order: 68,
      component: lazy(() => import('./components/SlaPoliciesSettings.tsx')),
    },
    {
      value: 'ticket-email',
      labelKey: 'ticketMail.tab',
      permission: 'service.channels.manage',
      order: 72,
      component: lazy(() => import('./components/TicketEmailSettings.tsx')),
    },
    {
      value: 'nps-surveys',
      labelKey: 'nps.tab',
      // Everyone reads the report and the campaigns; making or stopping one needs `service.channels.manage`.
      permission: null,
      order: 75,
      component: lazy(() => import('./components/NpsCampaigns.tsx')),
    },
    {
      value: 'ticket-assignment',
      labelKey: 'deskAssign.tab',
      permission: 'service.assignment.manage',
      order: 73,
      component: lazy(() => import('./components/AssignmentSettings.tsx')),
    },
    {
      value: 'knowledge-base',
      labelKey: 'kb.tab',
      // Read by everyone signed in (agents read drafts too); written with `service.kb.manage`, as the server checks.
      permission: null,
      order: 71,
      component: lazy(() => import('./components/KbSettings.tsx')),
    },
    {
      value: 'canned-replies',
      labelKey: 'replies.tab',
      // Everyone keeps personal replies; sharing one needs `service.replies.manage`, which the server checks.
      permission: null,
      order: 69,
      component: lazy(() => import('./components/CannedRepliesSettings.tsx')),
    },
    {
      value: 'macros',
      labelKey: 'replies.macrosTab',
      // Read by every agent (they apply them); written with `service.replies.manage`.
      permission: null,
      order: 70,
      component: lazy(() => import('./components/MacrosSettings.tsx')),
    },
  ],
  recordPanels: [
    {
      id: 'ticket-presence',
      objects: ['tickets'],
      area: 'main',
      // First: another agent already on this ticket is the thing to know before answering it.
      order: 3,
      component: lazy(() => import('./components/InboxPresencePanel.tsx')),
    },
    {
      id: 'ticket-fcr',
      objects: ['tickets'],
      area: 'main',
      // Once resolved, the agent's word on first contact comes first: it is asked right after resolving.
      order: 3.5,
      component: lazy(() => import('./components/FcrDispositionPanel.tsx')),
    },
    {
      id: 'ticket-sla',
      objects: ['tickets'],
      area: 'main',
      // Above the conversation: what is due comes before what was said.
      order: 4,
      component: lazy(() => import('./components/SlaPanel.tsx')),
    },
    {
      id: 'ticket-case',
      objects: ['tickets'],
      area: 'main',
      // A complaint's deadlines or a return's items and moves, beside the SLA and before the conversation.
      order: 4.5,
      component: lazy(() => import('./components/CasePanel.tsx')),
    },
    {
      id: 'ticket-conversation',
      objects: ['tickets'],
      area: 'main',
      // Under the ticket's details, above its related lists.
      order: 5,
      component: lazy(() => import('./components/ConversationPanel.tsx')),
    },
    {
      id: 'ticket-surveys',
      objects: ['tickets'],
      area: 'side',
      order: 50,
      component: lazy(() => import('./components/SurveyPanel.tsx')),
    },
    {
      id: 'person-nps',
      objects: ['people'],
      area: 'side',
      // A person's NPS answers (relationship and after their tickets), beside their details.
      order: 55,
      component: lazy(() => import('./components/NpsPanel.tsx')),
    },
    {
      id: 'ticket-kb-suggestions',
      objects: ['tickets'],
      area: 'side',
      // Beside the ticket's details: articles to answer with, their link or text put into the reply.
      order: 60,
      component: lazy(() => import('./components/KbSuggestionsPanel.tsx')),
    },
    {
      id: 'ticket-macros',
      objects: ['tickets'],
      area: 'side',
      // Beside the ticket's details, before other modules' buttons.
      order: 80,
      component: lazy(() => import('./components/MacroMenu.tsx')),
    },
  ],
  // A return's moves on its ticket's timeline.
  timelineEntries: [
    { kind: 'return', component: lazy(() => import('./components/ReturnTimelineEntry.tsx')) },
  ],
  // Macros on the tickets list's selection.
  listActions: [{ order: 45, component: MacroListAction }],
  live: {
    // A ticket changed (another agent answered, the customer wrote and woke it): open conversations read again.
    // Its SLA sits under the ticket's record key, which the records module refreshes.
    records: (qc, objects) => {
      if (!objects.has('tickets')) return;
      void qc.invalidateQueries({ queryKey: serviceKeys.conversations });
      // The inbox's lists and counts: a ticket taken, answered or newly breaching moves between views.
      void qc.invalidateQueries({ queryKey: inboxKeys.all });
      // Agents' open tickets (and so who has room) change with tickets.
      void qc.invalidateQueries({ queryKey: assignmentKeys.agents });
    },
  },
});
