import type { Tx } from '@rabita/db';
import type * as Nodemailer from 'nodemailer';
import { can, type Principal } from '../auth/principal.ts';
import type { SecretBox } from '../auth/secret-box.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { lazyPackage } from '../lazy-package.ts';
import { memberIdsIn } from '../workspaces/members.service.ts';
import {
  deleteMailboxRow,
  insertMailbox,
  type MailboxRow,
  type MailboxWrite,
  replaceReaders,
  type Security,
  selectFolders,
  selectMailbox,
  selectMailboxes,
  selectSharedMailboxes,
  selectSkips,
  updateMailbox as updateMailboxRow,
  type Visibility,
} from './email.repository.ts';
import { connectImap, MailboxError } from './imap-sync.ts';
import { mailHostAddress } from './mail-host.ts';
import { normaliseAddress } from './message-parse.ts';
import { mailboxChanges } from './sync-supervisor.ts';

const nodemailer = lazyPackage<typeof Nodemailer>('nodemailer');

/** What mailbox routes need from the server: the secret box and whether private hosts are allowed. */
export interface MailDeps {
  secrets: { get(): Promise<SecretBox> };
  allowPrivate: boolean;
  /** The address recipients reach Rabita at (RABITA_PUBLIC_URL), for tracked links and the open image. */
  publicUrl?: string | undefined;
}

/** A mailbox as the API shows it: never its password or token. */
export interface MailboxView {
  id: string;
  name: string;
  address: string;
  kind: 'personal' | 'shared';
  ownerUserId: string | null;
  imap: { host: string; port: number; security: Security };
  smtp: { host: string; port: number; security: Security } | null;
  username: string;
  auth: 'password' | 'xoauth2';
  syncDays: number;
  extraFolders: string[];
  createPeople: boolean;
  visibility: Visibility;
  readers: string[];
  status: MailboxRow['status'];
  lastError: string | null;
  lastErrorAt: string | null;
  lastSyncedAt: string | null;
  progress: {
    done: number;
    total: number;
    /** Messages a second since the sync started. */
    rate: number | null;
    /** Seconds left at that rate. */
    secondsLeft: number | null;
  };
  folders: { path: string; role: string; done: number; total: number; complete: boolean }[];
  skipped: number;
  /** The last comparison of the server's messages with those stored: how many it checked and found missing. */
  lastReconcile: { at: string; checked: number; missing: number } | null;
  /** The last comparison that found messages missing, kept after later ones find none. */
  lastGap: { at: string; checked: number; missing: number } | null;
  createdAt: string;
}

export interface MailboxInput {
  name: string;
  address: string;
  kind: 'personal' | 'shared';
  imap: { host: string; port: number; security: Security };
  smtp?: { host: string; port: number; security: Security } | null | undefined;
  username: string;
  auth?: 'password' | 'xoauth2' | undefined;
  /** The password, app password or (for xoauth2) access token. */
  secret: string;
  syncDays?: number | undefined;
  extraFolders?: string[] | undefined;
  createPeople?: boolean | undefined;
  visibility?: Visibility | undefined;
  readers?: string[] | undefined;
}

export type MailboxPatch = Partial<Omit<MailboxInput, 'kind'>>;

function present(row: MailboxRow, folders: Awaited<ReturnType<typeof selectFolders>>): MailboxView {
  const done = row.progress.done ?? 0;
  const total = row.progress.total ?? 0;
  const started = row.progress.startedAt ? Date.parse(row.progress.startedAt) : Number.NaN;
  const seconds = (Date.now() - started) / 1000;
  const rate = Number.isFinite(seconds) && seconds > 0 && done > 0 ? done / seconds : null;
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    kind: row.kind,
    ownerUserId: row.owner_user_id,
    imap: { host: row.imap_host, port: row.imap_port, security: row.imap_security },
    smtp:
      row.smtp_host && row.smtp_port && row.smtp_security
        ? { host: row.smtp_host, port: row.smtp_port, security: row.smtp_security }
        : null,
    username: row.username,
    auth: row.auth,
    syncDays: row.sync_days,
    extraFolders: row.extra_folders,
    createPeople: row.create_people,
    visibility: row.visibility,
    readers: row.readers,
    status: row.status,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at?.toISOString() ?? null,
    lastSyncedAt: row.last_synced_at?.toISOString() ?? null,
    progress: {
      done,
      total,
      rate: rate === null ? null : Math.round(rate * 10) / 10,
      secondsLeft:
        rate === null || total <= done ? (total <= done ? 0 : null) : Math.ceil((total - done) / rate),
    },
    folders: folders.map((f) => ({
      path: f.path,
      role: f.role,
      done: f.done,
      total: f.total,
      complete: f.backfill_done,
    })),
    skipped: row.skipped,
    lastReconcile: row.progress.reconcile ?? null,
    lastGap: row.progress.gap ?? null,
    createdAt: row.created_at.toISOString(),
  };
}

