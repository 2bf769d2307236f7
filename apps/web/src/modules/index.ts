import extraWebModules from 'virtual:rabita-extra-web-modules';
import { auditWeb } from './audit/audit.web.ts';
import { authWeb } from './auth/auth.web.ts';
import { callsWeb } from './calls/calls.web.ts';
import { emailWeb } from './email/email.web.ts';
import { exportsWeb } from './exports/exports.web.ts';
import { importsWeb } from './imports/imports.web.ts';
import { leadsWeb } from './leads/leads.web.ts';
import { metadataWeb } from './metadata/metadata.web.ts';
import { notificationsWeb } from './notifications/notifications.web.ts';
import { recordsWeb } from './records/records.web.ts';
import { reportsWeb } from './reports/reports.web.ts';
import { rolesWeb } from './roles/roles.web.ts';
import { salesWeb } from './sales/sales.web.ts';
import { searchWeb } from './search/search.web.ts';
import { serviceWeb } from './service/service.web.ts';
import { timelineWeb } from './timeline/timeline.web.ts';
import { viewsWeb } from './views/views.web.ts';
import type { WebModule } from './web-module.ts';
import { workflowsWeb } from './workflows/workflows.web.ts';
import { workspacesWeb } from './workspaces/workspaces.web.ts';

/** Every web module, as the server composes its modules: the one list the app's frame reads. */
const modules = [
  authWeb,
  workspacesWeb,
  rolesWeb,
  metadataWeb,
  recordsWeb,
  timelineWeb,
  salesWeb,
  leadsWeb,
  searchWeb,
  notificationsWeb,
  viewsWeb,
  importsWeb,
  exportsWeb,
  auditWeb,
  workflowsWeb,
  reportsWeb,
  emailWeb,
  serviceWeb,
  callsWeb,
] as const;

type Module = (typeof modules)[number];
type RoutesOf<M, K extends 'routes' | 'publicRoutes'> = M extends { [P in K]: readonly (infer R)[] }
  ? R
  : never;

// The shipped modules, then any a test builds in (RABITA_WEB_EXTRA_MODULES, see vite.config.ts); a shipped
// build has none.
export const webModules: readonly WebModule[] = [...modules, ...extraWebModules];

// The routes with their exact types, so typed links and params know every module's paths.
export const publicRoutes = webModules.flatMap((m) => m.publicRoutes ?? []) as RoutesOf<
  Module,
  'publicRoutes'
>[];
export const appRoutes = webModules.flatMap((m) => m.routes ?? []) as RoutesOf<Module, 'routes'>[];
