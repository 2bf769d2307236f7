import { defineSettings, envSchema, envVariable } from '../modules/settings.ts';

/** What the operator sets for the contact centre (read at start-up; `deps.settings.of(callsSettings)`). */
export const callsSettings = defineSettings({
  variables: {
    allowPrivate: envVariable({
      name: 'RABITA_CALLS_ALLOW_PRIVATE',
      schema: envSchema.bool(),
      default: false,
      description:
        'Lets phone connections (AMI, ARI) and recordings reach private, loopback and link-local hosts; off, only public ones.',
    }),
  },
  build: (v) => ({ allowPrivate: v.allowPrivate }),
});
