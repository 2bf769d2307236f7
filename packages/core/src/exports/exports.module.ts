import type { ModuleManifest } from '../modules/manifest.ts';
import { exportsRoutes } from './exports.routes.ts';

/** Exports of records (CSV, XLSX, vCard, iCalendar) and of whole workspaces. */
export const exportsModule: ModuleManifest = {
  key: 'exports',
  routes: [exportsRoutes],
  readSurfaces: ['export-csv', 'export-xlsx', 'export-vcf', 'export-ics'],
};
