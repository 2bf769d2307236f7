import type { ModuleManifest } from '../modules/manifest.ts';
import { viewsRoutes } from './views.routes.ts';

/** Saved views of lists and boards. */
export const viewsModule: ModuleManifest = { key: 'views', routes: [viewsRoutes] };
