import type { ModuleManifest } from '../modules/manifest.ts';
import { callAdaptersService } from './adapters/adapter-supervisor.ts';
import { up as adapters } from './adapters/adapters.migrations.ts';
import { callCardRoutes } from './call-card.routes.ts';
import { callEventsRoutes } from './call-events.routes.ts';
import { up as phoneSuffixes } from './caller-match.migrations.ts';
import { CALLS_ERRORS } from './calls.errors.ts';
import { callsEvents } from './calls.events.ts';
import { up as callTables } from './calls.migrations.ts';
import { callsRoutes } from './calls.routes.ts';
import { callsSettings } from './calls.settings.ts';
import { callsTimeline } from './calls.timeline.ts';
import { up as cardExtras } from './card-extras.migrations.ts';
import { cardExtrasRoutes } from './card-extras.routes.ts';
import { callHooksRoutes } from './hooks.routes.ts';
import { up as keysLedByWorkspace } from './keys-led-by-workspace.migrations.ts';
import { originateRoutes } from './originate.routes.ts';
import { up as presence } from './presence.migrations.ts';
import { presenceRoutes } from './presence.routes.ts';
import { up as queues } from './queues.migrations.ts';
import { queuesRoutes } from './queues.routes.ts';
import { up as serviceLevel } from './service-level.migrations.ts';
import { wallRoutes } from './wall.routes.ts';
import { up as wrapUp } from './wrap-up.migrations.ts';
import { wrapUpRoutes } from './wrap-up.routes.ts';
import { up as wrapUpLabels } from './wrap-up-labels.migrations.ts';

/** The contact centre's server core: phone connections, call events in, calls folded from them. */
export const callsModule: ModuleManifest = {
  key: 'calls',
  settings: callsSettings,
  routes: [
    callsRoutes,
    callEventsRoutes,
    presenceRoutes,
    wallRoutes,
    callCardRoutes,
    wrapUpRoutes,
    callHooksRoutes,
    cardExtrasRoutes,
    originateRoutes,
    queuesRoutes,
  ],
  migrations: {
    'calls-0001-tables': { up: callTables },
    'calls-0002-phone-suffix': { up: phoneSuffixes },
    'calls-0003-presence': { up: presence },
    'calls-0004-wrap-up': { up: wrapUp },
    'calls-0005-adapters': { up: adapters },
    'calls-0006-card-extras': { up: cardExtras },
    'calls-0007-queues': { up: queues },
    'calls-0008-service-level': { up: serviceLevel },
    'calls-0009-keys-led-by-workspace': { up: keysLedByWorkspace },
    'calls-0010-wrap-up-labels': { up: wrapUpLabels },
  },
  permissions: [
    { action: 'calls.manage', roles: [] },
    { action: 'calls.read', roles: ['manager', 'agent'] },
    { action: 'calls.supervise', roles: ['manager'] },
  ],
  errors: CALLS_ERRORS,
  timelineSources: [callsTimeline],
  services: [callAdaptersService],
  moduleEvents: callsEvents,
  readSurfaces: ['calls', 'call-events', 'call-card', 'call-timeline-entry', 'call-recording', 'call-lookup'],
};
