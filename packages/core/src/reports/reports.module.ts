import type { ModuleManifest } from '../modules/manifest.ts';
import * as calendarTable from './calendar.migrations.ts';

/** Reports: grouped questions over any object in the viewer's calendar and time zone, saved and shared. */
export const reportsModule: ModuleManifest = {
  key: 'reports',
  migrations: {
    'reports-0001-calendar': calendarTable,
  },
};
