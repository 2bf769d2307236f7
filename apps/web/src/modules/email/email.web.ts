import { lazy } from 'react';
import { defineWebModule } from '../web-module.ts';
import { UndoSendNotice } from './components/UndoSendNotice.tsx';
import { emailKeys } from './utils/email-keys.ts';

/**
 * Email: mailboxes connected in settings (status, sync progress, what was skipped, the outbox, stopped
 * addresses), templates with a variant per language and their numbers, signatures, sequences and their
 * enrolments; emails on the timelines of people, companies and deals, a thread's messages in sandboxed frames, and
 * a composer for new mail and replies (from a template, to send later, with a few seconds to undo).
 */
export const emailWeb = defineWebModule({
  name: 'email',
  settingsTabs: [
    {
      value: 'mailboxes',
      labelKey: 'email.mailboxesTab',
      // Everyone connects their own mailbox; the shared ones show to mailbox managers (the server decides).
      permission: null,
      order: 7,
      component: lazy(() => import('./components/MailboxesSettings.tsx')),
    },
    {
      value: 'email-templates',
      labelKey: 'email.templatesTab',
      // Everyone writes their own templates and signature; shared ones are changed by mailbox managers.
      permission: null,
      order: 8,
      component: lazy(() => import('./components/TemplatesSettings.tsx')),
    },
    {
      value: 'sequences',
      labelKey: 'email.sequencesTab',
      // Sequences are the workspace's: everyone reads and enrols; their author or a mailbox manager changes one.
      permission: null,
      order: 9,
      component: lazy(() => import('./components/SequencesSettings.tsx')),
    },
  ],
  // The undo notice of a send outlives the composer and the page it was sent from.
  header: [{ order: 90, component: UndoSendNotice }],
  recordPanels: [
    {
      id: 'email',
      objects: ['people', 'companies', 'deals'],
      area: 'side',
      // Just above the timeline, where the emails show.
      order: 9,
      component: lazy(() => import('./components/EmailPanel.tsx')),
    },
  ],
  timelineEntries: [{ kind: 'email', component: lazy(() => import('./components/EmailTimelineEntry.tsx')) }],
  live: {
    // A record's change may link or unlink mail (a person's new address): open threads refresh.
    records: (qc) => void qc.invalidateQueries({ queryKey: emailKeys.threads }),
  },
});
