import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { withWorkspace } from '@rabita/db';
import type { BackgroundService, TaskDeps } from '../modules/manifest.ts';
import { claimMailboxes, releaseMailbox, setMailboxState } from './email.repository.ts';
import { emailSettings } from './email.settings.ts';
import { type SyncDeps, syncMailbox } from './imap-sync.ts';
import { closeMailConnections } from './mail-connections.ts';
import { startParsePool } from './parse-pool.ts';

/**
 * Told when a mailbox is connected or changed in this process, so its worker (the same process in the default
 * `rabita start`) claims it at once instead of at its next tick; a worker in another process finds it within a tick.
 */
export const mailboxChanges = new EventEmitter();
mailboxChanges.setMaxListeners(0);

/** How long a claimed mailbox stays this worker's without a renewal; renewed every third of it. */
const LEASE_SECONDS = 60;
/** Mailboxes one worker process syncs at once (each holds one IMAP connection). */
const CAPACITY = 200;

interface Running {
  workspaceId: string;
  version: number;
  abort: AbortController;
  done: Promise<void>;
}

interface Waiting {
  failures: number;
  retryAt: number;
  version: number;
}

/**
 * Keeps every mailbox synced by exactly one worker process: each claims mailboxes whose lease ran out (a worker
 * that died loses its mailboxes within a minute), renews its own, and runs one sync per mailbox. A failing
 * mailbox records its error and is retried with backoff (15 s doubling to 5 min), at once when its settings
 * change; a mailbox deleted, paused or claimed elsewhere is stopped.
 */
export function startMailSync(
  deps: TaskDeps,
  options: { tickMs?: number | undefined; holder?: string | undefined } = {},
): { stop(): Promise<void> } {
  const secrets = deps.secrets;
  if (!secrets) return { stop: async () => {} };
  const holder = options.holder ?? `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const mail = deps.settings.of(emailSettings);
  const syncDeps: SyncDeps = {
    db: deps.db,
    secrets,
    allowPrivate: mail.allowPrivate,
    maxMessageBytes: mail.maxMessageBytes,
    pollMs: mail.pollMs,
    reconcileMs: mail.reconcileMs,
    // One pool of parse threads for every mailbox this process syncs (threads start with mail, end when idle).
    parser: startParsePool({
      threads: mail.parseThreads,
      log: (message, detail) => deps.log?.('warn', message, detail),
    }),
    log: (message, detail) => deps.log?.('info', message, detail),
  };
  const running = new Map<string, Running>();
  const waiting = new Map<string, Waiting>();
  let stopped = false;
  let ticking: Promise<void> = Promise.resolve();

  const start = (workspaceId: string, mailboxId: string, version: number) => {
    const abort = new AbortController();
    const done = syncMailbox(syncDeps, workspaceId, mailboxId, abort.signal)
      .then(
        () => {
          waiting.delete(mailboxId);
        },
        async (error: unknown) => {
          const had = waiting.get(mailboxId);
          const failures = (had?.version === version ? had.failures : 0) + 1;
          waiting.set(mailboxId, {
            failures,
            version,
            retryAt: Date.now() + Math.min(300_000, 15_000 * 2 ** (failures - 1)),
          });
          deps.log?.('warn', 'mailbox sync failed', { mailboxId, error: (error as Error).message });
          if (abort.signal.aborted) return;
          await withWorkspace(deps.db, workspaceId, (trx) =>
            setMailboxState(trx, workspaceId, mailboxId, {
              status: 'failing',
              error: ((error as Error).message || String(error)).slice(0, 1000),
            }),
          ).catch(() => {});
        },
      )
      .finally(() => {
        if (running.get(mailboxId)?.abort === abort) running.delete(mailboxId);
      });
    running.set(mailboxId, { workspaceId, version, abort, done });
  };

  const tick = async () => {
    if (stopped) return;
    const claimed = await claimMailboxes(deps.db, holder, LEASE_SECONDS, CAPACITY);
    const held = new Set(claimed.map((c) => c.mailbox_id));
    for (const [id, run] of running) if (!held.has(id)) run.abort.abort();
    for (const c of claimed) {
      const run = running.get(c.mailbox_id);
      if (run && run.version === c.settings_version) continue;
      if (run) run.abort.abort();
      const wait = waiting.get(c.mailbox_id);
      if (wait && wait.version === c.settings_version && wait.retryAt > Date.now()) continue;
      if (run) await run.done;
      if (!stopped) start(c.workspace_id, c.mailbox_id, c.settings_version);
    }
  };

  const every = options.tickMs ?? 20_000;
  const queueTick = () => {
    ticking = ticking.then(tick).catch((error: unknown) => {
      deps.log?.('error', 'mailbox claim failed', { error: (error as Error).message });
    });
  };
  const timer = setInterval(queueTick, every);
  timer.unref();
  mailboxChanges.on('changed', queueTick);
  queueTick();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      mailboxChanges.off('changed', queueTick);
      await ticking;
      const all = [...running.entries()];
      for (const [, run] of all) run.abort.abort();
      await Promise.all(all.map(([, run]) => run.done));
      await Promise.all(all.map(([id]) => releaseMailbox(deps.db, holder, id).catch(() => {})));
      // Every sync has ended, so no parse is running: the threads go.
      await syncDeps.parser?.close();
      // Sends made by this worker's jobs keep connections open for a minute: close them with the worker.
      closeMailConnections();
    },
  };
}

/** The email module's background service: mailbox sync. */
export const mailSyncService: BackgroundService = {
  name: 'email:sync',
  start: (deps) => startMailSync(deps),
};
