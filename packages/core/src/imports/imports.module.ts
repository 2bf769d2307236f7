import type { ModuleManifest } from '../modules/manifest.ts';
import { IMPORTS_ERRORS } from './imports.errors.ts';
import * as lease from './imports.migrations.ts';
import { importsRoutes } from './imports.routes.ts';
import { runPendingImports } from './imports.service.ts';

/** Imports of CSV, XLSX and vCard files and of whole-workspace archives. */
export const importsModule: ModuleManifest = {
  key: 'imports',
  routes: [importsRoutes],
  errors: IMPORTS_ERRORS,
  migrations: { 'imports-0001-lease': lease },
  tasks: {
    /**
     * Runs queued imports, and resumes any whose runner died (queued by each upload, by each running import's
     * watch once its lease would lapse, and every minute).
     */
    'rabita:import': (deps) => async (_payload, helpers) => {
      const ran = await runPendingImports(deps.db);
      if (ran > 0) helpers.logger.info(`imports: ${ran} run`);
    },
  },
  longTasks: ['rabita:import'],
  crontab: ['* * * * * rabita:import ?max=1'],
  readSurfaces: ['import-rejects'],
};
