import { type Database, withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import type { SecretBox } from '../../auth/secret-box.ts';
import { ChannelListener } from '../../events/channel-listener.ts';
import type { BackgroundService, TaskDeps } from '../../modules/manifest.ts';
import { foldConnectionEvents } from '../call-events.service.ts';
import type { CallEventInput } from '../call-fold.ts';
import { callEventSchema } from '../calls.schemas.ts';
import { callsSettings } from '../calls.settings.ts';
import { adapterChanges } from './adapter-changes.ts';
import { phoneSystemAddress } from './adapter-settings.ts';
import {
  type AdapterConnectionRef,
  type AdapterConnectionRow,
  listAdapterConnections,
  pingSession,
  selectAdapterConnection,
  tryLockConnection,
  unlockAll,
  unlockConnection,
} from './adapters.repository.ts';
import { type AmiClient, startAmiClient } from './ami-client.ts';
import { ariEventsUrl, startAriClient } from './ari-client.ts';

// One AMI or ARI client per connection, in the worker process, and in only one worker process at a time: a worker
// runs a connection's client while it holds the connection's session-level advisory lock, taken on one database
// connection of its own (the lock session). When a worker dies its session ends and its locks with it, and
// another worker takes the connection at its next tick. Connections made, changed or removed in this process are
// picked up at once (`adapterChanges`), in another process within a tick.

type Log = NonNullable<TaskDeps['log']>;

interface Running {
  version: string;
  workspaceId: string;
  client: { stop(): Promise<void> } | undefined;
  ami?: AmiClient | undefined;
  settings?: AdapterConnectionRow['settings'] | undefined;
}

/** AMI clients this process runs, by connection id (for click-to-call from the same process). */
const amiHere = new Map<string, Running>();

/** Places a call through a connection's AMI client when this process runs it (undefined when it does not). */
export function amiOf(
  connectionId: string,
): { client: AmiClient; context: string; channelTech: string } | undefined {
  const r = amiHere.get(connectionId);
  if (!r?.ami) return undefined;
  return {
    client: r.ami,
    context: r.settings?.context ?? 'from-internal',
    channelTech: r.settings?.channelTech ?? 'PJSIP',
  };
}

/** Where an app process asks the worker holding a connection's AMI client to place a call, and hears back. */
export const ORIGINATE_CHANNEL = 'rabita_call_originate';
export const ORIGINATE_DONE_CHANNEL = 'rabita_call_originate_done';

/** A click-to-call request as it travels on ORIGINATE_CHANNEL (ids, an extension and a checked number). */
export interface OriginateRequest {
  requestId: string;
  workspaceId: string;
  connectionId: string;
  extension: string;
  number: string;
}

/** Rings the agent's extension through this process's AMI client, then dials the number (throws when refused). */
export async function originateHere(request: Omit<OriginateRequest, 'requestId'>): Promise<boolean> {
  const run = amiHere.get(request.connectionId);
  if (!run?.ami || run.workspaceId !== request.workspaceId) return false;
  const channelTech = run.settings?.channelTech ?? 'PJSIP';
  await run.ami.originate({
    channel: `${channelTech}/${request.extension}`,
    context: run.settings?.context ?? 'from-internal',
    number: request.number,
  });
  return true;
}

/** Reads a request from ORIGINATE_CHANNEL (undefined when it is not one). */
function parseOriginate(payload: string): OriginateRequest | undefined {
  if (payload.length > 2000) return undefined;
  try {
    const r = JSON.parse(payload) as Partial<Record<keyof OriginateRequest, unknown>>;
    const ok = (v: unknown, re: RegExp) => typeof v === 'string' && re.test(v);
    if (
      ok(r.requestId, /^[\w-]{1,64}$/) &&
      ok(r.workspaceId, /^[\w-]{1,64}$/) &&
      ok(r.connectionId, /^[\w-]{1,64}$/) &&
      ok(r.extension, /^[\w*#+.-]{1,20}$/) &&
      ok(r.number, /^\+?[0-9*#]{2,32}$/)
    )
      return r as OriginateRequest;
  } catch {}
  return undefined;
}

/** Keeps only events the call-event route would take (numbers, ids and causes within bounds). */
export function checkedEvents(events: readonly CallEventInput[], log: Log): CallEventInput[] {
  const out: CallEventInput[] = [];
  for (const e of events) {
    const parsed = callEventSchema.safeParse(e);
    if (parsed.success) out.push(parsed.data as CallEventInput);
    else log('warn', 'call event from the phone system dropped', { callId: String(e.callId).slice(0, 100) });
  }
  return out;
}

/** What an adapter treats as an agent's phone: a mapped extension, or a short run of digits. */
export const extensionTest = (extensions: Record<string, string>) => (endpoint: string) =>
  Object.hasOwn(extensions, endpoint) || /^\d{2,6}$/.test(endpoint);

/** Starts the client a connection's settings describe (undefined when they are incomplete). */
export function startAdapterClient(
  row: AdapterConnectionRow,
  owner: { workspaceId: string; connectionId: string },
  deps: { db: Database; box: SecretBox; allowPrivate: boolean; log: Log },
): { client: { stop(): Promise<void> }; ami?: AmiClient } | undefined {
  const s = row.settings;
  const secret = row.adapterSecret ? deps.box.open(row.adapterSecret) : undefined;
  const onEvents = async (events: CallEventInput[]) => {
    const ok = checkedEvents(events, deps.log);
    if (ok.length > 0) await foldConnectionEvents(deps.db, owner, ok);
  };
  const isExtension = extensionTest(row.extensions);
  const log: Log = (level, message, detail) => deps.log(level, message, { connectionId: row.id, ...detail });
  if (row.type === 'asterisk-ami') {
    if (!s.host || !s.username || secret === undefined) return undefined;
    const host = s.host;
    const ami = startAmiClient({
      address: () => phoneSystemAddress(host, deps.allowPrivate),
      port: s.port ?? 5038,
      username: s.username,
      secret,
      isExtension,
      onEvents,
      log,
    });
    return { client: ami, ami };
  }
  if (row.type === 'asterisk-ari') {
    if (!s.url || !s.username || secret === undefined) return undefined;
    const base = s.url;
    const username = s.username;
    const client = startAriClient({
      url: async () => {
        const url = new URL(base);
        const address = await phoneSystemAddress(url.hostname, deps.allowPrivate);
        // Plain WebSockets go to the very address checked; TLS keeps the name its certificate is for.
        if (url.protocol === 'http:') url.hostname = address.includes(':') ? `[${address}]` : address;
        return ariEventsUrl(url.toString(), s.app ?? 'rabita', username, secret);
      },
      isExtension,
      onEvents,
      log,
    });
    return { client };
  }
  return undefined;
}

/** Runs the AMI and ARI clients of every connection this worker holds the lock of; `stop` ends them all. */
export function startCallAdapters(
  deps: TaskDeps,
  options: { tickMs?: number | undefined } = {},
): { stop(): Promise<void> } {
  const secrets = deps.secrets;
  if (!secrets) return { stop: async () => {} };
  const log: Log = deps.log ?? (() => {});
  const { allowPrivate } = deps.settings.of(callsSettings);
  let session: { conn: Database; close(): Promise<void> } | undefined;
  let stopped = false;
  let ticking: Promise<void> = Promise.resolve();
  const runningHere = new Map<string, Running>();

  const openSession = () =>
    new Promise<{ conn: Database; close(): Promise<void> }>((resolve, reject) => {
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      const done = deps.db.connection().execute(async (conn) => {
        resolve({
          conn,
          close: async () => {
            await unlockAll(conn).catch(() => {});
            release();
            await done.catch(() => {});
          },
        });
        await held;
      });
      done.catch(reject);
    });

  const stopOne = async (id: string) => {
    const r = runningHere.get(id);
    runningHere.delete(id);
    if (amiHere.get(id) === r) amiHere.delete(id);
    await r?.client?.stop().catch(() => {});
    if (session) await unlockConnection(session.conn, id).catch(() => {});
  };

  const dropSession = async () => {
    for (const id of [...runningHere.keys()]) await stopOne(id);
    const s = session;
    session = undefined;
    await s?.close();
  };

  const startOne = async (ref: AdapterConnectionRef, box: SecretBox) => {
    if (!session || !(await tryLockConnection(session.conn, ref.connectionId))) return;
    const row = await withWorkspace(deps.db, ref.workspaceId, (trx) =>
      selectAdapterConnection(trx, ref.workspaceId, ref.connectionId),
    );
    let started: ReturnType<typeof startAdapterClient>;
    try {
      started = row ? startAdapterClient(row, ref, { db: deps.db, box, allowPrivate, log }) : undefined;
    } catch (error) {
      log('warn', 'phone connection not started', {
        connectionId: ref.connectionId,
        error: (error as Error).message,
      });
    }
    if (!started) log('info', 'phone connection not configured yet', { connectionId: ref.connectionId });
    // Held even when not started, so it is tried again only when its settings change.
    const run: Running = {
      version: ref.version,
      workspaceId: ref.workspaceId,
      client: started?.client,
      ami: started?.ami,
      settings: row?.settings,
    };
    runningHere.set(ref.connectionId, run);
    if (run.ami) amiHere.set(ref.connectionId, run);
  };

  const tick = async () => {
    if (stopped) return;
    const refs = await listAdapterConnections(deps.db);
    if (refs.length === 0 && runningHere.size === 0) {
      if (session) await dropSession();
      return;
    }
    if (session) {
      try {
        await pingSession(session.conn);
      } catch {
        log('warn', 'the phone connections’ lock session was lost; starting again');
        await dropSession();
      }
    }
    session ??= await openSession();
    const wanted = new Map(refs.map((r) => [r.connectionId, r]));
    for (const [id, run] of [...runningHere]) {
      const ref = wanted.get(id);
      if (!ref || ref.version !== run.version) await stopOne(id);
    }
    const box = await secrets.get();
    for (const ref of refs) {
      if (stopped) return;
      if (!runningHere.has(ref.connectionId)) await startOne(ref, box);
    }
  };

  const queueTick = () => {
    ticking = ticking.then(tick).catch((error: unknown) => {
      log('error', 'phone connections could not be checked', { error: (error as Error).message });
    });
  };
  // Click-to-call from other processes: only the holder of a connection's client answers its requests.
  const listen = deps.listen;
  const listener = listen
    ? new ChannelListener(listen, [ORIGINATE_CHANNEL], {
        notice: (_channel, payload) => {
          const request = parseOriginate(payload);
          if (!request || !amiHere.get(request.connectionId)) return;
          const reply = (outcome: { ok: boolean; message?: string }) =>
            sql`select pg_notify(${ORIGINATE_DONE_CHANNEL}, ${JSON.stringify({ requestId: request.requestId, ...outcome })})`
              .execute(deps.db)
              .catch(() => {});
          originateHere(request).then(
            async (placed) => {
              if (placed) await reply({ ok: true });
            },
            (error: Error) => reply({ ok: false, message: error.message.slice(0, 300) }),
          );
        },
        down: () => {},
      })
    : undefined;
  void listener?.start().catch(() => {});
  const timer = setInterval(queueTick, options.tickMs ?? 20_000);
  timer.unref();
  adapterChanges.on('changed', queueTick);
  queueTick();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      adapterChanges.off('changed', queueTick);
      await listener?.close();
      await ticking;
      await dropSession();
    },
  };
}

/** The calls module's background service: the AMI and ARI clients of phone connections. */
export const callAdaptersService: BackgroundService = {
  name: 'calls:adapters',
  start: (deps) => startCallAdapters(deps),
};
