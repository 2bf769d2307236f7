import type { ModuleManifest } from '../modules/manifest.ts';
import * as assignmentTables from './assignment.migrations.ts';
import { assignmentRoutes } from './assignment.routes.ts';
import { assignmentHooks } from './assignment-run.ts';
import * as benchIndexes from './bench-indexes.migrations.ts';
import * as replyTables from './canned-replies.migrations.ts';
import { cannedRepliesRoutes } from './canned-replies.routes.ts';
import * as caseWorkflowTables from './case-workflows.migrations.ts';
import { caseWorkflowsRoutes } from './case-workflows.routes.ts';
import * as complaintTables from './complaints.migrations.ts';
import { complaintsRoutes } from './complaints.routes.ts';
import { complaintHooks } from './complaints.service.ts';
import * as conversationTables from './conversation.migrations.ts';
import { conversationRoutes } from './conversation.routes.ts';
import * as csatTables from './csat.migrations.ts';
import { csatPages, csatRoutes } from './csat.routes.ts';
import { CSAT_TASK, sendSurvey } from './csat.service.ts';
import * as fcrColumns from './fcr.migrations.ts';
import * as inboxIndexes from './inbox.migrations.ts';
import * as inboxByOwner from './inbox-by-owner.migrations.ts';
import * as kbTables from './kb.migrations.ts';
import { kbPages, kbRoutes } from './kb.routes.ts';
import * as kbMatchesByWorkspace from './kb-matches-by-workspace.migrations.ts';
import * as kbSearchHead from './kb-search-head.migrations.ts';
import * as keysLedByWorkspace from './keys-led-by-workspace.migrations.ts';
import { macrosRoutes } from './macros.routes.ts';
import * as mailTables from './mail.migrations.ts';
import { mailRoutes } from './mail.routes.ts';
import { takeMail } from './mail-desk.ts';
import * as metricsTables from './metrics.migrations.ts';
import { metricsRoutes } from './metrics.routes.ts';
import * as npsTables from './nps.migrations.ts';
import { npsPages, npsRoutes } from './nps.routes.ts';
import { NPS_RUN_TASK, NPS_SEND_TASK, runNpsCampaignPage, sendTicketNps } from './nps.service.ts';
import * as npsObject from './nps-object.migrations.ts';
import * as presenceTables from './presence.migrations.ts';
import { presenceRoutes } from './presence.routes.ts';
import * as priorityRank from './priority-rank.migrations.ts';
import * as returnTables from './returns.migrations.ts';
import { returnsRoutes } from './returns.routes.ts';
import { returnHooks } from './returns.service.ts';
import { returnsTimeline } from './returns.timeline.ts';
import * as satisfactionColumn from './satisfaction.migrations.ts';
import { serviceMetrics } from './service.metrics.ts';
import { npsSurveys, tickets } from './service.objects.ts';
import * as slaTables from './sla.migrations.ts';
import { slaRoutes } from './sla.routes.ts';
import {
  runDueJob,
  runPolicyJob,
  SLA_DUE_TASK,
  SLA_POLICY_TASK,
  SLA_SWEEP_TASK,
  sweepDueTickets,
} from './sla-desk.ts';
import { ticketFormTarget } from './tickets.form-target.ts';
import { ticketHooks } from './tickets.hooks.ts';
import * as ticketTables from './tickets.migrations.ts';