function notFound(id: string): AppError {
  return new AppError('not_found', `There is no mailbox ${id}.`);
}

/** True when the caller manages this mailbox: its owner, or anyone with `mailboxes.manage` for a shared one. */
function manages(principal: Principal, row: Pick<MailboxRow, 'kind' | 'owner_user_id'>): boolean {
  if (row.kind === 'personal') return principal.userId !== null && row.owner_user_id === principal.userId;
  return can(principal, 'mailboxes.manage');
}

/** The caller's view of a mailbox they manage or read; not found otherwise. */
async function visibleMailbox(
  trx: Tx,
  principal: Principal,
  id: string,
  manage: boolean,
): Promise<MailboxRow> {
  const row = UUID.test(id) ? await selectMailbox(trx, principal.workspaceId, id) : undefined;
  if (!row) throw notFound(id);
  if (manages(principal, row)) return row;
  const reads = principal.userId !== null && row.readers.includes(principal.userId);
  if (!reads) throw notFound(id);
  if (manage)
    throw new AppError(
      'forbidden',
      'Only the mailbox’s owner, or a mailbox manager for a shared one, may change it.',
    );
  return row;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Mailboxes the caller owns, reads or (with `mailboxes.manage`) every shared one. */
export async function listMailboxes(ctx: ServiceContext): Promise<MailboxView[]> {
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const rows = (await selectMailboxes(trx, workspaceId)).filter(
      (r) =>
        manages(ctx.principal, r) ||
        (ctx.principal.userId !== null && r.readers.includes(ctx.principal.userId)),
    );
    return Promise.all(rows.map(async (r) => present(r, await selectFolders(trx, workspaceId, r.id))));
  });
}

export async function getMailbox(ctx: ServiceContext, id: string): Promise<MailboxView> {
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const row = await visibleMailbox(trx, ctx.principal, id, false);
    return present(row, await selectFolders(trx, workspaceId, row.id));
  });
}

/** Checks that the servers accept the credentials before they are saved; a refusal names the field to fix. */
async function verifyConnection(
  input: Pick<MailboxInput, 'imap' | 'smtp' | 'username' | 'auth' | 'secret'>,
  deps: MailDeps,
): Promise<void> {
  const box = await deps.secrets.get();
  try {
    const client = await connectImap(
      {
        imap_host: input.imap.host,
        imap_port: input.imap.port,
        imap_security: input.imap.security,
        username: input.username,
        auth: input.auth ?? 'password',
        secret: box.seal(input.secret),
      },
      deps,
    );
    await client.logout().catch(() => client.close());
  } catch (error) {
    if (!(error instanceof MailboxError)) throw error;
    throw new AppError('validation_failed', error.message, {
      errors: [{ field: 'secret', message: error.message }],
    });
  }
  if (!input.smtp) return;
  const host = await mailHostAddress(input.smtp.host, 'smtp.host', deps.allowPrivate);
  const transport = nodemailer().createTransport(
    smtpOptions(input.smtp, host, input.username, input.auth, input.secret),
  );
  try {
    await transport.verify();
  } catch (error) {
    const message = `The SMTP server refused the connection or the credentials: ${(error as Error).message}`;
    throw new AppError('validation_failed', message, { errors: [{ field: 'smtp', message }] });
  } finally {
    transport.close();
  }
}

