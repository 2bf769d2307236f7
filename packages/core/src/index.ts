export { accessRoutes } from './auth/access.routes.ts';
export { createUserWithWorkspace } from './auth/accounts.service.ts';
export { principalFromApiKey } from './auth/api-keys.service.ts';
export { authRoutes } from './auth/auth.routes.ts';
export { principalForMember } from './auth/members.service.ts';
export { resetMfaByEmail } from './auth/mfa.service.ts';
export { can, type Principal } from './auth/principal.ts';
export { accessChanged, PrincipalCache } from './auth/principal-cache.ts';
export { createSecretBox, lazySecretBox, type SecretBox } from './auth/secret-box.ts';
export { readOrCreateSecretKey } from './auth/secret-key.ts';
export { deleteExpiredSessions, principalFromSession, type SessionPolicy } from './auth/sessions.service.ts';
export {
  createSignInThrottle,
  DEFAULT_THROTTLE,
  type SignInThrottle,
  type ThrottleLimits,
} from './auth/sign-in-throttle.ts';
export {
  type BackupManifest,
  restoreBackup,
  runningEmbeddedUrl,
  writeBackup,
} from './backup/backup.service.ts';
export { callsSettings } from './calls/calls.settings.ts';
export type { ServiceContext } from './context.ts';
export { DEMO_SIZES, type DemoSize, generateDemo } from './demo/demo.service.ts';
export { type EmailSettings, emailSettings } from './email/email.settings.ts';
export {
  AppError,
  type AppErrorCode,
  type ErrorStatuses,
  type FieldProblem,
  isAppError,
} from './errors/app-error.ts';
export { EventHub, type StreamEvent } from './events/event-hub.ts';
export { eventsRoutes } from './events/events.routes.ts';
export { EVENTS_CHANNEL, publishRecordEvents } from './events/events.service.ts';
export type { ChangeSource, RecordEvent, RecordEventKind } from './events/record-event.ts';
export { restoreWorkspaceArchive, writeWorkspaceArchive } from './exports/archive.service.ts';
export { exportsRoutes } from './exports/exports.routes.ts';
export { exportRecords, toCsv, toXlsx } from './exports/exports.service.ts';
export { presentedSerializer } from './http/presented-response.ts';
export {
  contextOf,
  principalOf,
  problemSchema,
  type RouteDeps,
  SESSION_COOKIE,
  unstorableText,
} from './http/route-kit.ts';
export { importsRoutes } from './imports/imports.routes.ts';
export {
  cancelImport,
  createImport,
  getImport,
  type ImportOptions,
  type ImportView,
  operatorPrincipal,
  runImport,
  runPendingImports,
} from './imports/imports.service.ts';
export { ENCODINGS } from './imports/sources.ts';
export { DEFAULT_HEARTBEAT, type HeartbeatSettings, startJobWorker } from './jobs/job-worker.ts';
export { cancelJob, type ScheduleJobInput, scheduleJob } from './jobs/jobs.service.ts';
export { createTaskList, crontab, startServices, type TaskDepsInput, taskDeps } from './jobs/task-list.ts';
export { metadataRoutes } from './metadata/metadata.routes.ts';
export { loadObjects } from './metadata/metadata.service.ts';
export type { FieldDef, ObjectDef } from './metadata/metadata.types.ts';
export { objectsOpenApi } from './metadata/openapi.ts';
export { MODULES } from './modules/index.ts';
export type * from './modules/manifest.ts';
export {
  buildRegistry,
  installModules,
  type Registry,
  registry,
  statusOfCode,
  type TaskSlots,
} from './modules/registry.ts';
export {
  assertSettingsRead,
  type DeclaredVariable,
  declaredVariables,
  defaultSettings,
  defineSettings,
  type EnvVariable,
  envSchema,
  envVariable,
  type ModuleSettings,
  type ModuleSettingsDecl,
  readEnvironment,
  type SettingsOf,
  type SettingsReader,
  type ValuesOf,
  type VariableSet,
} from './modules/settings.ts';
export { notificationsRoutes } from './notifications/notifications.routes.ts';
export { aggregateRoutes } from './records/aggregate.routes.ts';
export { aggregateRecords, compileAggregateQuery } from './records/aggregate.service.ts';
export { batchRecords } from './records/batch-records.ts';
export { createRecord } from './records/create-record.ts';
export { getRecord } from './records/get-record.ts';
export { compileListQuery, listRecords } from './records/list-records.ts';
export { recordsRoutes } from './records/records.routes.ts';
export { updateRecord } from './records/update-record.ts';
export { rolesRoutes } from './roles/roles.routes.ts';
export { searchRoutes } from './search/search.routes.ts';
export { type SearchHit, searchRecords } from './search/search.service.ts';
export { timelineRoutes } from './timeline/timeline.routes.ts';
export { getTimeline, type TimelineEntry } from './timeline/timeline.service.ts';
export { viewsRoutes } from './views/views.routes.ts';
export { deliverDueWebhooks, signatureHeader } from './webhooks/webhook-delivery.ts';
export { webhooksRoutes } from './webhooks/webhooks.routes.ts';
export { webhooksSettings } from './webhooks/webhooks.settings.ts';
export { workflowsSettings } from './workflows/workflows.settings.ts';
export { membersRoutes } from './workspaces/members.routes.ts';
export { teamsRoutes } from './workspaces/teams.routes.ts';
export { teamsOf } from './workspaces/teams.service.ts';
export { workspacesRoutes } from './workspaces/workspaces.routes.ts';

// Whoever loads Rabita's core gets its shipped modules installed; a process or test that runs another list
// installs that one instead (installModules).
import { MODULES as SHIPPED_MODULES } from './modules/index.ts';
import { installModules as install } from './modules/registry.ts';

install(SHIPPED_MODULES);
