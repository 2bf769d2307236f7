import { STANDARD_OBJECTS } from '../metadata/standard-objects.ts';
import type { ModuleManifest } from '../modules/manifest.ts';
import { aggregateRoutes } from './aggregate.routes.ts';
import * as filterLookupsByWorkspace from './filter-lookups-by-workspace.migrations.ts';
import * as idempotencyTables from './idempotency.migrations.ts';
import { purgeExpiredKeys } from './idempotency.repository.ts';
import * as idempotencyPurgeByKey from './idempotency-purge-by-key.migrations.ts';
import { recordsRoutes } from './records.routes.ts';
import { activityTimeline, changeTimeline, taskTimeline } from './records.timeline.ts';

/** The record engine: people, companies, leads, activities and tasks, and every object's records. */
export const recordsModule: ModuleManifest = {
  key: 'records',
  routes: [recordsRoutes, aggregateRoutes],
  objects: STANDARD_OBJECTS,
  timelineSources: [changeTimeline, activityTimeline, taskTimeline],
  readSurfaces: ['get', 'list', 'query', 'aggregate', 'batch', 'count', 'keys', 'expand'],
  migrations: {
    'records-0001-idempotency': idempotencyTables,
    'records-0002-idempotency-purge-by-key': idempotencyPurgeByKey,
    'records-0003-filter-lookups-by-workspace': filterLookupsByWorkspace,
  },
  tasks: {
    /** Hourly: answers kept for Idempotency-Keys older than 24 hours forgotten, a batch at a time. */
    'records:idempotency-purge': (deps) => async (_payload, helpers) => {
      let purged = 0;
      for (
        let batch = await purgeExpiredKeys(deps.db, 5000);
        batch > 0;
        batch = await purgeExpiredKeys(deps.db, 5000)
      )
        purged += batch;
      if (purged > 0) helpers.logger.info(`idempotency: ${purged} expired keys purged`);
    },
  },
  crontab: ['15 * * * * records:idempotency-purge ?max=1'],
};
