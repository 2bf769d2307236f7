import { type Database, type Tx, withWorkspace } from '@rabita/db';
import type * as ImapFlowModule from 'imapflow';
import type { ExpungeEvent, ImapFlow, ListResponse, MailboxObject } from 'imapflow';
import type { SecretBox } from '../auth/secret-box.ts';
import { newId } from '../ids.ts';
import { lazyPackage } from '../lazy-package.ts';
import {
  deleteLocations,
  type FolderRow,
  insertSkip,
  type MailboxRow,
  remapLocations,
  selectFolder,
  selectFolderLocations,
  selectFolders,
  selectKnownUids,
  selectMailbox,
  selectSkippedUids,
  setMailboxState,
  upsertFolder,
} from './email.repository.ts';
import {
  internalAddresses,
  type StoreContext,
  type StoreMailbox,
  storeMessage,
  storeMessages,
} from './email-store.ts';
import { mailHostAddress } from './mail-host.ts';
import { normaliseMessageId, type ParsedMessage } from './message-parse.ts';
import { inThreadParser, type MessageParser } from './parse-pool.ts';

const imapflow = lazyPackage<typeof ImapFlowModule>('imapflow');

/** What a mailbox's sync needs from the process running it. */
export interface SyncDeps {
  db: Database;
  secrets: { get(): Promise<SecretBox> };
  /** Lets mailboxes reach private and loopback hosts (RABITA_MAIL_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Messages larger than this keep their headers and a "too large" note (`emailSettings.maxMessageBytes`). */
  maxMessageBytes: number;
  /** How often folders other than the inbox are polled. */
  pollMs: number;
  /** Parses fetched batches (the worker process's parse threads, `parse-pool.ts`); in the sync's thread when absent. */
  parser?: MessageParser | undefined;
  /** How often the server's messages are compared with those stored (default: daily). */
  reconcileMs?: number | undefined;
  log?: ((message: string, detail?: Record<string, unknown>) => void) | undefined;
  /** Told each IMAP command the sync sends (its logged form, secrets masked): tests count what a pass costs. */
  onImapCommand?: ((command: string) => void) | undefined;
}

/** How many messages one fetch asks for, and one transaction stores. */
const BATCH = 100;
/** The parser of a sync given none (tests that run `syncMailbox` directly). */
const IN_THREAD = inThreadParser();

/** UIDs cut into batches of `BATCH`, in the order given. */
function batches(uids: bigint[]): bigint[][] {
  const out: bigint[][] = [];
  for (let i = 0; i < uids.length; i += BATCH) out.push(uids.slice(i, i + BATCH));
  return out;
}
/** More UIDs than this reported vanished at once, and the folder's UIDs are compared instead (memory stays bounded). */
const MAX_VANISHED = 100_000;
/** UIDs removed per statement when the server reports expunges. */
const DELETE_CHUNK = 10_000;

/** A mailbox's folder to sync and what it is for. */
interface Folder {
  path: string;
  role: FolderRow['role'];
}

/** A sync failure the mailbox's owner can act on (a refused password, an unreachable host). */
export class MailboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailboxError';
  }
}

/** Opens an IMAP connection for a mailbox (its secret opened, its host checked). */
export async function connectImap(
  mailbox: Pick<MailboxRow, 'imap_host' | 'imap_port' | 'imap_security' | 'username' | 'auth' | 'secret'>,
  deps: Pick<SyncDeps, 'secrets' | 'allowPrivate'> & Partial<Pick<SyncDeps, 'onImapCommand'>>,
): Promise<ImapFlow> {
  const secret = (await deps.secrets.get()).open(mailbox.secret);
  const address = await mailHostAddress(mailbox.imap_host, 'imapHost', deps.allowPrivate);
  const client = new (imapflow().ImapFlow)({
    host: address,
    port: mailbox.imap_port,
    secure: mailbox.imap_security === 'tls',
    doSTARTTLS:
      mailbox.imap_security === 'starttls' ? true : mailbox.imap_security === 'none' ? false : undefined,
    servername: mailbox.imap_host,
    auth:
      mailbox.auth === 'xoauth2'
        ? { user: mailbox.username, accessToken: secret }
        : { user: mailbox.username, pass: secret },
    logger: deps.onImapCommand ? commandObserver(deps.onImapCommand) : false,
    // CONDSTORE is enabled whenever offered; QRESYNC too (it is asked for), which also makes the server report
    // expunges as VANISHED UIDs rather than sequence numbers.
    qresync: true,
    disableAutoIdle: true,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 5 * 60_000,
    clientInfo: { name: 'Rabita' },
  });
  try {
    await client.connect();
  } catch (error) {
    client.close();
    throw new MailboxError(describeImapError(error));
  }
  return client;
}

