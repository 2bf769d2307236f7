import type { ModuleManifest } from '../modules/manifest.ts';
import { notificationsRoutes } from './notifications.routes.ts';
import { notifyAssignees } from './notifications.service.ts';

/** Notifications: a person is told when something is assigned to them. */
export const notificationsModule: ModuleManifest = {
  key: 'notifications',
  routes: [notificationsRoutes],
  subscribers: [
    {
      name: 'assignment notifications',
      phase: 'transaction',
      kinds: ['created', 'updated'],
      async handle(ctx, events) {
        const raw = ctx.trx!.withoutPlugins();
        for (const event of events) await notifyAssignees(raw, event);
      },
    },
  ],
  readSurfaces: ['notifications'],
};
