import { defineSettings, envSchema, envVariable } from '../modules/settings.ts';

/** What the operator sets for webhooks (read at start-up; `deps.settings.of(webhooksSettings)`). */
export const webhooksSettings = defineSettings({
  variables: {
    allowPrivate: envVariable({
      name: 'RABITA_WEBHOOKS_ALLOW_PRIVATE',
      schema: envSchema.bool(),
      default: false,
      description:
        'Lets webhooks and workflows’ HTTP requests call private, loopback and link-local addresses; off, only public ones.',
    }),
  },
  build: (v) => ({ allowPrivate: v.allowPrivate }),
});
