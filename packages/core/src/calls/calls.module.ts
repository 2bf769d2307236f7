import type { ModuleManifest } from '../modules/manifest.ts';
import { callEventsRoutes } from './call-events.routes.ts';
import { up as phoneSuffixes } from './caller-match.migrations.ts';
import { CALLS_ERRORS } from './calls.errors.ts';
import { callsEvents } from './calls.events.ts';
import { up as callTables } from './calls.migrations.ts';
import { callsRoutes } from './calls.routes.ts';
import { callsTimeline } from './calls.timeline.ts';

/** The contact centre's server core: phone connections, call events in, calls folded from them. */
export const callsModule: ModuleManifest = {
  key: 'calls',
  routes: [callsRoutes, callEventsRoutes],
  migrations: {
    'calls-0001-tables': { up: callTables },
    'calls-0002-phone-suffix': { up: phoneSuffixes },
  },
  permissions: [
    { action: 'calls.manage', roles: [] },
    { action: 'calls.read', roles: ['manager', 'agent'] },
  ],
  errors: CALLS_ERRORS,
  timelineSources: [callsTimeline],
  moduleEvents: callsEvents,
  readSurfaces: ['calls', 'call-events'],
};
