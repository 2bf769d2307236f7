import type { CallEventInput } from '../call-fold.ts';
import { endpointOf } from './ami-mapper.ts';
import { type AdapterLog, type Backoff, keepConnected, orderedHandOff } from './keep-connected.ts';

// Asterisk's REST Interface sends a Stasis application's events over a WebSocket as JSON. Rabita follows a call
// from `StasisStart` (ringing), `ChannelStateChange` to `Up` (answered, at the extension whose channel it is) and
// `ChannelDestroyed` (ended, with its cause). A call is the channel's `linkedid` (the channel's own id before
// Asterisk 16.? named it), and the sequence is the milliseconds since the call's start, from the event's own
// timestamp: the same event always gives the same sequence. ARI has no queues of its own: the dialplan names one in
// the application's arguments (`Stasis(rabita,queue=support)`) or in the channel variable `RABITA_QUEUE` (read from
// StasisStart's `channelvars`, which needs `channelvars = RABITA_QUEUE` in ari.conf, or from a `ChannelVarset`
// event), and every event of the call after carries it.

/** One ARI event as far as Rabita reads it. */
interface AriEvent {
  type?: unknown;
  timestamp?: unknown;
  /** StasisStart: the arguments the dialplan gave the application (`Stasis(app,arg1,arg2)`). */
  args?: unknown;
  cause?: unknown;
  cause_txt?: unknown;
  /** ChannelVarset: the variable set and its value. */
  variable?: unknown;
  value?: unknown;
  channel?: {
    id?: unknown;
    name?: unknown;
    state?: unknown;
    linkedid?: unknown;
    creationtime?: unknown;
    caller?: { number?: unknown };
    connected?: { number?: unknown };
    dialplan?: { exten?: unknown };
    /** The variables ari.conf's `channelvars` lists, as set on the channel. */
    channelvars?: unknown;
  };
}

/** The channel variable that names a call's queue. */
export const QUEUE_VARIABLE = 'RABITA_QUEUE';

const str = (v: unknown, max = 100) => (typeof v === 'string' ? v.slice(0, max) : undefined);
/** ARI writes `2026-12-05T10:00:00.123+0000`; Date wants the offset with a colon. */
const timeOf = (v: unknown) => {
  const s = str(v, 40);
  if (!s) return undefined;
  const t = Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(t) ? t : undefined;
};

interface AriCall {
  from: string;
  to: string;
  direction: 'inbound' | 'outbound';
  start: number;
  answered: boolean;
  /** The queue the dialplan named (`queue=<name>` among StasisStart's arguments). */
  queue: string | undefined;
}

/**
 * The queue named among a Stasis application's arguments: the first `queue=<name>` (the key in any case, spaces
 * around it allowed), trimmed; none when it is empty, too long, or holds a control character or a lone surrogate —
 * the call then comes without a queue rather than being dropped by the call-event schema.
 */
export function queueOfArgs(args: unknown): string | undefined {
  if (!Array.isArray(args)) return undefined;
  for (const arg of args.slice(0, 20)) {
    if (typeof arg !== 'string') continue;
    const named = /^\s*queue\s*=(.*)$/is.exec(arg.slice(0, 1000));
    if (!named) continue;
    return queueName(named[1]);
  }
  return undefined;
}

/**
 * A queue name as the call-event schema takes it: trimmed; none when it is not text, empty, too long, or holds a
 * control character or a lone surrogate (`\p{Cs}` in a `u` pattern matches only a surrogate without its pair).
 */
function queueName(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length > 1000) return undefined;
  const queue = raw.trim();
  return queue.length > 0 && queue.length <= 200 && !/[\p{Cc}\p{Cs}]/u.test(queue) ? queue : undefined;
}

/** The queue a channel's variables name (`RABITA_QUEUE`, as ari.conf's `channelvars` puts it on the channel). */
export function queueOfChannelVars(vars: unknown): string | undefined {
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) return undefined;
  return queueName((vars as Record<string, unknown>)[QUEUE_VARIABLE]);
}

/** Follows ARI events and says which Rabita call events each one is. */
export class AriCallMapper {
  readonly #calls = new Map<string, AriCall>();
  readonly #isExtension: (endpoint: string) => boolean;
  readonly #now: () => Date;

  constructor(options: { isExtension(endpoint: string): boolean; now?: () => Date }) {
    this.#isExtension = options.isExtension;
    this.#now = options.now ?? (() => new Date());
  }

