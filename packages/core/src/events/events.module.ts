import type { ModuleManifest } from '../modules/manifest.ts';
import { eventsRoutes } from './events.routes.ts';

/** Live record changes as Server-Sent Events. */
export const eventsModule: ModuleManifest = {
  key: 'events',
  routes: [eventsRoutes],
  readSurfaces: ['events'],
};
