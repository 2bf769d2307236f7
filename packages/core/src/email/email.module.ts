import type { ModuleManifest, TaskDeps } from '../modules/manifest.ts';
import { emailAnalyticsRoutes } from './analytics.routes.ts';
import * as claimByRow from './claim-by-row.migrations.ts';
import * as earlyBounceTables from './early-bounces.migrations.ts';
import { EMAIL_ERRORS } from './email.errors.ts';
import { announceReceivedMail, emailEvents } from './email.events.ts';
import { emailMetrics } from './email.metrics.ts';
import * as tables from './email.migrations.ts';
import { emailSends } from './email.objects.ts';
import { emailRoutes } from './email.routes.ts';
import { emailSettings } from './email.settings.ts';
import { emailTimeline } from './email.timeline.ts';
import type { MailDeps } from './mailboxes.service.ts';
import * as outboxTables from './outbox.migrations.ts';
import { deliverOutbox, SEND_TASK } from './outbox.service.ts';
import { rematchOnAddressChange } from './rematch.ts';
import * as sendSummaries from './send-summaries.migrations.ts';
import * as sendsView from './sends.migrations.ts';
import { dealClosedStopsSequences } from './sequences.events.ts';
import * as sequenceTables from './sequences.migrations.ts';
import { emailSequencesRoutes } from './sequences.routes.ts';
import { runSequenceStep, SEQUENCE_TASK } from './sequences.service.ts';
import { mailSyncService } from './sync-supervisor.ts';
import * as templateTables from './templates.migrations.ts';
import { emailTemplatesRoutes } from './templates.routes.ts';
import * as trackingTables from './tracking.migrations.ts';
import { trackingPages } from './tracking.routes.ts';

/** What sending needs, from the worker's dependencies. */
function mailDeps(deps: TaskDeps): MailDeps {
  if (!deps.secrets) throw new Error('The worker has no secret key to open mailbox passwords with.');
  return {
    secrets: deps.secrets,
    allowPrivate: deps.settings.of(emailSettings).allowPrivate,
    publicUrl: deps.publicUrl,
  };
}

/** Email: connected mailboxes synced over IMAP, messages threaded and linked to records, sending over SMTP. */
export const emailModule: ModuleManifest = {
  key: 'email',
  settings: emailSettings,
  objects: [emailSends],
  reportMetrics: emailMetrics,
  routes: [emailRoutes, emailTemplatesRoutes, emailAnalyticsRoutes, emailSequencesRoutes],
  subscribers: [dealClosedStopsSequences, rematchOnAddressChange],
  pages: [trackingPages],
  migrations: {
    'email-0001-tables': tables,
    'email-0002-outbox': outboxTables,
    'email-0003-templates': templateTables,
    'email-0004-tracking': trackingTables,
    'email-0005-sequences': sequenceTables,
    'email-0006-early-bounces': earlyBounceTables,
    'email-0007-claim-by-row': claimByRow,
    'email-0008-sends': sendsView,
    'email-0009-send-summaries': sendSummaries,
  },
  permissions: [{ action: 'mailboxes.manage', roles: [] }],
  errors: EMAIL_ERRORS,
  services: [mailSyncService],
  mailIntakes: [announceReceivedMail],
  moduleEvents: emailEvents,
  tasks: {
    /** Sends an outbox entry at its time, unless it was undone. */
    [SEND_TASK]: (deps) => async (payload, helpers) => {
      await deliverOutbox(deps.db, payload as { workspaceId: string; outboxId: string }, mailDeps(deps), {
        number: helpers.job.attempts,
        max: helpers.job.max_attempts,
      });
    },
    /** Sends an enrolment's next sequence step at its time (or waits for its window, pause or cap). */
    [SEQUENCE_TASK]: (deps) => async (payload, helpers) => {
      await runSequenceStep(
        deps.db,
        payload as { workspaceId: string; enrolmentId: string },
        mailDeps(deps),
        {
          number: helpers.job.attempts,
          max: helpers.job.max_attempts,
        },
      );
    },
  },
  timelineSources: [emailTimeline],
  // Threads and messages carry mail, never a record's field values (links are record ids, checked through the
  // gate); a template rendered for a record merges the record's fields as the caller may see them.
  readSurfaces: ['email-template-render'],
};
