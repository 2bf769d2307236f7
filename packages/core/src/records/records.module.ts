import { STANDARD_OBJECTS } from '../metadata/standard-objects.ts';
import type { ModuleManifest } from '../modules/manifest.ts';
import { aggregateRoutes } from './aggregate.routes.ts';
import { recordsRoutes } from './records.routes.ts';
import { activityTimeline, changeTimeline, taskTimeline } from './records.timeline.ts';

/** The record engine: people, companies, leads, activities and tasks, and every object's records. */
export const recordsModule: ModuleManifest = {
  key: 'records',
  routes: [recordsRoutes, aggregateRoutes],
  objects: STANDARD_OBJECTS,
  timelineSources: [changeTimeline, activityTimeline, taskTimeline],
  readSurfaces: ['get', 'list', 'query', 'aggregate', 'batch', 'count', 'keys', 'expand'],
};
