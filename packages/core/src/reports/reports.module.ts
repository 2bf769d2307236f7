import type { ModuleManifest } from '../modules/manifest.ts';
import * as calendarTable from './calendar.migrations.ts';
import { metricsRoutes } from './metrics.routes.ts';
import { REPORTS_ERRORS } from './reports.errors.ts';
import { reportsRoutes } from './reports.routes.ts';
import * as savedReportTables from './saved-reports.migrations.ts';

/** Reports: grouped questions over any object in the viewer's calendar and time zone, saved and shared. */
export const reportsModule: ModuleManifest = {
  key: 'reports',
  routes: [reportsRoutes, metricsRoutes],
  errors: REPORTS_ERRORS,
  migrations: {
    'reports-0001-calendar': calendarTable,
    'reports-0002-saved-reports': savedReportTables,
  },
  permissions: [{ action: 'reports.manage', roles: [] }],
  readSurfaces: ['saved-report'],
};
