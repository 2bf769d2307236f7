/**
 * One event stream per browser, shared by its tabs. The tab holding the Web Lock named for the signed-in person and
 * workspace opens the `EventSource` and republishes each event on a `BroadcastChannel` of the same name; the other
 * tabs listen on the channel and wait for the lock. When the holding tab closes or reloads the browser releases its
 * lock and the next waiting tab opens the stream: the events in between are lost as they are on a reconnect (the
 * server sends no event ids and keeps no history, so there is no `Last-Event-ID` to carry across). Where Web Locks or
 * BroadcastChannel are missing (a page served over plain HTTP from another host has no `navigator.locks`), each tab
 * opens a stream of its own, as before.
 */

/** What a tab asks of the shared stream. */
export interface SharedEventStreamOptions {
  url: string;
  /**
   * Whom the stream speaks for (the person and the workspace): tabs share a stream only under the same key, so a
   * different person or workspace signed in in the same browser never hears another's events.
   */
  key: string;
  /** The stream's event names to hand on (`event: record`, `event: call`, …); others are ignored. */
  types: readonly string[];
  /** Called in every tab, once per event, with the event's name and its `data` text. */
  onEvent: (type: string, data: string) => void;
  /**
   * Asked each time the stream (re)connects, before any of its events is handed on: whether the stream still speaks
   * for `key` (the cookie is the browser's, so a reconnect after another person signed in speaks for them). Until it
   * answers the events wait; on `false` (or a failure) they are dropped and the stream ends.
   */
  verify?: () => Promise<boolean>;
  /** The stream ended for good (refused, or speaking for someone else): called in every tab. */
  onEnded?: () => void;
  /** The browser's pieces (for tests); the page's own by default. */
  env?: Partial<StreamEnvironment>;
}

/** The parts of `EventSource` the stream uses. */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: Event) => void): void;
  close(): void;
}

/** The parts of `BroadcastChannel` the stream uses. */
export interface ChannelLike {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

/** The part of `navigator.locks` the stream uses. */
export interface LocksLike {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void>): Promise<unknown>;
}

/** Where the stream finds the browser's pieces. */
export interface StreamEnvironment {
  EventSource: (new (url: string) => EventSourceLike) | undefined;
  BroadcastChannel: (new (name: string) => ChannelLike) | undefined;
  locks: LocksLike | undefined;
  setTimeout: (run: () => void, ms: number) => unknown;
  clearTimeout: (timer: unknown) => void;
}

/** What goes over the channel: an event of the stream, or word that it ended. */
type ChannelMessage = { kind: 'event'; type: string; data: string } | { kind: 'ended' };

/** The prefix of the lock's and the channel's names. */
export const SHARED_STREAM_PREFIX = 'rabita-events';
/** Waits before opening again a stream the server refused or that spoke for someone else, by attempt. */
export const REOPEN_DELAYS_MS = [5_000, 15_000, 60_000] as const;
/** Events kept while a reconnected stream is checked; a burst beyond this is dropped (they are refresh hints). */
const MAX_HELD = 1_000;
/** `EventSource.CLOSED`: the browser will not reconnect by itself. */
const CLOSED = 2;

function browserEnvironment(): StreamEnvironment {
  const g = globalThis as {
    EventSource?: StreamEnvironment['EventSource'];
    BroadcastChannel?: StreamEnvironment['BroadcastChannel'];
    navigator?: { locks?: LocksLike };
  };
  return {
    EventSource: g.EventSource,
    BroadcastChannel: g.BroadcastChannel,
    locks: typeof g.navigator?.locks?.request === 'function' ? g.navigator.locks : undefined,
    setTimeout: (run, ms) => globalThis.setTimeout(run, ms),
    clearTimeout: (timer) => globalThis.clearTimeout(timer as ReturnType<typeof setTimeout>),
  };
}

function isChannelMessage(value: unknown, types: ReadonlySet<string>): value is ChannelMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  if (m.kind === 'ended') return true;
  return m.kind === 'event' && typeof m.type === 'string' && types.has(m.type) && typeof m.data === 'string';
}

