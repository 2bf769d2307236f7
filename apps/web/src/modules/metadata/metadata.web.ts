import { lazy } from 'react';
import { defineWebModule } from '../web-module.ts';

/** Objects and fields: the settings tab where admins add custom ones. */
export const metadataWeb = defineWebModule({
  name: 'metadata',
  settingsTabs: [
    {
      value: 'objects',
      labelKey: 'settings.objects',
      permission: 'metadata.manage',
      order: 20,
      component: lazy(() => import('./components/ObjectsSettings.tsx')),
    },
  ],
});
