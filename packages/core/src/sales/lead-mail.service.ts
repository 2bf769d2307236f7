import { rememberedIn, type Tx } from '@rabita/db';
import { can, type Principal, servicePrincipal } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { linkMessageToRecord, peopleWith } from '../email/email-store.ts';
import { sharedMailboxOrFail, takesMail, visibleText, withSharedMailboxes } from '../email/mail-intake.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import type { InboundMail } from '../modules/manifest.ts';
import { captureLead, findOpenLead } from './lead-capture.service.ts';
import * as repo from './lead-mail.repository.ts';

/**
 * The principal lead mail writes as: no person; reads and makes leads and their first note. Nothing else (the
 * sender's person is looked up by the email module's own matcher).
 */
function intakePrincipal(workspaceId: string): Principal {
  return servicePrincipal(workspaceId, {
    id: '00000000-0000-0000-0000-000000000000',
    key: 'salesMail',
    name: 'Sales lead mail',
    permissions: {
      actions: [],
      objects: {
        leads: { read: true, create: true, update: false, delete: false },
        activities: { read: true, create: true, update: false, delete: false },
      },
    },
  });
}

/**
 * Takes a stranger's mail to a lead mailbox: the mail joins the sender's open lead (linked, so it shows on the
 * lead's timeline), or makes one — named from the From display name, with the address, the mailbox's source and
 * the subject and the sender's own words as its first note — when the sender is not already a person. Bounces,
 * auto-replies, mail dated before the mailbox was turned on (a first sync's history) and replies on a thread
 * already linked to a lead make nothing new; mail from the workspace's own members and mailboxes never reaches an
 * intake. Taking the same message again finds the lead it made.
 */
export async function takeLeadMail(ctx: { trx: Tx; workspaceId: string }, mail: InboundMail): Promise<void> {
  const { trx, workspaceId } = ctx;
  if (mail.bounce || mail.autoReply || !mail.from) return;
  // Read once per storing transaction: a synced batch hands its messages over one by one.
  const box = await rememberedIn(trx, `lead-mailbox:${mail.mailbox.id}`, () =>
    repo.selectLeadMailbox(trx, workspaceId, mail.mailbox.id),
  );
  if (!takesMail(box, mail)) return;
  // Its thread is a lead's already: the store linked this message to it with the thread.
  if (mail.links.some((l) => l.object === 'leads')) return;
  const sender = mail.from.address;
  let leadId = await findOpenLead(trx, workspaceId, { email: sender });
  if (!leadId) {
    // A customer or contact writing in is not a new lead: the email module linked the mail to their person.
    if ((await peopleWith(trx, workspaceId, sender)).length > 0) return;
    const body = visibleText(mail.text);
    const captured = await captureLead(
      trx,
      intakePrincipal(workspaceId),
      {
        name: mail.from.name,
        email: sender,
        source: box.source,
        note: { subject: mail.subject, body: body || mail.subject, at: mail.sentAt },
      },
      { source: 'system', cause: { kind: 'salesMail', runId: mail.id, depth: 0 } },
    );
    leadId = captured.id;
  }
  await linkMessageToRecord(trx, workspaceId, mail, { object: 'leads', id: leadId });
}

/** A shared mailbox whose mail makes leads, as the lead settings show it. */
export interface LeadMailboxView {
  mailboxId: string;
  name: string;
  address: string;
  /** It can send (has an SMTP server). */
  sends: boolean;
  enabled: boolean;
  /** Mail dated from this moment on makes leads. */
  since: string;
  /** The `source` its leads are given. */
  source: string;
}

function assertManager(ctx: ServiceContext): void {
  if (!can(ctx.principal, 'sales.forms.manage'))
    throw new AppError(
      'forbidden',
      'Your role may not change where leads come in from (sales.forms.manage).',
    );
}

const present = (row: repo.LeadMailboxRow & { name: string; address: string; sends: boolean }) => ({
  mailboxId: row.mailboxId,
  name: row.name,
  address: row.address,
  sends: row.sends,
  enabled: row.enabled,
  since: row.since.toISOString(),
  source: row.source,
});

/** The shared mailboxes whose mail makes leads (read by anyone who manages lead capture). */
export async function listLeadMailboxes(ctx: ServiceContext): Promise<LeadMailboxView[]> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) =>
    (await withSharedMailboxes(trx, ws, await repo.selectLeadMailboxes(trx, ws))).map(present),
  );
}

/** Makes a shared mailbox's mail from strangers become leads with a source (or changes it, or turns it off). */
export async function putLeadMailbox(
  ctx: ServiceContext,
  mailboxId: string,
  input: { enabled: boolean; source: string },
): Promise<LeadMailboxView> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    const box = await sharedMailboxOrFail(trx, ws, mailboxId);
    const row = await repo.upsertLeadMailbox(trx, ws, { mailboxId: box.id, ...input });
    return present({ ...row, ...box });
  });
}

/** Stops a mailbox making leads (its mail and the leads it made stay). */
export async function deleteLeadMailbox(ctx: ServiceContext, mailboxId: string): Promise<void> {
  assertManager(ctx);
  await inWorkspace(ctx, async (trx, ws) => {
    if (!isUuid(mailboxId) || !(await repo.deleteLeadMailbox(trx, ws, mailboxId)))
      throw new AppError('not_found', `The mailbox ${mailboxId} does not make leads.`);
  });
}
