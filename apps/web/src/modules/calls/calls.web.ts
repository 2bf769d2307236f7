import { createRoute } from '@tanstack/react-router';
import { lazy } from 'react';
import { appRoute } from '../../app/routes.ts';
import { defineWebModule, lazyScreen } from '../web-module.ts';
import { CallCardHost } from './components/CallCardHost.tsx';
import { DialButton } from './components/DialButton.tsx';
import { PresenceControl } from './components/PresenceControl.tsx';
import { WallNav } from './components/WallNav.tsx';
import { onLiveCall } from './utils/call-card-store.ts';
import { presenceKeys } from './utils/presence-api.ts';

const wall = createRoute({
  getParentRoute: () => appRoute,
  path: '/calls/wall',
  component: lazyScreen(() => import('./components/WallPage.tsx')),
});

/**
 * Contact centre: the phone connections in settings, the agent's presence in the header, and the supervisor wall.
 */
export const callsWeb = defineWebModule({
  name: 'calls',
  routes: [wall],
  // The supervisor wall, after the desk's inbox and metrics.
  nav: [{ area: 'main', order: 27, component: WallNav }],
  // The agent's presence for calls, beside the desk's availability switch.
  header: [
    { order: 29, component: PresenceControl },
    // The call card pops over any page (portalled out of the header, which every signed-in page has).
    { order: 1, component: CallCardHost },
  ],
  // Click-to-call beside the phone numbers of record pages (for members with an extension).
  phoneActions: [DialButton],
  // The record page focused on a call whose entry is further down the timeline than it has loaded: the entry alone,
  // just above the timeline (order 10).
  recordPanels: [
    {
      id: 'focused-call',
      objects: ['people', 'companies', 'leads'],
      area: 'side',
      order: 9.5,
      component: lazy(() => import('./components/FocusedCallPanel.tsx')),
    },
  ],
  // A call on its record's timeline, with the agent's notes, wrap-up code and the ticket opened from it.
  timelineEntries: [{ kind: 'call', component: lazy(() => import('./components/WrapUpTimelineEntry.tsx')) }],
  settingsTabs: [
    {
      value: 'phone-systems',
      labelKey: 'phoneSystems.tab',
      permission: 'calls.manage',
      order: 76,
      component: lazy(() => import('./components/ConnectionSettings.tsx')),
    },
  ],
  live: {
    // Agents' presence changed: the wall reads again, and the header's control when its own agent's did. Every page
    // shows the control, and in a busy contact centre some agent's presence changes many times a second: reading the
    // team again for each burst kept every agent's browser asking (docs/PERFORMANCE.md, the screen pop under load).
    presence: (qc, { userIds, me }) => {
      if (userIds.has(me)) void qc.invalidateQueries({ queryKey: presenceKeys.team });
      void qc.invalidateQueries({ queryKey: presenceKeys.wall });
    },
    // A call of the workspace rang, was answered or ended: the wall reads again.
    wall: (qc) => {
      void qc.invalidateQueries({ queryKey: presenceKeys.wall });
    },
    // A call of the agent's rang, was answered or ended: its card pops, updates or closes.
    call: onLiveCall,
  },
});