/**
 * Joins the browser's shared event stream for `options.key` (opening it when this tab takes the lead); answers the
 * function that leaves it. Every tab's `onEvent` sees each event once.
 */
export function openSharedEventStream(options: SharedEventStreamOptions): () => void {
  const env = { ...browserEnvironment(), ...options.env };
  const types = new Set(options.types);
  const deliver = (type: string, data: string) => options.onEvent(type, data);
  const ended = () => options.onEnded?.();
  if (!env.EventSource) return () => {};
  if (!env.locks || !env.BroadcastChannel) return openStream(env, options, deliver, ended);

  const name = `${SHARED_STREAM_PREFIX}:${options.key}`;
  const channel = new env.BroadcastChannel(name);
  channel.onmessage = (event) => {
    const message: unknown = event.data;
    if (!isChannelMessage(message, types)) return;
    if (message.kind === 'event') deliver(message.type, message.data);
    else ended();
  };
  const abort = new AbortController();
  let left = false;
  let stopLeading: (() => void) | undefined;
  env.locks
    .request(
      name,
      { signal: abort.signal },
      () =>
        // Held until this tab leaves: the browser releases it by itself when the tab closes, reloads or crashes.
        new Promise<void>((release) => {
          if (left) return release();
          const close = openStream(
            env,
            options,
            (type, data) => {
              channel.postMessage({ kind: 'event', type, data } satisfies ChannelMessage);
              deliver(type, data);
            },
            () => {
              channel.postMessage({ kind: 'ended' } satisfies ChannelMessage);
              ended();
            },
          );
          stopLeading = () => {
            close();
            release();
          };
        }),
    )
    // Left before taking the lead: the request is withdrawn (an AbortError).
    .catch(() => {});
  return () => {
    left = true;
    abort.abort();
    stopLeading?.();
    stopLeading = undefined;
    channel.onmessage = null;
    channel.close();
  };
}

/**
 * This tab's own `EventSource` on `url`: each event of `types` goes to `publish` (after the connection is verified,
 * when `verify` is given). A stream the browser gave up on, or one that failed its check, calls `ended` and is
 * opened again after a wait; the browser reconnects the others by itself.
 */
function openStream(
  env: StreamEnvironment,
  { url, types, verify }: Pick<SharedEventStreamOptions, 'url' | 'types' | 'verify'>,
  publish: (type: string, data: string) => void,
  ended: () => void,
): () => void {
  const EventSourceClass = env.EventSource!;
  let source: EventSourceLike | undefined;
  let reopen: unknown;
  let failures = 0;
  let closed = false;
  const fail = () => {
    source?.close();
    source = undefined;
    ended();
    if (closed) return;
    const wait = REOPEN_DELAYS_MS[Math.min(failures, REOPEN_DELAYS_MS.length - 1)]!;
    failures += 1;
    reopen = env.setTimeout(() => {
      reopen = undefined;
      if (!closed) connect();
    }, wait);
  };
  const connect = () => {
    const current = new EventSourceClass(url);
    source = current;
    // Events of a connection not yet verified wait here; `check` tells a connection's answer from an older one's.
    let held: [string, string][] | undefined = verify ? [] : undefined;
    let check = 0;
    current.addEventListener('open', () => {
      if (!verify) {
        failures = 0;
        return;
      }
      held = [];
      const mine = ++check;
      verify()
        .catch(() => false)
        .then((same) => {
          if (closed || source !== current || mine !== check) return;
          if (!same) return fail();
          failures = 0;
          const waiting = held ?? [];
          held = undefined;
          for (const [type, data] of waiting) publish(type, data);
        });
    });
    for (const type of types)
      current.addEventListener(type, (event) => {
        const data: unknown = (event as MessageEvent).data;
        if (typeof data !== 'string' || source !== current) return;
        if (!held) publish(type, data);
        else if (held.length < MAX_HELD) held.push([type, data]);
      });
    current.addEventListener('error', () => {
      if (source !== current) return;
      // Refused (401 once signed out, 503) or broken beyond the browser's retry: ended, opened again later.
      if (current.readyState === CLOSED) fail();
    });
  };
  connect();
  return () => {
    closed = true;
    env.clearTimeout(reopen);
    source?.close();
    source = undefined;
  };
}