/** The service desk: tickets (numbered, their resolution stamped), SLA policies and clocks, and later the inbox and surveys. */
export const serviceModule: ModuleManifest = {
  key: 'service',
  objects: [tickets, npsSurveys],
  routes: [
    conversationRoutes,
    slaRoutes,
    kbRoutes,
    cannedRepliesRoutes,
    macrosRoutes,
    mailRoutes,
    presenceRoutes,
    metricsRoutes,
    csatRoutes,
    npsRoutes,
    assignmentRoutes,
    complaintsRoutes,
    returnsRoutes,
    caseWorkflowsRoutes,
  ],
  migrations: {
    'service-0001-tickets': ticketTables,
    'service-0002-conversation': conversationTables,
    'service-0003-sla': slaTables,
    'service-0004-replies': replyTables,
    'service-0005-mail': mailTables,
    'service-0006-kb': kbTables,
    'service-0007-presence': presenceTables,
    'service-0008-metrics': metricsTables,
    'service-0009-csat': csatTables,
    'service-0010-inbox-indexes': inboxIndexes,
    'service-0011-assignment': assignmentTables,
    'service-0012-complaints': complaintTables,
    'service-0013-returns': returnTables,
    'service-0014-nps': npsTables,
    'service-0015-fcr': fcrColumns,
    'service-0016-bench-indexes': benchIndexes,
    'service-0017-kb-search-head': kbSearchHead,
    'service-0018-priority-rank': priorityRank,
    'service-0019-case-workflows': caseWorkflowTables,
    'service-0020-keys-led-by-workspace': keysLedByWorkspace,
    'service-0021-satisfaction': satisfactionColumn,
    'service-0022-nps-object': npsObject,
    'service-0023-kb-matches-by-workspace': kbMatchesByWorkspace,
    'service-0024-inbox-by-owner': inboxByOwner,
  },
  pages: [kbPages, csatPages, npsPages],
  // Ticket assignment runs after the ticket's own hooks (its number and SLA) in the creating transaction.
  // A complaint's deadlines are stamped as its type is written; a return awaiting its item holds the SLA clocks
  // only while its ticket is a return.
  hooks: [ticketHooks, assignmentHooks, complaintHooks, returnHooks],
  // A return's moves (who, when, note) on the ticket's timeline.
  timelineSources: [returnsTimeline],
  // A canned reply rendered for a ticket merges its requester's and company's fields as the agent sees them.
  // A ticket's complaint shows its deadlines and when they were met, read from the ticket's fields through the gate.
  reportMetrics: serviceMetrics,
  readSurfaces: ['canned-reply-render', 'ticket-case'],
  // Customers' mail to the desk's shared mailboxes: new tickets, and answers on theirs.
  mailIntakes: [{ name: 'service-desk', take: takeMail }],
  // Web forms that open tickets (the form engine is sales'; the ticket and its requester are made here).
  formTargets: [ticketFormTarget],
  permissions: [
    { action: 'service.sla.manage', roles: [] },
    // Which shared mailboxes open tickets, and in which queue.
    { action: 'service.channels.manage', roles: [] },
    // Writing the knowledge base; everyone signed in reads it.
    { action: 'service.kb.manage', roles: [] },
    // Shared canned replies and macros; anyone keeps personal replies.
    { action: 'service.replies.manage', roles: [] },
    // Ticket assignment rules, agents' capacity and skills, and others' availability; agents set their own.
    { action: 'service.assignment.manage', roles: [] },
    // Complaint categories, root causes, return reason codes and the complaint deadlines.
    { action: 'service.cases.manage', roles: [] },
    // Approving, refunding, replacing or rejecting a return.
    { action: 'service.returns.decide', roles: [] },
  ],
  tasks: {
    /** Sends a ticket resolution's NPS survey after the workspace's delay (unless reopened or throttled). */
    [NPS_SEND_TASK]: (deps) => async (payload) => {
      if (!deps.secrets) throw new Error('The NPS job needs the server key to seal its links.');
      await sendTicketNps(deps.db, payload as Parameters<typeof sendTicketNps>[1], {
        secrets: deps.secrets,
        publicUrl: deps.publicUrl,
      });
    },
    /** One page of a relationship NPS campaign's run (its people surveyed), queuing the next page. */
    [NPS_RUN_TASK]: (deps) => async (payload) => {
      if (!deps.secrets) throw new Error('The NPS job needs the server key to seal its links.');
      await runNpsCampaignPage(deps.db, payload as Parameters<typeof runNpsCampaignPage>[1], {
        secrets: deps.secrets,
        publicUrl: deps.publicUrl,
      });
    },
    /** Sends a resolution's satisfaction survey after the workspace's delay (unless the ticket reopened). */
    [CSAT_TASK]: (deps) => async (payload) => {
      if (!deps.secrets) throw new Error('The survey job needs the server key to seal its links.');
      await sendSurvey(deps.db, payload as Parameters<typeof sendSurvey>[1], {
        secrets: deps.secrets,
        publicUrl: deps.publicUrl,
      });
    },
    /** A ticket's next SLA warning or deadline: its clocks rebuilt, the ticket's SLA fields written. */
    [SLA_DUE_TASK]: (deps) => async (payload) => {
      await runDueJob(deps.db, payload as Parameters<typeof runDueJob>[1]);
    },
    /** The next page of a changed policy's tickets moved to its new version. */
    [SLA_POLICY_TASK]: (deps) => async (payload) => {
      await runPolicyJob(deps.db, payload as Parameters<typeof runPolicyJob>[1]);
    },
    /** Every minute: tickets whose SLA job was lost. */
    [SLA_SWEEP_TASK]: (deps) => async () => {
      await sweepDueTickets(deps.db);
    },
  },
  crontab: [`* * * * * ${SLA_SWEEP_TASK} ?max=1`],
};
