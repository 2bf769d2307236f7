import { emailSettings } from '../email/email.settings.ts';
import type { ModuleManifest } from '../modules/manifest.ts';
import * as calendarTable from './calendar.migrations.ts';
import * as dashboardExportTables from './dashboard-exports.migrations.ts';
import * as dashboardHomeTables from './dashboard-homes.migrations.ts';
import * as dashboardTables from './dashboards.migrations.ts';
import { dashboardsRoutes } from './dashboards.routes.ts';
import { reportExportRoutes } from './export.routes.ts';
import { EXPORT_EXPIRE_TASK, EXPORT_TASK, expireReportExport, runReportExport } from './export.service.ts';
import * as keysLedByWorkspace from './keys-led-by-workspace.migrations.ts';
import { metricsRoutes } from './metrics.routes.ts';
import { REPORTS_ERRORS } from './reports.errors.ts';
import { reportsRoutes } from './reports.routes.ts';
import * as savedReportTables from './saved-reports.migrations.ts';
import * as scheduleFailureColumns from './schedule-failures.migrations.ts';
import * as scheduleTables from './schedules.migrations.ts';
import { reportScheduleRoutes } from './schedules.routes.ts';
import { runReportSchedule, SCHEDULE_TASK } from './schedules.service.ts';

/** Reports: grouped questions over any object in the viewer's calendar and time zone, saved and shared. */
export const reportsModule: ModuleManifest = {
  key: 'reports',
  routes: [reportsRoutes, metricsRoutes, reportExportRoutes, reportScheduleRoutes, dashboardsRoutes],
  errors: REPORTS_ERRORS,
  migrations: {
    'reports-0001-calendar': calendarTable,
    'reports-0002-saved-reports': savedReportTables,
    'reports-0003-dashboards': dashboardTables,
    'reports-0004-schedules': scheduleTables,
    'reports-0005-dashboard-exports': dashboardExportTables,
    'reports-0006-dashboard-homes': dashboardHomeTables,
    'reports-0007-schedule-failures': scheduleFailureColumns,
    'reports-0008-keys-led-by-workspace': keysLedByWorkspace,
  },
  permissions: [{ action: 'reports.manage', roles: [] }],
  readSurfaces: ['saved-report', 'dashboard-widget', 'report-print-view', 'dashboard-print-view'],
  tasks: {
    /** Renders one export as the person who asked (a PDF starts a browser: one at a time, in the long slots). */
    [EXPORT_TASK]: (deps) => async (payload) =>
      runReportExport(
        { db: deps.db, baseUrl: deps.publicUrl },
        payload as { workspaceId: string; exportId: string },
      ),
    /** Removes an export whose time is up. */
    [EXPORT_EXPIRE_TASK]: (deps) => async (payload) =>
      expireReportExport(deps.db, payload as { workspaceId: string; exportId: string }),
    /** Sends a scheduled report as its owner, then queues its next run. */
    [SCHEDULE_TASK]: (deps) => async (payload) =>
      runReportSchedule(
        {
          db: deps.db,
          baseUrl: deps.publicUrl,
          mail: deps.secrets
            ? {
                secrets: deps.secrets,
                allowPrivate: deps.settings.of(emailSettings).allowPrivate,
                publicUrl: deps.publicUrl,
              }
            : undefined,
        },
        payload as { workspaceId: string; scheduleId: string },
      ),
  },
  longTasks: [EXPORT_TASK, SCHEDULE_TASK],
};