  map(raw: unknown): CallEventInput[] {
    if (typeof raw !== 'object' || raw === null) return [];
    const e = raw as AriEvent;
    const channel = e.channel;
    if (typeof channel !== 'object' || channel === null) return [];
    const id = str(channel.linkedid) ?? str(channel.id);
    if (!id) return [];
    const at = timeOf(e.timestamp) ?? this.#now().getTime();
    const endpoint = endpointOf(str(channel.name, 200));
    const extension = endpoint !== undefined && this.#isExtension(endpoint) ? endpoint : undefined;
    const event = (call: AriCall, kind: CallEventInput['event'], extra: Partial<CallEventInput> = {}) => ({
      callId: id,
      event: kind,
      sequence: Math.min(2_147_483_647, Math.max(0, Math.round(at - call.start))),
      at: new Date(at).toISOString(),
      from: call.from,
      to: call.to,
      direction: call.direction,
      ...(call.queue ? { queue: call.queue } : {}),
      ...extra,
    });
    switch (e.type) {
      case 'StasisStart': {
        if (this.#calls.has(id)) return [];
        if (this.#calls.size >= 10_000) this.#calls.delete(this.#calls.keys().next().value!);
        const start = timeOf(channel.creationtime) ?? Number(id.split('.')[0]) * 1000;
        const direction = extension ? 'outbound' : 'inbound';
        const call: AriCall = {
          from: str(channel.caller?.number) ?? '',
          to: str(channel.dialplan?.exten) ?? '',
          direction,
          start: Number.isFinite(start) ? start : at,
          answered: false,
          // A queue gathers customers' calls, as AMI's QueueCallerJoin is taken for inbound calls only.
          queue:
            direction === 'inbound'
              ? (queueOfArgs(e.args) ?? queueOfChannelVars(channel.channelvars))
              : undefined,
        };
        this.#calls.set(id, call);
        return [event(call, 'ringing', extension ? { extension } : {})];
      }
      case 'ChannelStateChange': {
        const call = this.#calls.get(id);
        if (!call || channel.state !== 'Up' || call.answered) return [];
        call.answered = true;
        return [event(call, 'answered', extension ? { extension } : {})];
      }
      case 'ChannelVarset': {
        // The dialplan (or another application) sets RABITA_QUEUE on a channel of a customer's call: the call is in
        // that queue from now on. While it still rings, a second `ringing` at nobody's extension says so at once
        // (the pop goes to the queue's members), as AMI's QueueCallerJoin does.
        const call = this.#calls.get(id);
        if (call?.direction !== 'inbound' || e.variable !== QUEUE_VARIABLE) return [];
        const queue = queueName(e.value);
        if (!queue || queue === call.queue) return [];
        call.queue = queue;
        return call.answered ? [] : [event(call, 'ringing')];
      }
      case 'ChannelDestroyed': {
        const call = this.#calls.get(id);
        if (!call) return [];
        this.#calls.delete(id);
        const cause = str(e.cause_txt, 200) ?? (typeof e.cause === 'number' ? `cause ${e.cause}` : undefined);
        return [event(call, 'ended', cause ? { cause } : {})];
      }
      default:
        return [];
    }
  }
}

export interface AriClientOptions {
  /** The WebSocket URL of the events (`ws://pbx:8088/ari/events?app=…&api_key=…`), made after the guard ran. */
  url: () => Promise<string>;
  isExtension(endpoint: string): boolean;
  onEvents(events: CallEventInput[]): Promise<void>;
  log?: AdapterLog | undefined;
  backoff?: Backoff | undefined;
  /** The largest message read (1 MB by default); larger ones are skipped. */
  maxMessage?: number | undefined;
}

/** The events URL of an ARI base URL (`http://pbx:8088` → `ws://pbx:8088/ari/events?…`). */
export function ariEventsUrl(base: string, app: string, username: string, password: string): string {
  const url = new URL(base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ari/events`;
  url.search = new URLSearchParams({ app, api_key: `${username}:${password}` }).toString();
  return url.toString();
}

/** Starts an ARI WebSocket client that keeps itself connected until stopped. */
export function startAriClient(options: AriClientOptions): {
  readonly ready: boolean;
  stop(): Promise<void>;
} {
  const log = options.log ?? (() => {});
  const maxMessage = options.maxMessage ?? 1024 * 1024;
  const mapper = new AriCallMapper({ isExtension: options.isExtension });
  let socket: WebSocket | undefined;
  let ready = false;
  const handOff = orderedHandOff(options.onEvents, log);

  /** One WebSocket: open is success; call events until it closes. */
  const open = (url: string) => {
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener('open', () => {
      ready = true;
      link.succeeded();
      log('info', 'ARI connected');
    });
    ws.addEventListener('message', (message) => {
      if (typeof message.data !== 'string' || message.data.length > maxMessage) return;
      let events: CallEventInput[];
      try {
        events = mapper.map(JSON.parse(message.data));
      } catch {
        return;
      }
      handOff.push(events);
    });
    ws.addEventListener('error', () => log('warn', 'ARI connection failed'));
    ws.addEventListener('close', () => {
      if (socket === ws) socket = undefined;
      ready = false;
      link.retry();
    });
  };
  const link = keepConnected({ name: 'ARI', target: options.url, open, backoff: options.backoff, log });

  return {
    get ready() {
      return ready;
    },
    async stop() {
      link.stop();
      const ws = socket;
      if (ws && ws.readyState !== WebSocket.CLOSED) {
        await new Promise<void>((resolve) => {
          ws.addEventListener('close', () => resolve());
          ws.close();
          setTimeout(resolve, 1_000).unref();
        });
      }
      await handOff.idle();
    },
  };
}
