import { createRoute } from '@tanstack/react-router';
import { lazy } from 'react';
import { appRoute } from '../../app/routes.ts';
import { defineWebModule, lazyScreen } from '../web-module.ts';
import { RunWorkflowListAction } from './components/RunWorkflowMenu.tsx';
import { WorkflowsNav } from './components/WorkflowsNav.tsx';
import { workflowKeys } from './utils/workflow-keys.ts';

const list = createRoute({
  getParentRoute: () => appRoute,
  path: '/workflows',
  component: lazyScreen(() => import('./components/WorkflowsPage.tsx')),
});
const editor = createRoute({
  getParentRoute: () => appRoute,
  path: '/workflows/$workflowId',
  component: lazyScreen(() => import('./components/WorkflowEditorPage.tsx')),
});
/** A civil date in the address bar (`2026-12-04`). */
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const runs = createRoute({
  getParentRoute: () => appRoute,
  path: '/workflow-runs',
  validateSearch: (
    s: Record<string, unknown>,
  ): { workflowId?: string; status?: string; recordId?: string; from?: string; to?: string } => ({
    ...(typeof s.workflowId === 'string' ? { workflowId: s.workflowId } : {}),
    ...(typeof s.status === 'string' ? { status: s.status } : {}),
    ...(typeof s.recordId === 'string' ? { recordId: s.recordId } : {}),
    ...(typeof s.from === 'string' && DAY.test(s.from) ? { from: s.from } : {}),
    ...(typeof s.to === 'string' && DAY.test(s.to) ? { to: s.to } : {}),
  }),
  component: lazyScreen(() => import('./components/RunsPage.tsx')),
});
const run = createRoute({
  getParentRoute: () => appRoute,
  path: '/workflow-runs/$runId',
  component: lazyScreen(() => import('./components/RunPage.tsx')),
});

/**
 * Workflows: the list, the visual editor (canvas, side panel, versions, test run, settings), run history, and the
 * button that runs a manual workflow on a list's selection or a record.
 */
export const workflowsWeb = defineWebModule({
  name: 'workflows',
  routes: [list, editor, runs, run],
  nav: [{ area: 'main', order: 40, component: WorkflowsNav }],
  // Manual workflows: a button on every list (its selection) and record page.
  listActions: [{ order: 40, component: RunWorkflowListAction }],
  recordPanels: [
    {
      id: 'run-workflow',
      objects: '*',
      area: 'side',
      order: 90,
      component: lazy(() => import('./components/RunWorkflowMenu.tsx')),
    },
  ],
  // A run on its record's timeline, opening the run.
  timelineEntries: [{ kind: 'workflow', component: lazy(() => import('./components/RunTimelineEntry.tsx')) }],
  // A record's change may start runs: the run lists refresh.
  live: {
    records: (qc) => void qc.invalidateQueries({ queryKey: workflowKeys.allRuns }),
  },
});
