import type { ModuleManifest } from '../modules/manifest.ts';
import { timelineRoutes } from './timeline.routes.ts';

/** A record's history: its changes and every module's timeline entries. */
export const timelineModule: ModuleManifest = {
  key: 'timeline',
  routes: [timelineRoutes],
  readSurfaces: ['timeline'],
};
