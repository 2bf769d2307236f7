import { type Database, type Tx, withWorkspace } from '@rabita/db';
import type MailComposerClass from 'nodemailer/lib/mail-composer/index.js';
import type { Principal } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { escapeHtml } from '../http/escape-html.ts';
import { newId } from '../ids.ts';
import { lazyPackage } from '../lazy-package.ts';
import { readRecords } from '../records/gate.ts';
import {
  insertTrackedLinks,
  type MailboxRow,
  type MessageSummaryRow,
  selectAttachmentContent,
  selectAttachments,
  selectMailbox,
  selectMessage,
  selectReadableMailboxIds,
  selectSignature,
  selectSuppressions,
  selectThreadMessages,
  setMessageTemplate,
} from './email.repository.ts';
import { type Access, messageAccess } from './email-access.ts';
import { internalAddresses, storeMessage } from './email-store.ts';
import { appendToSent, sendRaw } from './mail-connections.ts';
import type { MailDeps } from './mailboxes.service.ts';
import { htmlToPlainText, normaliseAddress, parseMessage, sanitiseEmailHtml } from './message-parse.ts';
import { remoteImageUrls } from './remote-images.ts';
import { type Rendered, renderTemplateIn } from './templates.service.ts';
import { sealToken, trackHtml } from './tracking.ts';
import { openUploads } from './uploads.ts';

const mailComposer = lazyPackage<typeof MailComposerClass>('nodemailer/lib/mail-composer/index.js');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A message as the API shows it, cut to what the reader may see. */
export interface MessageView {
  id: string;
  threadId: string;
  access: Access;
  messageId: string;
  subject: string | null;
  from: { address: string; name: string | null } | null;
  to: { address: string; name: string }[];
  cc: { address: string; name: string }[];
  sentAt: string;
  snippet: string | null;
  direction: 'in' | 'out' | 'internal';
  autoReply: boolean;
  tooLarge: boolean;
  hasAttachments: boolean;
  text?: string | null | undefined;
  hasHtml?: boolean | undefined;
  /** Remote images in the HTML, blocked until the reader shows them (through Rabita's image proxy). */
  remoteImages?: number | undefined;
  attachments?:
    | {
        position: number;
        filename: string;
        contentType: string;
        size: number;
        stored: boolean;
        inline: boolean;
      }[]
    | undefined;
}

/** A message summary cut to the reader's access: metadata shows who and when, subject adds the subject. */
export function presentMessage(row: MessageSummaryRow, access: Access): MessageView {
  return {
    id: row.id,
    threadId: row.thread_id,
    access,
    messageId: row.message_id,
    subject: access === 'metadata' ? null : row.subject,
    from: row.from_address ? { address: row.from_address, name: row.from_name } : null,
    to: row.recipients.to ?? [],
    cc: row.recipients.cc ?? [],
    sentAt: row.sent_at.toISOString(),
    snippet: access === 'full' ? row.snippet : null,
    direction: row.direction,
    autoReply: row.auto_reply,
    tooLarge: row.too_large,
    hasAttachments: access === 'full' && row.has_attachments,
  };
}

function notFound(id: string): AppError {
  return new AppError('not_found', `There is no email message ${id}.`);
}

/** Every message of a thread the caller may see, oldest first, with bodies where they see everything. */
export async function getThread(ctx: ServiceContext, threadId: string): Promise<MessageView[]> {
  if (!UUID.test(threadId)) throw new AppError('not_found', `There is no email thread ${threadId}.`);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const rows = await selectThreadMessages(trx, workspaceId, threadId);
    const access = await messageAccess(trx, ctx.principal, rows);
    const shown = rows.filter((r) => access.has(r.id));
    if (shown.length === 0) throw new AppError('not_found', `There is no email thread ${threadId}.`);
    const attachments = await selectAttachments(
      trx,
      workspaceId,
      shown.filter((r) => access.get(r.id) === 'full').map((r) => r.id),
    );
    return shown.map((r) => {
      const a = access.get(r.id)!;
      const view = presentMessage(r, a);
      if (a !== 'full') return view;
      return {
        ...view,
        text: r.body_text,
        hasHtml: r.body_html !== null,
        remoteImages: r.body_html === null ? 0 : remoteImageUrls(r.body_html).length,
        attachments: attachments
          .filter((x) => x.message_id === r.id)
          .map((x) => ({
            position: x.position,
            filename: x.filename,
            contentType: x.content_type,
            size: x.size,
            stored: x.stored,
            inline: x.inline,
          })),
      };
    });
  });
}

