import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChannelLike,
  type EventSourceLike,
  type LocksLike,
  openSharedEventStream,
  REOPEN_DELAYS_MS,
  type SharedEventStreamOptions,
  type StreamEnvironment,
} from './shared-event-stream.ts';

// One browser, several tabs, played with small fakes: an EventSource the test feeds, a BroadcastChannel that delivers
// to the browser's other channels of its name (never back to the sender, as browsers do), Web Locks granted in order
// of request and released when the holder's promise settles, and timers the test runs.

class FakeEventSource implements EventSourceLike {
  readyState = 0;
  readonly url: string;
  readonly #listeners = new Map<string, ((event: Event) => void)[]>();
  constructor(url: string, browser: FakeBrowser) {
    this.url = url;
    browser.sources.push(this);
  }
  addEventListener(type: string, listener: (event: Event) => void) {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  close() {
    this.readyState = 2;
  }
  get open() {
    return this.readyState !== 2;
  }
  #fire(type: string, event: Event) {
    for (const l of this.#listeners.get(type) ?? []) l(event);
  }
  /** The server answered: the stream is connected. */
  connect() {
    this.readyState = 1;
    this.#fire('open', new Event('open'));
  }
  /** The server sent `event: <type>` with `data`. */
  emit(type: string, data: string) {
    this.#fire(type, new MessageEvent(type, { data }));
  }
  /** The connection broke; `fatal` as on a refused reconnect (the browser gives up). */
  drop(fatal: boolean) {
    this.readyState = fatal ? 2 : 0;
    this.#fire('error', new Event('error'));
  }
}

class FakeBrowser {
  readonly sources: FakeEventSource[] = [];
  readonly channels: FakeChannel[] = [];
  readonly #held = new Map<string, boolean>();
  readonly #queue = new Map<string, { signal?: AbortSignal; grant: () => void }[]>();
  readonly #timers: { at: number; run: () => void; id: number }[] = [];
  #now = 0;
  #ids = 0;

  openSources() {
    return this.sources.filter((s) => s.open);
  }

  locks: LocksLike = {
    request: (name, options, callback) =>
      new Promise((resolve, reject) => {
        const entry = {
          ...(options.signal ? { signal: options.signal } : {}),
          grant: () => {
            this.#held.set(name, true);
            void callback().finally(() => {
              this.#held.set(name, false);
              resolve(undefined);
              this.#next(name);
            });
          },
        };
        options.signal?.addEventListener('abort', () => {
          const queue = this.#queue.get(name) ?? [];
          if (queue.includes(entry)) {
            this.#queue.set(
              name,
              queue.filter((e) => e !== entry),
            );
            reject(new DOMException('aborted', 'AbortError'));
          }
        });
        this.#queue.set(name, [...(this.#queue.get(name) ?? []), entry]);
        this.#next(name);
      }),
  };

  #next(name: string) {
    if (this.#held.get(name)) return;
    const [first, ...rest] = this.#queue.get(name) ?? [];
    if (!first) return;
    this.#queue.set(name, rest);
    first.grant();
  }

  environment(tab: { closed: boolean }): StreamEnvironment {
    const browser = this;
    return {
      EventSource: class extends FakeEventSource {
        constructor(url: string) {
          super(url, browser);
        }
      },
      BroadcastChannel: class extends FakeChannel {
        constructor(name: string) {
          super(name, browser, tab);
        }
      },
      locks: this.locks,
      setTimeout: (run, ms) => {
        const id = ++this.#ids;
        this.#timers.push({ at: this.#now + ms, run, id });
        return id;
      },
      clearTimeout: (id) => {
        const i = this.#timers.findIndex((t) => t.id === id);
        if (i >= 0) this.#timers.splice(i, 1);
      },
    };
  }

