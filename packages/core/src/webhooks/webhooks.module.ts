import type { ModuleManifest } from '../modules/manifest.ts';
import { deliverDueWebhooks } from './webhook-delivery.ts';
import { webhookOutbox } from './webhook-outbox.ts';
import * as dueTargets from './webhooks.migrations.ts';
import { webhooksRoutes } from './webhooks.routes.ts';
import { webhooksSettings } from './webhooks.settings.ts';

/** Webhooks: record events delivered, signed, to integrators' URLs. */
export const webhooksModule: ModuleManifest = {
  key: 'webhooks',
  settings: webhooksSettings,
  routes: [webhooksRoutes],
  migrations: { 'webhooks-0001-due-targets': dueTargets },
  subscribers: [webhookOutbox],
  tasks: {
    /** Sends due webhook deliveries (queued by each write once it commits, and every minute for retries). */
    'rabita:webhook-deliver': (deps) => async (_payload, helpers) => {
      const sent = await deliverDueWebhooks(deps.db, {
        allowPrivate: deps.settings.of(webhooksSettings).allowPrivate,
      });
      if (sent > 0) helpers.logger.info(`webhooks: ${sent} deliveries attempted`);
    },
  },
  crontab: ['* * * * * rabita:webhook-deliver ?max=1'],
  readSurfaces: ['webhook'],
};
