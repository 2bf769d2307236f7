import { lazy } from 'react';
import { defineWebModule } from '../web-module.ts';
import { timelineKeys } from './utils/timeline-keys.ts';

/** The timeline: every record page's history of changes, activities and tasks. */
export const timelineWeb = defineWebModule({
  name: 'timeline',
  recordPanels: [
    {
      id: 'timeline',
      objects: '*',
      area: 'side',
      order: 10,
      component: lazy(() => import('./components/TimelinePanel.tsx')),
    },
  ],
  live: {
    records: (qc) => void qc.invalidateQueries({ queryKey: timelineKeys.all }),
  },
});
