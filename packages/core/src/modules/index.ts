import { auditModule } from '../audit/audit.module.ts';
import { AUTH_ERRORS } from '../auth/auth.errors.ts';
import { authModule } from '../auth/auth.module.ts';
import { CALLS_ERRORS } from '../calls/calls.errors.ts';
import { callsModule } from '../calls/calls.module.ts';
import { EMAIL_ERRORS } from '../email/email.errors.ts';
import { emailModule } from '../email/email.module.ts';
import { COMMON_ERROR_STATUSES, type ErrorStatuses } from '../errors/app-error.ts';
import { eventsModule } from '../events/events.module.ts';
import { exportsModule } from '../exports/exports.module.ts';
import { IMPORTS_ERRORS } from '../imports/imports.errors.ts';
import { importsModule } from '../imports/imports.module.ts';
import { metadataModule } from '../metadata/metadata.module.ts';
import { notificationsModule } from '../notifications/notifications.module.ts';
import { recordsModule } from '../records/records.module.ts';
import { REPORTS_ERRORS } from '../reports/reports.errors.ts';
import { reportsModule } from '../reports/reports.module.ts';
import { salesModule } from '../sales/sales.module.ts';
import { searchModule } from '../search/search.module.ts';
import { serviceModule } from '../service/service.module.ts';
import { timelineModule } from '../timeline/timeline.module.ts';
import { viewsModule } from '../views/views.module.ts';
import { webhooksModule } from '../webhooks/webhooks.module.ts';
import { workflowsModule } from '../workflows/workflows.module.ts';
import { workspacesModule } from '../workspaces/workspaces.module.ts';
import type { ModuleManifest } from './manifest.ts';

/** Every module Rabita ships, in the order their routes, seeds and subscribers run. Adding one is one line. */
export const MODULES: readonly ModuleManifest[] = [
  authModule,
  workspacesModule,
  metadataModule,
  recordsModule,
  salesModule,
  searchModule,
  timelineModule,
  eventsModule,
  webhooksModule,
  importsModule,
  exportsModule,
  notificationsModule,
  viewsModule,
  auditModule,
  workflowsModule,
  reportsModule,
  emailModule,
  serviceModule,
  callsModule,
];

// Every error code any module declares has its status in a manifest: a code added to `ErrorStatuses` without
// one, or with another status, fails to compile here.
const _everyCodeMapped = {
  ...COMMON_ERROR_STATUSES,
  ...AUTH_ERRORS,
  ...IMPORTS_ERRORS,
  ...REPORTS_ERRORS,
  ...EMAIL_ERRORS,
  ...CALLS_ERRORS,
} satisfies ErrorStatuses;
void _everyCodeMapped;