/** nodemailer's SMTP options for a mailbox, connecting to the checked address. */
export function smtpOptions(
  smtp: { host: string; port: number; security: Security },
  address: string,
  user: string,
  auth: 'password' | 'xoauth2' | undefined,
  secret: string,
) {
  return {
    host: address,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    tls: { servername: smtp.host },
    auth:
      auth === 'xoauth2' ? { type: 'OAuth2' as const, user, accessToken: secret } : { user, pass: secret },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  };
}

function address(value: string, field: string): string {
  const normalised = normaliseAddress(value);
  if (!normalised)
    throw new AppError('validation_failed', `"${value}" is not an email address.`, {
      errors: [{ field, message: 'Must be an email address.' }],
    });
  return normalised;
}

/**
 * Connects a mailbox after the servers accepted its credentials: a personal one for the caller (a person, not an
 * API key), a shared one with `mailboxes.manage`. The secret is sealed with the server's key and never returned.
 */
export async function createMailbox(
  ctx: ServiceContext,
  input: MailboxInput,
  deps: MailDeps,
): Promise<MailboxView> {
  const { principal } = ctx;
  if (input.kind === 'personal' && !principal.userId)
    throw new AppError(
      'forbidden',
      'A personal mailbox belongs to a person: connect it signed in, not with an API key.',
    );
  if (input.kind === 'shared' && !can(principal, 'mailboxes.manage'))
    throw new AppError('forbidden', 'Connecting a shared mailbox needs the mailboxes.manage permission.');
  const normalised = address(input.address, 'address');
  await verifyConnection(input, deps);
  const sealed = (await deps.secrets.get()).seal(input.secret);
  const id = newId();
  return announce(
    inWorkspace(ctx, async (trx, workspaceId) => {
      const taken = (await selectMailboxes(trx, workspaceId)).some((m) => m.address === normalised);
      if (taken) throw new AppError('conflict', `The mailbox ${normalised} is already connected.`);
      await insertMailbox(trx, workspaceId, id, {
        name: input.name,
        address: normalised,
        kind: input.kind,
        owner_user_id: principal.userId,
        imap_host: input.imap.host,
        imap_port: input.imap.port,
        imap_security: input.imap.security,
        smtp_host: input.smtp?.host,
        smtp_port: input.smtp?.port,
        smtp_security: input.smtp?.security,
        username: input.username,
        auth: input.auth ?? 'password',
        secret: sealed,
        sync_days: input.syncDays,
        extra_folders: input.extraFolders,
        create_people: input.createPeople,
        visibility: input.visibility,
      });
      if (input.readers)
        await replaceReaders(trx, workspaceId, id, await memberIds(trx, workspaceId, input.readers));
      const row = await selectMailbox(trx, workspaceId, id);
      return present(row!, []);
    }),
  );
}

/** Tells this process's mailbox sync that a mailbox changed (after the change has committed). */
async function announce<T>(change: Promise<T>): Promise<T> {
  const result = await change;
  mailboxChanges.emit('changed');
  return result;
}

/** The readers given who are members of the workspace (anyone else is refused). */
async function memberIds(trx: Tx, workspaceId: string, ids: string[]): Promise<string[]> {
  const known = new Set(await memberIdsIn(trx, workspaceId));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new AppError('validation_failed', 'Readers must be members of the workspace.', {
      errors: [{ field: 'readers', message: `Not members: ${unknown.join(', ')}.` }],
    });
  return ids;
}

/**
 * Changes a mailbox (its owner, or a mailbox manager for a shared one). New credentials or servers are checked
 * first, and its sync reconnects with them at once — a mailbox failing for a wrong password resumes when fixed.
 */
