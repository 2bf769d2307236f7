import type { ModuleManifest } from '../modules/manifest.ts';
import * as securityEvents from './audit.migrations.ts';
import { auditRoutes } from './audit.routes.ts';

/** The security audit log: who signed in, changed access, exported or imported, from where and when. */
export const auditModule: ModuleManifest = {
  key: 'audit',
  routes: [auditRoutes],
  migrations: { 'audit-0001-security-events': securityEvents },
  permissions: [{ action: 'audit.read', roles: [] }],
};
