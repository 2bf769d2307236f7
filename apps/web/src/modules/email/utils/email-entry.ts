import type { EmailMessage, Mailbox } from './email-types.ts';

/** An email on a record's timeline: the message's summary, its fields at the top level of the entry. */
export type EmailEntry = Pick<
  EmailMessage,
  | 'id'
  | 'threadId'
  | 'access'
  | 'subject'
  | 'from'
  | 'to'
  | 'cc'
  | 'sentAt'
  | 'snippet'
  | 'direction'
  | 'autoReply'
  | 'hasAttachments'
>;

type Party = { address: string; name: string | null };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function partyOf(v: unknown): Party | null {
  if (!isRecord(v) || typeof v.address !== 'string') return null;
  return { address: v.address, name: text(v.name) };
}

function partiesOf(v: unknown): { address: string; name: string }[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((p) => {
    const party = partyOf(p);
    return party ? [{ address: party.address, name: party.name ?? '' }] : [];
  });
}

/** Reads a timeline entry of kind `email` as the timeline sends it; null when it is not one. */
export function emailEntryOf(entry: Record<string, unknown>): EmailEntry | null {
  const { id, threadId, access, direction, sentAt, at } = entry;
  if (typeof id !== 'string' || typeof threadId !== 'string') return null;
  if (access !== 'full' && access !== 'subject' && access !== 'metadata') return null;
  return {
    id,
    threadId,
    access,
    subject: text(entry.subject),
    from: partyOf(entry.from),
    to: partiesOf(entry.to),
    cc: partiesOf(entry.cc),
    sentAt: text(sentAt) ?? text(at) ?? '',
    snippet: text(entry.snippet),
    direction: direction === 'out' || direction === 'internal' ? direction : 'in',
    autoReply: entry.autoReply === true,
    hasAttachments: entry.hasAttachments === true,
  };
}

/** A person on a message as people read them: their name, else their address. */
export function partyLabel(p: { address: string; name: string | null } | null | undefined): string {
  if (!p) return '';
  return p.name?.trim() || p.address;
}

/** Addresses typed into one box, separated by commas, semicolons, spaces or new lines. */
export function splitAddresses(value: string): string[] {
  return value
    .split(/[,;\s،]+/)
    .map((a) => a.trim())
    .filter(Boolean);
}

/** The email addresses of a record (a person's `emails`), the primary one first. */
export function recordAddresses(record: Record<string, unknown>): string[] {
  const emails = record.emails;
  if (!Array.isArray(emails)) return [];
  const list = emails.flatMap((e): { address: string; primary: boolean }[] => {
    if (typeof e === 'string') return [{ address: e, primary: false }];
    if (isRecord(e) && typeof e.address === 'string')
      return [{ address: e.address, primary: e.primary === true }];
    return [];
  });
  return [...list.filter((e) => e.primary), ...list.filter((e) => !e.primary)].map((e) => e.address);
}

/** The subject of a reply: "Re: " before it, unless it already starts with a reply prefix (as the server does). */
export function replySubject(subject: string | null): string {
  const s = subject ?? '';
  return /^\s*(re|رد|پاسخ)\s*[:：]/i.test(s) ? s : `Re: ${s}`;
}

/** What a composer opens with when replying. */
export interface ReplyDraft {
  mailboxId: string | null;
  to: string[];
  subject: string;
  replyTo: string;
}

/**
 * A reply to a message: through the mailbox that holds it (its address is among the message's sender and
 * recipients), to the other side (the sender, or the recipients of a message we sent), with "Re:" on the subject.
 */
export function replyDraft(
  message: EmailEntry,
  mailboxes: readonly Pick<Mailbox, 'id' | 'address' | 'smtp'>[],
): ReplyDraft {
  const lower = (a: string) => a.toLowerCase();
  const sending = mailboxes.filter((m) => m.smtp !== null);
  const ours = new Set(mailboxes.map((m) => lower(m.address)));
  const involved = [
    message.from?.address,
    ...message.to.map((p) => p.address),
    ...message.cc.map((p) => p.address),
  ]
    .filter((a): a is string => typeof a === 'string')
    .map(lower);
  const mailbox = sending.find((m) => involved.includes(lower(m.address))) ?? sending[0];
  const fromUs = message.from !== null && ours.has(lower(message.from.address));
  const to = fromUs ? message.to.map((p) => p.address) : message.from ? [message.from.address] : [];
  return { mailboxId: mailbox?.id ?? null, to, subject: replySubject(message.subject), replyTo: message.id };
}

/**
 * A height for a message's frame (its content cannot be measured: the frame is sandboxed and of another origin),
 * guessed from the length of its text and kept between a few lines and most of a screen; the reader can resize it.
 */
export function frameHeight(text: string | null | undefined): number {
  const lines = (text ?? '').split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(line.length / 70)), 0);
  return Math.min(560, Math.max(140, lines * 24 + 48));
}
