import type { ModuleManifest } from '../modules/manifest.ts';
import { metadataRoutes } from './metadata.routes.ts';

/** Metadata: objects and fields, standard and custom. */
export const metadataModule: ModuleManifest = {
  key: 'metadata',
  routes: [metadataRoutes],
  permissions: [{ action: 'metadata.manage', roles: [] }],
};