/** A message the caller may read in full (its bodies included); not found otherwise. */
export async function readableMessage(ctx: ServiceContext, id: string) {
  if (!UUID.test(id)) throw notFound(id);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const row = await selectMessage(trx, workspaceId, id);
    if (!row) throw notFound(id);
    const access = (await messageAccess(trx, ctx.principal, [row])).get(row.id);
    if (access !== 'full') throw notFound(id);
    return row;
  });
}

/**
 * A message's HTML as a whole document for a sandboxed frame: already sanitised when stored, with `dir="auto"`
 * and links opening outside. It is served with a Content-Security-Policy that runs nothing and loads no remote
 * image: remote images stay blocked (their count is in `remoteImages`) unless `showImages` rewrites them to
 * Rabita's image proxy.
 */
export async function messageHtml(
  ctx: ServiceContext,
  id: string,
  showImages?: (html: string) => string,
): Promise<string> {
  const row = await readableMessage(ctx, id);
  const body =
    (row.body_html !== null && showImages ? showImages(row.body_html) : row.body_html) ??
    `<pre style="white-space:pre-wrap;font:inherit">${escapeHtml(row.body_text)}</pre>`;
  return `<!doctype html><html dir="auto"><head><meta charset="utf-8"><base target="_blank"><style>body{font-family:system-ui,Vazirmatn,sans-serif;margin:8px;overflow-wrap:anywhere}img{max-width:100%;height:auto}</style></head><body dir="auto">${body}</body></html>`;
}

/** An attachment's bytes, for a caller who may see the whole message. */
export async function messageAttachment(ctx: ServiceContext, id: string, position: number) {
  await readableMessage(ctx, id);
  const found = await withWorkspace(ctx.db, ctx.principal.workspaceId, (trx) =>
    selectAttachmentContent(trx, ctx.principal.workspaceId, id, position),
  );
  if (!found) throw new AppError('not_found', `Message ${id} has no stored attachment ${position}.`);
  return found;
}

/** What a caller sends. */
export interface SendInput {
  mailboxId: string;
  to: string[];
  cc?: string[] | undefined;
  bcc?: string[] | undefined;
  subject?: string | undefined;
  html?: string | undefined;
  text?: string | undefined;
  /** The message replied to (its id in Rabita): the reply keeps its thread. */
  replyTo?: string | undefined;
  /** The record the message is written from (the thread is linked to it). */
  record?: { object: string; id: string } | undefined;
  /** Upload tokens (`POST /email/attachments`) of files the sender uploaded. */
  attachments?: string[] | undefined;
  /** A template rendered for `record` (the sender's view of it) when no subject or body is given. */
  templateId?: string | undefined;
  /** Appends the sender's signature. */
  signature?: boolean | undefined;
  /** Sequence or campaign mail: carries an unsubscribe link, and is not sent to those who unsubscribed. */
  bulk?: boolean | undefined;
  /** Tracks opens (an image) and clicks (links through Rabita) — needs RABITA_PUBLIC_URL reachable by recipients. */
  track?: boolean | undefined;
  /** The Message-ID's local part (an outbox entry's id, so a retried send keeps one Message-ID). */
  messageKey?: string | undefined;
  /** The language the message is written in (its `Content-Language` and the document's `lang`). */
  language?: 'en' | 'ar' | 'fa' | undefined;
  /**
   * Sent for the workspace from a shared mailbox by another module's decision (a service-desk reply): the sender
   * need not read the mailbox, and `replyTo` need not be a message the sender may see. Set only by
   * `queueWorkspaceSend`, never from a request.
   */
  workspaceSend?: boolean | undefined;
}

