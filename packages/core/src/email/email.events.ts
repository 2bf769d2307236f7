import { announce } from '../events/module-events.ts';
import type { MailIntake, ModuleEventDef } from '../modules/manifest.ts';

/** The module event of a message from outside reaching a person (workflows can start on it). */
export const EMAIL_RECEIVED = 'email.received';

export const emailEvents: ModuleEventDef[] = [
  {
    key: EMAIL_RECEIVED,
    object: 'people',
    payload: ['messageId', 'threadId', 'mailbox', 'from', 'sentAt', 'autoReply'],
  },
];

/**
 * Announces each new message from outside as `email.received` on every person it is linked to, inside the storing
 * transaction (through the email module's own mail-intake seam, like the desk and lead capture). Bounces are not
 * mail from a person and are not announced. The payload holds no subject or text: a mailbox may show readers only
 * its metadata, and a workflow's steps read the person through their owner's role, not the message.
 */
export const announceReceivedMail: MailIntake = {
  name: 'email-received-event',
  async take(ctx, mail) {
    if (mail.bounce) return;
    for (const link of mail.links) {
      if (link.object !== 'people') continue;
      await announce(ctx.trx, ctx.workspaceId, {
        key: EMAIL_RECEIVED,
        id: `${mail.id}:${link.recordId}`,
        record: { object: 'people', id: link.recordId },
        payload: {
          messageId: mail.id,
          threadId: mail.threadId,
          mailbox: mail.mailbox.address,
          from: mail.from?.address ?? null,
          sentAt: mail.sentAt.toISOString(),
          autoReply: mail.autoReply,
        },
      });
    }
  },
};
