import type { ModuleManifest } from '../modules/manifest.ts';
import { runPendingReindexes } from './reindex.service.ts';
import { searchRoutes } from './search.routes.ts';
import * as tiersByWorkspace from './tiers-by-workspace.migrations.ts';

/** Search across every object the caller may read. */
export const searchModule: ModuleManifest = {
  key: 'search',
  routes: [searchRoutes],
  tasks: {
    /** Rebuilds search documents of objects whose searchable fields changed (queued by metadata changes). */
    'rabita:search-reindex': (deps) => async (_payload, helpers) => {
      const batches = await runPendingReindexes(deps.db);
      if (batches > 0) helpers.logger.info(`search: ${batches} reindex batches`);
    },
  },
  longTasks: ['rabita:search-reindex'],
  crontab: ['* * * * * rabita:search-reindex ?max=1'],
  readSurfaces: ['search'],
  migrations: { 'search-0001-tiers-by-workspace': tiersByWorkspace },
};