const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/;
const STRONG = /[A-Za-z\u00c0-\u024f\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/;

/** `rtl` when the first strong letter of the text is Arabic, Persian or Hebrew. */
export function directionOf(text: string): 'rtl' | 'ltr' {
  const first = STRONG.exec(text)?.[0];
  return first && RTL.test(first) ? 'rtl' : 'ltr';
}

function addresses(values: readonly string[] | undefined, field: string): string[] {
  return (values ?? []).map((v) => {
    const a = normaliseAddress(v);
    if (!a)
      throw new AppError('validation_failed', `"${v}" is not an email address.`, {
        errors: [{ field, message: `"${v}" is not an email address.` }],
      });
    return a;
  });
}

/** What a send checked in the caller's workspace: the mailbox, the message replied to, the sender's name. */
export interface PreparedSend {
  mailbox: MailboxRow;
  parent: Awaited<ReturnType<typeof selectMessage>>;
  senderName: string;
  to: string[];
  cc: string[];
  bcc: string[];
  rendered?: (Rendered & { templateId: string }) | undefined;
  signature?: string | undefined;
}

/**
 * Checks a send for its caller, in their workspace transaction: a person (not an API key) sending through a
 * mailbox they own or read that has an SMTP server, to real addresses, replying to a message they may see, from a
 * record they may read.
 */
export async function prepareSend(trx: Tx, principal: Principal, input: SendInput): Promise<PreparedSend> {
  if (!principal.userId) throw new AppError('forbidden', 'Email is sent by a person: send it signed in.');
  const to = addresses(input.to, 'to');
  const cc = addresses(input.cc, 'cc');
  const bcc = addresses(input.bcc, 'bcc');
  if (to.length + cc.length + bcc.length === 0)
    throw new AppError('validation_failed', 'A message needs at least one recipient.', {
      errors: [{ field: 'to', message: 'Add at least one recipient.' }],
    });
  const workspaceId = principal.workspaceId;
  // A hard bounce stops all mail to the address; an unsubscribe stops sequence and campaign mail only.
  const suppressed = (await selectSuppressions(trx, workspaceId, [...to, ...cc, ...bcc])).filter(
    (s) => input.bulk || s.reason !== 'unsubscribed',
  );
  if (suppressed.length > 0)
    throw new AppError(
      'validation_failed',
      'Some recipients bounced hard or unsubscribed; mail to them is stopped.',
      {
        errors: suppressed.map((s) => ({
          field: to.includes(s.address) ? 'to' : cc.includes(s.address) ? 'cc' : 'bcc',
          message: `${s.address} is suppressed since ${s.at.toISOString().slice(0, 10)} (${s.reason}); clear it under suppressions to send again.`,
        })),
      },
    );
  const mailbox = UUID.test(input.mailboxId)
    ? await selectMailbox(trx, workspaceId, input.mailboxId)
    : undefined;
  const readable = input.workspaceSend
    ? new Set(mailbox?.kind === 'shared' ? [mailbox.id] : [])
    : await selectReadableMailboxIds(trx, workspaceId, principal.userId);
  if (!mailbox || !readable.has(mailbox.id))
    throw new AppError('not_found', `There is no mailbox ${input.mailboxId}.`);
  if (!mailbox.smtp_host || !mailbox.smtp_port || !mailbox.smtp_security)
    throw new AppError(
      'validation_failed',
      `The mailbox ${mailbox.address} has no SMTP server to send with.`,
      {
        errors: [{ field: 'mailboxId', message: 'Add an SMTP server to the mailbox first.' }],
      },
    );
  let parent: Awaited<ReturnType<typeof selectMessage>>;
  if (input.replyTo) {
    parent = UUID.test(input.replyTo) ? await selectMessage(trx, workspaceId, input.replyTo) : undefined;
    const access =
      parent && input.workspaceSend
        ? 'full'
        : parent
          ? (await messageAccess(trx, principal, [parent])).get(parent.id)
          : undefined;
    if (!parent || !access) throw new AppError('not_found', `There is no email message ${input.replyTo}.`);
  }
  if (input.record) {
    const seen = await readRecords(trx, principal, input.record.object, [input.record.id], {
      fields: ['id'],
    });
    if (!seen.has(input.record.id))
      throw new AppError('not_found', `There is no ${input.record.object} record ${input.record.id}.`);
  }
  const member = await trx
    .selectFrom('users')
    .select(['name'])
    .where('id', '=', principal.userId)
    .executeTakeFirst();
  const rendered = input.templateId
    ? await renderTemplateIn(trx, principal, input.templateId, input.record)
    : undefined;
  const signature = input.signature ? await selectSignature(trx, workspaceId, principal.userId) : undefined;
  return { mailbox, parent, senderName: member?.name ?? mailbox.name, to, cc, bcc, rendered, signature };
}

/**
 * Sends a checked message over its mailbox's SMTP server, then keeps a copy in its Sent folder (unless the provider
 * keeps one itself) and stores it at once, threaded and linked. A reply carries the parent's References plus its
 * Message-ID, and Rabita's own Message-ID is kept whatever the provider does.
 */
export async function transmit(
  db: Database,
  principal: Principal,
  input: SendInput,
  prepared: PreparedSend,
  deps: MailDeps,
): Promise<MessageView> {
  const { mailbox, parent, senderName, to, cc, bcc, rendered, signature } = prepared;
  // A reply keeps its thread's subject, whatever a template says.
  const subject = input.subject ?? (parent ? replySubject(parent.subject) : (rendered?.subject ?? ''));
  const givenHtml = input.html ?? (input.text === undefined ? rendered?.html : undefined);
  const bodyText = input.text ?? (givenHtml ? htmlToPlainText(givenHtml) : '');
  const dir = directionOf(bodyText.trim() ? bodyText : subject);
  const inner =
    (givenHtml
      ? sanitiseEmailHtml(givenHtml, {}).html
      : `<div dir="auto" style="white-space:pre-wrap">${escapeHtml(bodyText)}</div>`) +
    (signature ? `<div dir="auto" class="rabita-signature"><br>-- <br>${signature}</div>` : '');
  const domain = mailbox.address.split('@')[1] ?? 'rabita.invalid';
  const key = input.messageKey ?? newId();
  const messageId = `<${key}@${domain}>`;
  const lang = input.language ? ` lang="${input.language}"` : '';
  let html = `<!doctype html><html dir="${dir}"${lang}><head><meta charset="utf-8"></head><body dir="${dir}">${inner}</body></html>`;
  const unsubscribe =
    input.bulk && deps.publicUrl
      ? `${deps.publicUrl}/t/u/${sealToken(await deps.secrets.get(), { workspaceId: principal.workspaceId, messageId: `${key}@${domain}`, position: -2 })}`
      : undefined;
  if (input.track && deps.publicUrl) {
    const tracked = trackHtml(
      html,
      await deps.secrets.get(),
      deps.publicUrl,
      principal.workspaceId,
      `${key}@${domain}`,
    );
    html = tracked.html;
    await withWorkspace(db, principal.workspaceId, (trx) =>
      insertTrackedLinks(trx, principal.workspaceId, `${key}@${domain}`, tracked.urls),
    );
  }
  const references = parent ? [...parent.refs.map((r) => `<${r}>`), `<${parent.message_id}>`] : undefined;
  const files = input.attachments?.length
    ? await openUploads(db, await deps.secrets.get(), principal, input.attachments)
    : [];
  const raw = await new (mailComposer())({
    from: { name: senderName, address: mailbox.address },
    to,
    cc,
    bcc,
    subject,
    html,
    text: htmlToPlainText(html),
    messageId,
    inReplyTo: parent ? `<${parent.message_id}>` : undefined,
    headers: {
      ...(unsubscribe
        ? { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
        : {}),
      ...(input.language ? { 'Content-Language': input.language } : {}),
    },
    references,
    attachments: files.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
  })
    .compile()
    .build();
  try {
    // A VERP return path: a bounce names the message it is about even when the report leaves its id out.
    await sendRaw(
      mailbox,
      deps,
      { from: verpAddress(mailbox.address, key), to: [...to, ...cc, ...bcc] },
      raw,
    );
  } catch (error) {
    throw new AppError(
      'mail_server_failed',
      `The SMTP server did not accept the message: ${(error as Error).message}`,
    );
  }
  const parsed = await parseMessage(raw, {
    maxBytes: 50 * 1024 * 1024,
    maxAttachmentBytes: 50 * 1024 * 1024,
  });
  const sent = await withWorkspace(db, principal.workspaceId, async (trx) => {
    const internal = await internalAddresses(trx, principal.workspaceId);
    const stored = await storeMessage(
      trx,
      principal.workspaceId,
      { id: mailbox.id, address: mailbox.address, ownerUserId: mailbox.owner_user_id, createPeople: false },
      undefined,
      parsed,
      { internal },
      { sentByUserId: principal.userId!, record: input.record },
    );
    if (rendered && stored.created)
      await setMessageTemplate(trx, principal.workspaceId, stored.id, rendered.templateId);
    return presentMessage((await selectMessage(trx, principal.workspaceId, stored.id))!, 'full');
  });
  // The copy in Sent only once the message is stored as sent (by whom, from which template): a sync that finds the
  // copy first would otherwise store it as mail from outside, and this store would only see it already there.
  await appendToSent(mailbox, deps, raw).catch(() => {});
  return sent;
}

/** Sends a message now (see `transmit`), checked for the caller first. */
export async function sendEmail(ctx: ServiceContext, input: SendInput, deps: MailDeps): Promise<MessageView> {
  const prepared = await inWorkspace(ctx, (trx) => prepareSend(trx, ctx.principal, input));
  return transmit(ctx.db, ctx.principal, input, prepared, deps);
}

/** The mailbox's address with the message's key as a `+rb-` tag (`sara+rb-<key>@example.com`). */
export function verpAddress(address: string, key: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}+rb-${key}${address.slice(at)}`;
}

/** "Re: " before a subject that does not start with a reply prefix already. */
export function replySubject(subject: string): string {
  return /^\s*(re|رد|پاسخ)\s*[:：]/i.test(subject) ? subject : `Re: ${subject}`;
}