/** An imapflow logger that passes on only the commands the client sends (logged at debug, secrets masked). */
function commandObserver(onCommand: (command: string) => void) {
  const none = () => {};
  return {
    debug: (entry: { src?: string; msg?: string }) => {
      if (entry.src === 'c' && entry.msg) onCommand(entry.msg);
    },
    trace: none,
    info: none,
    warn: none,
    error: none,
    fatal: none,
  };
}

/** One sentence a mailbox's owner can act on, from an imapflow failure. */
export function describeImapError(error: unknown): string {
  const e = error as {
    authenticationFailed?: boolean;
    code?: string;
    responseText?: string;
    message?: string;
  };
  if (e.authenticationFailed || e.code === 'AUTHENTICATIONFAILED')
    return `The IMAP server refused the user name or password${e.responseText ? ` (${e.responseText})` : ''}; correct them in the mailbox's settings.`;
  if (e.code === 'ECONNREFUSED') return 'The IMAP server refused the connection; check the host and port.';
  if (e.code === 'ETIMEDOUT' || e.code === 'CONNECT_TIMEOUT' || e.code === 'GREETING_TIMEOUT')
    return 'The IMAP server did not answer in time; check the host, port and security.';
  if (e.code === 'ENOTFOUND') return 'The IMAP host could not be resolved; check its name.';
  return `The IMAP connection failed: ${e.responseText ?? e.message ?? String(error)}`;
}

/** The folders to sync: Gmail's All Mail alone; otherwise the inbox, Sent and the chosen extra folders. */
export function chooseFolders(list: ListResponse[], extra: readonly string[], gmail: boolean): Folder[] {
  if (gmail) {
    const all = list.find((f) => f.specialUse === '\\All');
    if (all) return [{ path: all.path, role: 'all' }];
  }
  const out: Folder[] = [{ path: 'INBOX', role: 'inbox' }];
  const sent = list.find((f) => f.specialUse === '\\Sent');
  if (sent) out.push({ path: sent.path, role: 'sent' });
  for (const path of extra)
    if (list.some((f) => f.path === path) && !out.some((f) => f.path === path))
      out.push({ path, role: 'other' });
  return out;
}

/**
 * Syncs one mailbox while `signal` is not aborted: each folder's window first (newest first, resumable from its
 * cursor), then new mail as it comes (explicit IDLE on the inbox; other folders polled). Server flags are never
 * changed: folders are opened read-only and bodies fetched with BODY.PEEK. Throws on a connection failure (the
 * caller records it on the mailbox and tries again).
 */