export async function updateMailbox(
  ctx: ServiceContext,
  id: string,
  patch: MailboxPatch,
  deps: MailDeps,
): Promise<MailboxView> {
  const current = await inWorkspace(ctx, (trx) => visibleMailbox(trx, ctx.principal, id, true));
  const reconnect =
    patch.secret !== undefined ||
    patch.imap !== undefined ||
    patch.smtp !== undefined ||
    patch.username !== undefined ||
    patch.auth !== undefined ||
    patch.syncDays !== undefined ||
    patch.extraFolders !== undefined;
  let sealed: string | undefined;
  if (
    patch.secret !== undefined ||
    patch.imap !== undefined ||
    patch.username !== undefined ||
    patch.auth !== undefined
  ) {
    const box = await deps.secrets.get();
    const secret = patch.secret ?? box.open(current.secret);
    await verifyConnection(
      {
        imap: patch.imap ?? {
          host: current.imap_host,
          port: current.imap_port,
          security: current.imap_security,
        },
        smtp: patch.smtp === undefined ? null : patch.smtp,
        username: patch.username ?? current.username,
        auth: patch.auth ?? current.auth,
        secret,
      },
      deps,
    );
    if (patch.secret !== undefined) sealed = box.seal(patch.secret);
  }
  const values: MailboxWrite = {
    name: patch.name,
    address: patch.address === undefined ? undefined : address(patch.address, 'address'),
    imap_host: patch.imap?.host,
    imap_port: patch.imap?.port,
    imap_security: patch.imap?.security,
    smtp_host: patch.smtp === null ? null : patch.smtp?.host,
    smtp_port: patch.smtp === null ? null : patch.smtp?.port,
    smtp_security: patch.smtp === null ? null : patch.smtp?.security,
    username: patch.username,
    auth: patch.auth,
    secret: sealed,
    sync_days: patch.syncDays,
    extra_folders: patch.extraFolders,
    create_people: patch.createPeople,
    visibility: patch.visibility,
    status: reconnect && current.status !== 'paused' ? 'connecting' : undefined,
  };
  return announce(
    inWorkspace(ctx, async (trx, workspaceId) => {
      await updateMailboxRow(trx, workspaceId, current.id, values, reconnect);
      if (patch.readers)
        await replaceReaders(trx, workspaceId, current.id, await memberIds(trx, workspaceId, patch.readers));
      const row = await selectMailbox(trx, workspaceId, current.id);
      return present(row!, await selectFolders(trx, workspaceId, current.id));
    }),
  );
}

/** Pauses or resumes a mailbox's sync. */
export async function setMailboxPaused(
  ctx: ServiceContext,
  id: string,
  paused: boolean,
): Promise<MailboxView> {
  return announce(
    inWorkspace(ctx, async (trx, workspaceId) => {
      const row = await visibleMailbox(trx, ctx.principal, id, true);
      await updateMailboxRow(trx, workspaceId, row.id, { status: paused ? 'paused' : 'connecting' }, true);
      return present(
        (await selectMailbox(trx, workspaceId, row.id))!,
        await selectFolders(trx, workspaceId, row.id),
      );
    }),
  );
}

/** Disconnects a mailbox: its locations go; messages stay while linked to records. */
export async function deleteMailbox(ctx: ServiceContext, id: string): Promise<void> {
  await announce(
    inWorkspace(ctx, async (trx, workspaceId) => {
      const row = await visibleMailbox(trx, ctx.principal, id, true);
      await deleteMailboxRow(trx, workspaceId, row.id);
    }),
  );
}

/** The messages a mailbox's sync skipped, newest first, each with its reason. */
export async function listSkipped(ctx: ServiceContext, id: string) {
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const row = await visibleMailbox(trx, ctx.principal, id, false);
    return (await selectSkips(trx, workspaceId, row.id, 500)).map((s) => ({
      id: s.id,
      folder: s.folder,
      uid: s.uid,
      messageId: s.message_id,
      reason: s.reason,
      at: s.at.toISOString(),
    }));
  });
}

/** A shared mailbox as another module sees it (the service desk choosing where tickets come in). */
export interface SharedMailbox {
  id: string;
  name: string;
  address: string;
  /** It has an SMTP server, so replies can go out through it. */
  sends: boolean;
}

/** The workspace's shared mailboxes among `ids` (all of them without `ids`), inside the caller's transaction. */
export async function sharedMailboxesIn(
  trx: Tx,
  workspaceId: string,
  ids?: readonly string[],
): Promise<SharedMailbox[]> {
  return (await selectSharedMailboxes(trx, workspaceId, ids)).map((m) => ({
    id: m.id,
    name: m.name,
    address: m.address,
    sends: m.smtp_host !== null,
  }));
}
