import type { ModuleManifest } from '../modules/manifest.ts';
import { webhooksSettings } from '../webhooks/webhooks.settings.ts';
import * as assignTables from './assign.migrations.ts';
import * as hookTables from './hook.migrations.ts';
import { workflowHooksRoutes } from './hook.routes.ts';
import * as limitTables from './limits.migrations.ts';
import { runWorkflowStep, STEP_TASK } from './run-step.ts';
import {
  BACKFILL_TASK,
  backfillDateJobs,
  DATE_TASK,
  fireDateTrigger,
  fireSchedule,
  SCHEDULE_TASK,
} from './schedule-jobs.ts';
import { workflowEventTrigger, workflowTrigger } from './trigger.ts';
import * as tables from './workflows.migrations.ts';
import { workflowsRoutes } from './workflows.routes.ts';
import { workflowsSettings } from './workflows.settings.ts';
import { workflowRunsTimeline } from './workflows.timeline.ts';

/** Workflows: record events start versioned runs, executed one step per job. */
export const workflowsModule: ModuleManifest = {
  key: 'workflows',
  settings: workflowsSettings,
  routes: [workflowsRoutes, workflowHooksRoutes],
  migrations: {
    'workflows-0001-tables': tables,
    'workflows-0002-inbound-hooks': hookTables,
    'workflows-0003-limits': limitTables,
    'workflows-0004-assign': assignTables,
  },
  permissions: [{ action: 'workflows.manage', roles: [] }],
  subscribers: [workflowTrigger],
  moduleEventListeners: [workflowEventTrigger],
  tasks: {
    /** Runs one step of a workflow run (queued by the trigger, by the previous step, or by a wait). */
    [STEP_TASK]: (deps) => async (payload) => {
      const p = payload as { workspaceId: string; runId: string };
      const { smtp, stepsPerMinute } = deps.settings.of(workflowsSettings);
      await runWorkflowStep(deps.db, p, {
        allowPrivate: deps.settings.of(webhooksSettings).allowPrivate,
        smtp,
        stepsPerMinute,
      });
    },
    /** A schedule's fire time: its run, and the next fire's job. */
    [SCHEDULE_TASK]: (deps) => async (payload) => {
      await fireSchedule(deps.db, payload as Parameters<typeof fireSchedule>[1]);
    },
    /** A date-relative trigger's time for one record: its run, if the record's date still gives this time. */
    [DATE_TASK]: (deps) => async (payload) => {
      await fireDateTrigger(deps.db, payload as Parameters<typeof fireDateTrigger>[1]);
    },
    /** A page of a date-relative workflow's existing records scheduled, and the next page queued. */
    [BACKFILL_TASK]: (deps) => async (payload) => {
      await backfillDateJobs(deps.db, payload as Parameters<typeof backfillDateJobs>[1]);
    },
  },
  timelineSources: [workflowRunsTimeline],
  /** Runs show their trigger's changed fields and old values; a test run renders the record into its steps. */
  readSurfaces: ['workflow-runs', 'workflow-test-run'],
};