export async function syncMailbox(
  deps: SyncDeps,
  workspaceId: string,
  mailboxId: string,
  signal: AbortSignal,
): Promise<void> {
  const mailbox = await withWorkspace(deps.db, workspaceId, (trx) =>
    selectMailbox(trx, workspaceId, mailboxId),
  );
  if (!mailbox) return;
  const client = await connectImap(mailbox, deps);
  const closed = new Promise<never>((_, reject) => {
    client.on('close', () => reject(new MailboxError('The IMAP server closed the connection.')));
    client.on('error', (error: unknown) => reject(new MailboxError(describeImapError(error))));
  });
  closed.catch(() => {});
  const stop = new Promise<void>((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  try {
    const gmail = client.capabilities.has('X-GM-EXT-1');
    const folders = chooseFolders(await client.list(), mailbox.extra_folders, gmail);
    const store: StoreMailbox = {
      id: mailbox.id,
      address: mailbox.address,
      ownerUserId: mailbox.owner_user_id,
      createPeople: mailbox.create_people,
    };
    const run = new FolderSync(deps, client, workspaceId, mailbox, store, signal);
    await run.setStatus('syncing');
    for (const folder of folders) {
      if (signal.aborted) return;
      await run.sync(folder);
    }
    await run.setStatus('ready', true);
    const inbox = folders.find((f) => f.role === 'inbox' || f.role === 'all') ?? folders[0]!;
    // New mail announced while the loop is not idling (fetching, or between a fetch and the next IDLE) is noted, so
    // the loop fetches again instead of idling past it until the next poll.
    let wake: (() => void) | undefined;
    let arrived = false;
    let expunged = false;
    client.on('exists', (event: { path: string }) => {
      if (event.path !== inbox.path) return;
      arrived = true;
      wake?.();
    });
    client.on('expunge', (event: ExpungeEvent) => {
      // VANISHED (EARLIER) answers the sync's own re-open of a folder and is handled there.
      if (event.path !== inbox.path || event.earlier) return;
      expunged = true;
      wake?.();
    });
    let lastPoll = Date.now();
    while (!signal.aborted) {
      if (Date.now() - lastPoll >= deps.pollMs) {
        for (const folder of folders) if (folder !== inbox && !signal.aborted) await run.sync(folder, true);
        lastPoll = Date.now();
        await run.sync(inbox, true);
        if (run.reconcileDue(deps.reconcileMs ?? 86_400_000)) await run.reconcile(folders);
        await run.setStatus('ready', true);
      }
      await client.mailboxOpen(inbox.path, { readOnly: true });
      if (!arrived && !expunged) {
        const woke = new Promise<void>((resolve) => {
          wake = resolve;
        });
        const idling = client.idle().catch(() => {});
        const timer = new Promise<void>((resolve) =>
          setTimeout(resolve, deps.pollMs - (Date.now() - lastPoll)).unref(),
        );
        await Promise.race([woke, timer, stop, closed]);
        wake = undefined;
        void idling;
      }
      if (signal.aborted) break;
      // A command ends the IDLE; new messages (and, after an expunge, the removed ones) are fetched. What arrives
      // from here on sets `arrived` again.
      arrived = false;
      const checkExpunge = expunged;
      expunged = false;
      await run.sync(inbox, checkExpunge ? true : 'new');
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** The work on one folder of one connected mailbox. */
class FolderSync {
  private internal: Set<string> | undefined;
  private readonly deps: SyncDeps;
  private readonly client: ImapFlow;
  private readonly workspaceId: string;
  private readonly mailbox: MailboxRow;
  private readonly store: StoreMailbox;
  private readonly signal: AbortSignal;

  constructor(
    deps: SyncDeps,
    client: ImapFlow,
    workspaceId: string,
    mailbox: MailboxRow,
    store: StoreMailbox,
    signal: AbortSignal,
  ) {
    this.deps = deps;
    this.client = client;
    this.workspaceId = workspaceId;
    this.mailbox = mailbox;
    this.store = store;
    this.signal = signal;
  }

  private tx<T>(fn: Parameters<typeof withWorkspace<T>>[2]): Promise<T> {
    return withWorkspace(this.deps.db, this.workspaceId, fn);
  }

  async setStatus(status: 'syncing' | 'ready', synced = false): Promise<void> {
    await this.tx((trx) =>
      setMailboxState(trx, this.workspaceId, this.mailbox.id, { status, error: null, synced }),
    );
  }

  /**
   * Brings one folder up to date. `'new'` fetches only UIDs above the cursor; `true` also finds expunged
   * messages; the first time (or after a UIDVALIDITY change) the window is walked newest first.
   *
   * Where the server offers CONDSTORE, a pass whose HIGHESTMODSEQ equals the one stored after the last complete
   * pass does nothing more (no search, no fetch). With QRESYNC too, the open names the UIDs expunged since the
   * stored value (VANISHED), so expunges never need every UID of the folder. Without either, every pass works
   * as if the folder changed.
   */
  async sync(folder: Folder, mode: boolean | 'new' = false): Promise<void> {
    let row = await this.tx((trx) => selectFolder(trx, this.workspaceId, this.mailbox.id, folder.path));
    const { box, modseq, vanished } = await this.open(folder, row);
    const uidValidity = String(box.uidValidity);
    const stored = row?.highest_modseq ? BigInt(row.highest_modseq) : undefined;
    let fresh = false;
    if (row?.uid_validity && row.uid_validity !== uidValidity) {
      await this.remap(folder, uidValidity);
      row = undefined;
    }
    if (!row?.uid_validity) {
      await this.startWindow(folder, uidValidity, box.uidNext);
      row = await this.tx((trx) => selectFolder(trx, this.workspaceId, this.mailbox.id, folder.path));
      fresh = true;
    }
    if (!row) return;
    if (!fresh && row.backfill_done && modseq !== undefined && modseq === stored) {
      // Nothing was added, removed or changed in the folder since the last complete pass.
      if (folder.role !== 'inbox') await this.markPassed(folder, {});
      return;
    }
    if (!row.backfill_done) await this.backfill(folder, uidValidity, row);
    await this.fetchNew(folder, uidValidity, BigInt(row.last_uid));
    // A HIGHESTMODSEQ below the stored one means the server rebuilt its state under the same UIDVALIDITY: what
    // it says vanished since a value it no longer knows cannot be trusted, so every UID is compared instead.
    const regressed = !fresh && modseq !== undefined && stored !== undefined && modseq < stored;
    let expungesKnown = fresh; // a fresh window (or a re-map) stored only UIDs the server had when it was opened
    if (vanished && !regressed) {
      await this.forgetVanished(folder, uidValidity, vanished);
      expungesKnown = true;
    } else if (mode === true || (regressed && mode !== 'new')) {
      // With CONDSTORE but no QRESYNC, a moved HIGHESTMODSEQ says something changed but not what: finding the
      // expunged messages still means comparing every UID of the folder with the stored locations.
      await this.findExpunged(folder, uidValidity);
      expungesKnown = true;
    }
    if (this.signal.aborted) return;
    // The folder's HIGHESTMODSEQ as it was opened is stored only now, after the pass's messages are stored and its
    // expunges removed: a pass cut short keeps the old value, so the next pass does the work again, never skips it.
    // A server that stops offering CONDSTORE has its stored value dropped (it could be stale when it comes back).
    const highestModseq =
      modseq === undefined ? (stored === undefined ? undefined : null) : expungesKnown ? modseq : undefined;
    if (highestModseq !== undefined || folder.role !== 'inbox')
      await this.markPassed(folder, { highestModseq });
  }

  /** Records a finished pass on the folder: polled now (the inbox is pushed, not polled), and its HIGHESTMODSEQ. */
  private async markPassed(
    folder: Folder,
    values: { highestModseq?: bigint | null | undefined },
  ): Promise<void> {
    await this.tx((trx) =>
      upsertFolder(trx, this.workspaceId, this.mailbox.id, folder.path, {
        role: folder.role,
        polled: folder.role !== 'inbox',
        ...(values.highestModseq !== undefined ? { highestModseq: values.highestModseq } : {}),
      }),
    );
  }

  /**
   * Opens a folder read-only. `modseq` is its HIGHESTMODSEQ at that moment when the server keeps one (CONDSTORE).
   * With QRESYNC and a stored UIDVALIDITY and HIGHESTMODSEQ, the server also names the UIDs expunged since
   * (VANISHED (EARLIER)): `vanished` holds them, or is undefined when the server did not or could not say.
   */
  private async open(
    folder: Folder,
    row: FolderRow | undefined,
  ): Promise<{ box: MailboxObject; modseq: bigint | undefined; vanished: string[] | undefined }> {
    const since =
      this.client.enabled.has('QRESYNC') && row?.uid_validity && row.highest_modseq
        ? { uidValidity: row.uid_validity, changedSince: row.highest_modseq }
        : undefined;
    const vanished = new Set<number>();
    let overflow = false;
    // Only the open itself asks for VANISHED (EARLIER); the live VANISHED of an idling inbox wakes the loop instead.
    const listen = (event: ExpungeEvent) => {
      if (!event.vanished || !event.earlier || event.uid === undefined) return;
      if (vanished.size < MAX_VANISHED) vanished.add(event.uid);
      else overflow = true;
    };
    this.client.on('expunge', listen);
    let box: MailboxObject;
    try {
      box = await this.client.mailboxOpen(folder.path, { readOnly: true, ...since });
    } finally {
      this.client.off('expunge', listen);
    }
    // Read now: imapflow raises `box.highestModseq` as later FETCH responses report theirs.
    const modseq = this.client.enabled.has('CONDSTORE') && !box.noModseq ? box.highestModseq : undefined;
    // imapflow keeps `qresync` only when the server answered for the same UIDVALIDITY with a HIGHESTMODSEQ.
    const answered = since !== undefined && (box as MailboxObject & { qresync?: boolean }).qresync === true;
    return { box, modseq, vanished: answered && !overflow ? [...vanished].map(String) : undefined };
  }

  /** The window's UIDs are counted and the cursors set: new mail above `uidNext`, the backfill below it. */
  private async startWindow(folder: Folder, uidValidity: string, uidNext: number): Promise<void> {
    const since = new Date(Date.now() - this.mailbox.sync_days * 86_400_000);
    const uids = (await this.client.search({ since }, { uid: true })) || [];
    await this.tx(async (trx) => {
      await upsertFolder(trx, this.workspaceId, this.mailbox.id, folder.path, {
        role: folder.role,
        uidValidity,
        lastUid: Math.max(0, uidNext - 1),
        backfillBelow: uidNext,
        backfillDone: uids.length === 0,
        total: uids.length,
        done: 0,
      });
      await this.progress(trx);
    });
  }

  /** Sums the folders' progress onto the mailbox (done, total, rate and time left are shown from it). */
  private async progress(trx: Parameters<Parameters<typeof withWorkspace>[2]>[0]): Promise<void> {
    const folders = await selectFolders(trx, this.workspaceId, this.mailbox.id);
    const done = folders.reduce((n, f) => n + f.done, 0);
    const total = folders.reduce((n, f) => n + f.total, 0);
    const started = this.mailbox.progress.startedAt ?? new Date().toISOString();
    this.mailbox.progress.startedAt = started;
    await setMailboxState(trx, this.workspaceId, this.mailbox.id, {
      progress: { done, total, startedAt: started, updatedAt: new Date().toISOString() },
    });
  }

  /** The window below the backfill cursor, newest first, a batch at a time (resumable: the cursor is stored). */
  private async backfill(folder: Folder, uidValidity: string, row: FolderRow): Promise<void> {
    const since = new Date(Date.now() - this.mailbox.sync_days * 86_400_000);
    let below = BigInt(row.backfill_below ?? '0');
    let done = row.done;
    const all = ((await this.client.search({ since }, { uid: true })) || [])
      .map((u) => BigInt(u))
      .filter((u) => u < below)
      .sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    await this.pipeline(folder, uidValidity, batches(all), async (batch, handled) => {
      done += handled;
      below = batch.at(-1)!;
      const reached = below;
      const count = done;
      await this.tx(async (trx) => {
        await upsertFolder(trx, this.workspaceId, this.mailbox.id, folder.path, {
          role: folder.role,
          backfillBelow: reached,
          done: count,
        });
        await this.progress(trx);
      });
    });
    if (this.signal.aborted) return;
    await this.tx(async (trx) => {
      await upsertFolder(trx, this.workspaceId, this.mailbox.id, folder.path, {
        role: folder.role,
        backfillDone: true,
        done: Math.max(done, row.total),
      });
      await this.progress(trx);
    });
  }

  /** Every message above the cursor, then the cursor moved past them. */
  private async fetchNew(folder: Folder, uidValidity: string, lastUid: bigint): Promise<void> {
    const uids = ((await this.client.search({ uid: `${lastUid + 1n}:*` }, { uid: true })) || [])
      .map((u) => BigInt(u))
      .filter((u) => u > lastUid)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    await this.pipeline(folder, uidValidity, batches(uids), (batch) =>
      this.tx((trx) =>
        upsertFolder(trx, this.workspaceId, this.mailbox.id, folder.path, {
          role: folder.role,
          lastUid: batch.at(-1)!,
        }),
      ),
    );
  }

  /**
   * Fetches a batch's messages (peeking: flags stay as they are) and stores them; a message that cannot be stored
   * is logged as skipped with its reason. Returns how many were handled.
   */
  private async fetchAndStore(folder: Folder, uidValidity: string, uids: bigint[]): Promise<number> {
    const fetched = await this.fetchBatch(folder, uidValidity, uids);
    await this.storeBatch(folder, uidValidity, fetched.parsed);
    return fetched.count;
  }

  /**
   * Fetches and parses each batch while the one before it is stored (one batch ahead at most); `stored` runs after
   * each batch is stored, in order, so a cursor it moves passes only stored mail (a crash refetches, never skips).
   */
  private async pipeline(
    folder: Folder,
    uidValidity: string,
    batches: bigint[][],
    stored: (batch: bigint[], handled: number) => Promise<unknown>,
  ): Promise<void> {
    const fetch = (i: number) => {
      const batch = batches[i];
      if (!batch || this.signal.aborted) return undefined;
      const fetching = this.fetchBatch(folder, uidValidity, batch);
      fetching.catch(() => {}); // its failure surfaces when the loop awaits it
      return fetching;
    };
    let ahead = fetch(0);
    try {
      for (let i = 0; ahead; i += 1) {
        const fetched = await ahead;
        ahead = fetch(i + 1);
        await this.storeBatch(folder, uidValidity, fetched.parsed);
        await stored(batches[i]!, fetched.count);
      }
    } finally {
      // A fetch still running when the loop stops (aborted, or a store failed) ends before the connection is reused.
      await ahead?.catch(() => {});
    }
  }

  /** A batch's messages fetched and parsed (those the server returns nothing for are logged as skipped). */
  private async fetchBatch(
    folder: Folder,
    uidValidity: string,
    uids: bigint[],
  ): Promise<{ count: number; parsed: { uid: string; message: ParsedMessage }[] }> {
    const known = await this.tx((trx) =>
      selectKnownUids(trx, this.workspaceId, this.mailbox.id, folder.path, uidValidity, uids.map(String)),
    );
    const wanted = uids.filter((u) => !known.has(String(u)));
    if (wanted.length === 0) return { count: uids.length, parsed: [] };
    const sizes = new Map<string, number>();
    for await (const m of this.client.fetch(
      wanted.map(String).join(','),
      { uid: true, size: true },
      { uid: true },
    ))
      sizes.set(String(m.uid), m.size ?? 0);
    const small = wanted.filter((u) => (sizes.get(String(u)) ?? 0) <= this.deps.maxMessageBytes);
    const large = wanted.filter((u) => (sizes.get(String(u)) ?? 0) > this.deps.maxMessageBytes);
    const sources: { uid: string; source: Buffer; size: number; tooLarge: boolean }[] = [];
    if (small.length > 0)
      for await (const m of this.client.fetch(
        small.map(String).join(','),
        { uid: true, source: true },
        { uid: true },
      ))
        if (m.source)
          sources.push({ uid: String(m.uid), source: m.source, size: m.source.length, tooLarge: false });
    if (large.length > 0)
      for await (const m of this.client.fetch(
        large.map(String).join(','),
        { uid: true, headers: true },
        { uid: true },
      ))
        if (m.headers)
          sources.push({
            uid: String(m.uid),
            source: m.headers,
            size: sizes.get(String(m.uid)) ?? 0,
            tooLarge: true,
          });
    const fetched = new Set(sources.map((s) => s.uid));
    for (const uid of wanted)
      if (!fetched.has(String(uid)))
        await this.skip(
          folder,
          String(uid),
          null,
          'The server listed the message but returned no content for it.',
        );
    // The batch's messages are parsed at once (in parse threads, in order); each source is handed over, so its
    // size was taken above.
    const outcomes = await (this.deps.parser ?? IN_THREAD).parseAll(
      sources.map((item) => item.source),
      { maxBytes: this.deps.maxMessageBytes, maxAttachmentBytes: this.deps.maxMessageBytes },
    );
    const parsed: { uid: string; message: ParsedMessage }[] = [];
    for (const [i, item] of sources.entries()) {
      const { message, failure } = outcomes[i]!;
      if (failure)
        this.deps.log?.('message read headers-only', {
          mailboxId: this.mailbox.id,
          folder: folder.path,
          uid: item.uid,
          reason: failure,
        });
      if (item.tooLarge) {
        message.tooLarge = true;
        message.size = item.size;
        message.text = `This message is ${Math.round(item.size / 1_048_576)} MB, over this server's limit of ${Math.round(this.deps.maxMessageBytes / 1_048_576)} MB: only its headers were kept.`;
      }
      parsed.push({ uid: item.uid, message });
    }
    return { count: uids.length, parsed };
  }

  /** Stores a fetched batch in one transaction, set-based (`storeMessages`). */
  private async storeBatch(
    folder: Folder,
    uidValidity: string,
    parsed: { uid: string; message: ParsedMessage }[],
  ): Promise<void> {
    if (parsed.length === 0) return;
    this.internal ??= await this.tx((trx) => internalAddresses(trx, this.workspaceId));
    const store = (trx: Tx, item: { uid: string; message: ParsedMessage }, context: StoreContext) =>
      storeMessage(
        trx,
        this.workspaceId,
        this.store,
        { folder: folder.path, uidValidity, uid: item.uid },
        item.message,
        context,
      );
    // The batch in one transaction; when any message fails, each is stored on its own so one bad message costs
    // only itself (and is logged as skipped with its reason).
    try {
      await this.tx((trx) =>
        storeMessages(
          trx,
          this.workspaceId,
          this.store,
          parsed.map((item) => ({
            location: { folder: folder.path, uidValidity, uid: item.uid },
            parsed: item.message,
          })),
          { internal: this.internal! },
        ),
      );
    } catch {
      for (const item of parsed) {
        try {
          await this.tx((trx) => store(trx, item, { internal: this.internal! }));
        } catch (error) {
          await this.skip(
            folder,
            item.uid,
            item.message.messageId,
            `Not stored: ${(error as Error).message}`.slice(0, 500),
          );
        }
      }
    }
  }

  private async skip(folder: Folder, uid: string, messageId: string | null, reason: string): Promise<void> {
    this.deps.log?.('message skipped', { mailboxId: this.mailbox.id, folder: folder.path, uid, reason });
    await this.tx((trx) =>
      insertSkip(trx, this.workspaceId, {
        id: newId(),
        mailboxId: this.mailbox.id,
        folder: folder.path,
        uid,
        messageId,
        reason,
      }),
    );
  }

  /** True when the last comparison of the server's messages with ours is older than `everyMs`. */
  reconcileDue(everyMs: number): boolean {
    const last = Date.parse(String(this.mailbox.progress.reconciledAt ?? ''));
    return !(last > Date.now() - everyMs);
  }

  /**
   * Compares every message the server holds in each folder's window with those stored: any the sync missed is
   * fetched now (or logged as skipped with its reason), and the gap found is recorded on the mailbox, so a silent
   * loss shows as a number rather than as nothing.
   */
  async reconcile(folders: Folder[]): Promise<void> {
    let checked = 0;
    let missing = 0;
    for (const folder of folders) {
      if (this.signal.aborted) return;
      const box = await this.client.mailboxOpen(folder.path, { readOnly: true });
      const uidValidity = String(box.uidValidity);
      const since = new Date(Date.now() - this.mailbox.sync_days * 86_400_000);
      const onServer = ((await this.client.search({ since }, { uid: true })) || []).map((u) => BigInt(u));
      checked += onServer.length;
      const stored = new Set(
        (
          await this.tx((trx) =>
            selectFolderLocations(trx, this.workspaceId, this.mailbox.id, folder.path, uidValidity),
          )
        ).map((l) => l.uid),
      );
      const skipped = await this.tx((trx) =>
        selectSkippedUids(trx, this.workspaceId, this.mailbox.id, folder.path),
      );
      const gap = onServer.filter((u) => !stored.has(String(u)) && !skipped.has(String(u)));
      missing += gap.length;
      // The gap is recorded as soon as it is found, before its messages are fetched: a pass cut short after the
      // fetch (the worker stopping, the connection closing) would otherwise leave the messages back and the loss
      // unseen, since the next comparison finds nothing missing.
      if (gap.length > 0)
        await this.tx((trx) =>
          setMailboxState(trx, this.workspaceId, this.mailbox.id, {
            progress: { gap: { at: new Date().toISOString(), checked, missing } },
          }),
        );
      for (let i = 0; i < gap.length && !this.signal.aborted; i += BATCH)
        await this.fetchAndStore(folder, uidValidity, gap.slice(i, i + BATCH));
    }
    const at = new Date().toISOString();
    this.mailbox.progress.reconciledAt = at;
    await this.tx((trx) =>
      setMailboxState(trx, this.workspaceId, this.mailbox.id, {
        progress: {
          reconciledAt: at,
          reconcile: { at, checked, missing },
          // A gap stays on the mailbox after the next comparison finds none: a loss an admin did not see yet.
          ...(missing > 0 ? { gap: { at, checked, missing } } : {}),
        },
      }),
    );
    if (missing > 0)
      this.deps.log?.('reconcile found messages the sync had missed', {
        mailboxId: this.mailbox.id,
        missing,
      });
  }

  /** Locations whose UID the server no longer has are removed (the message stays for its other locations and links). */
  private async findExpunged(folder: Folder, uidValidity: string): Promise<void> {
    const onServer = new Set(((await this.client.search({ all: true }, { uid: true })) || []).map(String));
    const stored = await this.tx((trx) =>
      selectFolderLocations(trx, this.workspaceId, this.mailbox.id, folder.path, uidValidity),
    );
    const gone = stored.filter((s) => !onServer.has(s.uid)).map((s) => s.uid);
    if (gone.length > 0)
      await this.tx((trx) =>
        deleteLocations(trx, this.workspaceId, this.mailbox.id, folder.path, uidValidity, gone),
      );
  }

  /** Removes the locations of UIDs the server reported expunged (VANISHED); the messages stay, as for any expunge. */
  private async forgetVanished(folder: Folder, uidValidity: string, uids: string[]): Promise<void> {
    for (let i = 0; i < uids.length; i += DELETE_CHUNK) {
      const chunk = uids.slice(i, i + DELETE_CHUNK);
      await this.tx((trx) =>
        deleteLocations(trx, this.workspaceId, this.mailbox.id, folder.path, uidValidity, chunk),
      );
    }
  }

  /**
   * A new UIDVALIDITY: the folder's messages are matched to stored ones by Message-ID (headers only), their
   * locations moved, and the folder's cursors started again — no stored message is imported twice.
   */
  private async remap(folder: Folder, uidValidity: string): Promise<void> {
    const pairs: { uid: string; messageId: string }[] = [];
    for await (const m of this.client.fetch('1:*', { uid: true, envelope: true }, { uid: false })) {
      const id = normaliseMessageId(m.envelope?.messageId);
      if (id) pairs.push({ uid: String(m.uid), messageId: id });
    }
    await this.tx(async (trx) => {
      await remapLocations(trx, this.workspaceId, this.mailbox.id, folder.path, uidValidity, pairs);
      await upsertFolder(trx, this.workspaceId, this.mailbox.id, folder.path, {
        role: folder.role,
        uidValidity: null,
        lastUid: 0,
        // The stored HIGHESTMODSEQ belonged to the old UIDs: the next complete pass stores the new one.
        highestModseq: null,
        backfillBelow: null,
        backfillDone: false,
        total: 0,
        done: 0,
      });
    });
    this.deps.log?.('uidvalidity changed', {
      mailboxId: this.mailbox.id,
      folder: folder.path,
      remapped: pairs.length,
    });
  }
}