  /** Moves the clock on, running the timers that fall due. */
  advance(ms: number) {
    this.#now += ms;
    for (const t of [...this.#timers].sort((a, b) => a.at - b.at))
      if (t.at <= this.#now) {
        this.#timers.splice(this.#timers.indexOf(t), 1);
        t.run();
      }
  }
}

class FakeChannel implements ChannelLike {
  onmessage: ((event: MessageEvent) => void) | null = null;
  closed = false;
  readonly name: string;
  readonly #browser: FakeBrowser;
  readonly tab: { closed: boolean };
  constructor(name: string, browser: FakeBrowser, tab: { closed: boolean }) {
    this.name = name;
    this.#browser = browser;
    this.tab = tab;
    browser.channels.push(this);
  }
  postMessage(message: unknown) {
    if (this.closed) throw new DOMException('closed', 'InvalidStateError');
    const copy = structuredClone(message);
    for (const other of this.#browser.channels)
      if (other !== this && other.name === this.name && !other.closed && !other.tab.closed)
        queueMicrotask(() => other.onmessage?.(new MessageEvent('message', { data: copy })));
  }
  close() {
    this.closed = true;
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));
const TYPES = ['record', 'call'] as const;

interface Tab {
  heard: string[];
  ended: number;
  /** The tab goes away as a closed tab does: it leaves and the browser drops its lock. */
  close(): void;
}

let browser: FakeBrowser;
const tabs: Tab[] = [];
afterEach(() => {
  for (const t of tabs.splice(0)) t.close();
});

function openTab(
  key: string,
  extra: Partial<SharedEventStreamOptions> = {},
  env: Partial<StreamEnvironment> = {},
) {
  const state = { closed: false };
  const tab: Tab = { heard: [], ended: 0, close: () => {} };
  const leave = openSharedEventStream({
    url: '/api/v1/events',
    key,
    types: TYPES,
    onEvent: (type, data) => tab.heard.push(`${type}:${data}`),
    onEnded: () => {
      tab.ended += 1;
    },
    ...extra,
    env: { ...browser.environment(state), ...env },
  });
  tab.close = () => {
    state.closed = true;
    leave();
  };
  tabs.push(tab);
  return tab;
}

describe('one event stream per browser, shared by its tabs', () => {
  it('opens one stream for three tabs of the same person and workspace, and each tab hears every event once', async () => {
    browser = new FakeBrowser();
    const [a, b, c] = [openTab('u1:w1'), openTab('u1:w1'), openTab('u1:w1')];
    await flush();
    expect(browser.openSources()).toHaveLength(1);
    const stream = browser.openSources()[0]!;
    expect(stream.url).toBe('/api/v1/events');
    stream.connect();
    stream.emit('call', '{"callId":"c1","state":"ringing"}');
    stream.emit('record', '{"object":"people"}');
    await flush();
    for (const tab of [a!, b!, c!])
      expect(tab.heard).toEqual(['call:{"callId":"c1","state":"ringing"}', 'record:{"object":"people"}']);
  });

  it('hands the stream to another tab when the leading tab closes, and the others keep hearing', async () => {
    browser = new FakeBrowser();
    const leader = openTab('u1:w1');
    const b = openTab('u1:w1');
    const c = openTab('u1:w1');
    await flush();
    const first = browser.openSources()[0]!;
    first.connect();
    leader.close();
    await flush();
    expect(first.open).toBe(false);
    expect(browser.openSources()).toHaveLength(1);
    const second = browser.openSources()[0]!;
    expect(second).not.toBe(first);
    second.connect();
    second.emit('call', 'after');
    await flush();
    expect(b.heard).toEqual(['call:after']);
    expect(c.heard).toEqual(['call:after']);
    expect(leader.heard).toEqual([]);
  });

  it('never shares between different people or workspaces in one browser', async () => {
    browser = new FakeBrowser();
    const nadia = openTab('u1:w1');
    const omar = openTab('u2:w1');
    const nadiaElsewhere = openTab('u1:w2');
    await flush();
    const streams = browser.openSources();
    expect(streams).toHaveLength(3);
    for (const s of streams) s.connect();
    streams[0]!.emit('call', 'for-nadia');
    await flush();
    expect(nadia.heard).toEqual(['call:for-nadia']);
    expect(omar.heard).toEqual([]);
    expect(nadiaElsewhere.heard).toEqual([]);
    expect(new Set(browser.channels.map((ch) => ch.name))).toEqual(
      new Set(['rabita-events:u1:w1', 'rabita-events:u2:w1', 'rabita-events:u1:w2']),
    );
  });

  it('opens a stream per tab where Web Locks or BroadcastChannel are missing', async () => {
    browser = new FakeBrowser();
    const a = openTab('u1:w1', {}, { locks: undefined });
    const b = openTab('u1:w1', {}, { BroadcastChannel: undefined });
    await flush();
    expect(browser.openSources()).toHaveLength(2);
    expect(browser.channels).toHaveLength(0);
    const [sa, sb] = browser.openSources();
    sa!.connect();
    sa!.emit('record', 'one');
    await flush();
    expect(a.heard).toEqual(['record:one']);
    expect(b.heard).toEqual([]);
    sb!.connect();
    sb!.emit('record', 'two');
    expect(b.heard).toEqual(['record:two']);
  });

  it('does nothing without EventSource', async () => {
    browser = new FakeBrowser();
    openTab('u1:w1', {}, { EventSource: undefined });
    await flush();
    expect(browser.channels).toHaveLength(0);
  });

  it('withdraws a waiting tab that leaves, so it never opens a stream later', async () => {
    browser = new FakeBrowser();
    const leader = openTab('u1:w1');
    const waiting = openTab('u1:w1');
    await flush();
    waiting.close();
    leader.close();
    await flush();
    expect(browser.openSources()).toHaveLength(0);
  });

  it('ignores events of names it was not asked for and malformed messages on the channel', async () => {
    browser = new FakeBrowser();
    openTab('u1:w1');
    const b = openTab('u1:w1');
    await flush();
    const stream = browser.openSources()[0]!;
    stream.connect();
    stream.emit('secret', 'x');
    const channel = browser.channels.find((ch) => ch.name === 'rabita-events:u1:w1')!;
    channel.postMessage({ kind: 'event', type: 'record', data: 42 });
    channel.postMessage({ kind: 'event', type: 'other', data: 'x' });
    channel.postMessage('record:x');
    channel.postMessage(null);
    await flush();
    expect(b.heard).toEqual([]);
  });
});

describe('a stream checked on each connection', () => {
  it('holds a connection’s events until the check answers, then hands them on in order', async () => {
    browser = new FakeBrowser();
    let answer: (same: boolean) => void = () => {};
    const verify = () => new Promise<boolean>((r) => (answer = r));
    const a = openTab('u1:w1', { verify });
    const b = openTab('u1:w1', { verify });
    await flush();
    const stream = browser.openSources()[0]!;
    stream.connect();
    stream.emit('call', 'one');
    stream.emit('record', 'two');
    await flush();
    expect(a.heard).toEqual([]);
    expect(b.heard).toEqual([]);
    answer(true);
    await flush();
    stream.emit('call', 'three');
    await flush();
    expect(a.heard).toEqual(['call:one', 'record:two', 'call:three']);
    expect(b.heard).toEqual(['call:one', 'record:two', 'call:three']);
  });

  it('drops the events of a reconnection that speaks for someone else, and tells every tab', async () => {
    browser = new FakeBrowser();
    let same = true;
    const verify = async () => same;
    const a = openTab('u1:w1', { verify });
    const b = openTab('u1:w1', { verify });
    await flush();
    const stream = browser.openSources()[0]!;
    stream.connect();
    await flush();
    stream.emit('call', 'mine');
    // The server ends the stream; someone else signs in; the browser reconnects with their cookie.
    stream.drop(false);
    same = false;
    stream.connect();
    stream.emit('call', 'someone-else’s');
    await flush();
    expect(a.heard).toEqual(['call:mine']);
    expect(b.heard).toEqual(['call:mine']);
    expect(stream.open).toBe(false);
    expect(a.ended).toBe(1);
    expect(b.ended).toBe(1);
  });

  it('treats a check that fails as someone else’s', async () => {
    browser = new FakeBrowser();
    const a = openTab('u1:w1', { verify: () => Promise.reject(new Error('offline')) });
    await flush();
    const stream = browser.openSources()[0]!;
    stream.connect();
    stream.emit('call', 'x');
    await flush();
    expect(a.heard).toEqual([]);
    expect(a.ended).toBe(1);
  });
});

describe('a stream the browser gave up on', () => {
  it('tells every tab and opens again after a growing wait', async () => {
    browser = new FakeBrowser();
    const a = openTab('u1:w1');
    const b = openTab('u1:w1');
    await flush();
    const first = browser.openSources()[0]!;
    first.connect();
    first.drop(true);
    await flush();
    expect(a.ended).toBe(1);
    expect(b.ended).toBe(1);
    expect(browser.openSources()).toHaveLength(0);
    browser.advance(REOPEN_DELAYS_MS[0] - 1);
    expect(browser.openSources()).toHaveLength(0);
    browser.advance(1);
    const second = browser.openSources()[0]!;
    expect(second).toBeDefined();
    second.drop(true);
    browser.advance(REOPEN_DELAYS_MS[0]);
    expect(browser.openSources()).toHaveLength(0);
    browser.advance(REOPEN_DELAYS_MS[1] - REOPEN_DELAYS_MS[0]);
    expect(browser.openSources()).toHaveLength(1);
  });

  it('leaves the browser’s own reconnects alone', async () => {
    browser = new FakeBrowser();
    const a = openTab('u1:w1');
    await flush();
    const stream = browser.openSources()[0]!;
    stream.connect();
    stream.drop(false);
    browser.advance(REOPEN_DELAYS_MS[2]);
    expect(browser.sources).toHaveLength(1);
    expect(a.ended).toBe(0);
  });

  it('opens nothing again once the tab has left', async () => {
    browser = new FakeBrowser();
    const a = openTab('u1:w1');
    await flush();
    browser.openSources()[0]!.drop(true);
    a.close();
    browser.advance(REOPEN_DELAYS_MS[2]);
    expect(browser.openSources()).toHaveLength(0);
  });
});
