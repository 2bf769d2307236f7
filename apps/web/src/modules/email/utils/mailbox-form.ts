import type { CreateMailboxBody, Mailbox, PatchMailboxBody, Security, Visibility } from './email-types.ts';

/** What the connect / edit form holds; the secret stays empty when editing unless it is being replaced. */
export interface MailboxDraft {
  name: string;
  address: string;
  kind: 'personal' | 'shared';
  imapHost: string;
  imapPort: number;
  imapSecurity: Security;
  useSmtp: boolean;
  smtpHost: string;
  smtpPort: number;
  smtpSecurity: Security;
  /** Empty means the address (most providers log in with it). */
  username: string;
  auth: 'password' | 'xoauth2';
  secret: string;
  syncDays: number;
  createPeople: boolean;
  visibility: Visibility;
}

/** The usual port for each protection: what a provider's help page names. */
export const IMAP_PORTS: Record<Security, number> = { tls: 993, starttls: 143, none: 143 };
export const SMTP_PORTS: Record<Security, number> = { tls: 465, starttls: 587, none: 25 };

/** A new mailbox: IMAP over TLS, no SMTP yet, the last 90 days, everything visible. */
export function blankDraft(): MailboxDraft {
  return {
    name: '',
    address: '',
    kind: 'personal',
    imapHost: '',
    imapPort: IMAP_PORTS.tls,
    imapSecurity: 'tls',
    useSmtp: false,
    smtpHost: '',
    smtpPort: SMTP_PORTS.starttls,
    smtpSecurity: 'starttls',
    username: '',
    auth: 'password',
    secret: '',
    syncDays: 90,
    createPeople: false,
    visibility: 'everything',
  };
}

/** The form for editing a mailbox: its settings, the secret left empty ("keep"). */
export function draftOf(m: Mailbox): MailboxDraft {
  return {
    name: m.name,
    address: m.address,
    kind: m.kind,
    imapHost: m.imap.host,
    imapPort: m.imap.port,
    imapSecurity: m.imap.security,
    useSmtp: m.smtp !== null,
    smtpHost: m.smtp?.host ?? '',
    smtpPort: m.smtp?.port ?? SMTP_PORTS.starttls,
    smtpSecurity: m.smtp?.security ?? 'starttls',
    username: m.username,
    auth: m.auth,
    secret: '',
    syncDays: m.syncDays,
    createPeople: m.createPeople,
    visibility: m.visibility,
  };
}

/**
 * A new protection for IMAP or SMTP; the port follows when it was the usual one of the old protection (993 to
 * 143), and stays when someone typed a port of their own.
 */
export function withSecurity(draft: MailboxDraft, which: 'imap' | 'smtp', security: Security): MailboxDraft {
  if (which === 'imap') {
    const usual = draft.imapPort === IMAP_PORTS[draft.imapSecurity];
    return { ...draft, imapSecurity: security, imapPort: usual ? IMAP_PORTS[security] : draft.imapPort };
  }
  const usual = draft.smtpPort === SMTP_PORTS[draft.smtpSecurity];
  return { ...draft, smtpSecurity: security, smtpPort: usual ? SMTP_PORTS[security] : draft.smtpPort };
}

const imapOf = (d: MailboxDraft) => ({ host: d.imapHost.trim(), port: d.imapPort, security: d.imapSecurity });
const smtpOf = (d: MailboxDraft) =>
  d.useSmtp ? { host: d.smtpHost.trim(), port: d.smtpPort, security: d.smtpSecurity } : null;
const usernameOf = (d: MailboxDraft) => d.username.trim() || d.address.trim();

/** The body that connects a new mailbox. */
export function createBody(d: MailboxDraft): CreateMailboxBody {
  return {
    name: d.name.trim(),
    address: d.address.trim(),
    kind: d.kind,
    imap: imapOf(d),
    smtp: smtpOf(d),
    username: usernameOf(d),
    auth: d.auth,
    secret: d.secret,
    syncDays: d.syncDays,
    createPeople: d.createPeople,
    visibility: d.visibility,
  };
}

const sameServer = (
  a: { host: string; port: number; security: Security } | null,
  b: { host: string; port: number; security: Security } | null,
) =>
  a === b ||
  (a !== null && b !== null && a.host === b.host && a.port === b.port && a.security === b.security);

/**
 * Only what the form changed: the server checks new credentials and reconnects the sync when connection settings
 * change, so an untouched setting is not sent. An empty secret keeps the saved one.
 */
export function patchBody(d: MailboxDraft, m: Mailbox): PatchMailboxBody {
  const body: PatchMailboxBody = {};
  if (d.name.trim() !== m.name) body.name = d.name.trim();
  if (d.address.trim() !== m.address) body.address = d.address.trim();
  if (!sameServer(imapOf(d), m.imap)) body.imap = imapOf(d);
  if (!sameServer(smtpOf(d), m.smtp)) body.smtp = smtpOf(d);
  if (usernameOf(d) !== m.username) body.username = usernameOf(d);
  if (d.auth !== m.auth) body.auth = d.auth;
  if (d.secret !== '') body.secret = d.secret;
  if (d.syncDays !== m.syncDays) body.syncDays = d.syncDays;
  if (d.createPeople !== m.createPeople) body.createPeople = d.createPeople;
  if (d.visibility !== m.visibility) body.visibility = d.visibility;
  return body;
}
