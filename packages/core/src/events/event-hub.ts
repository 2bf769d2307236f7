import type pg from 'pg';
import { EVENTS_CHANNEL } from './events.service.ts';

/** A record change as it arrives over NOTIFY (see `notifyPayload`), or a person's new notification. */
export interface StreamEvent {
  /** Absent for record changes. */
  type?: 'notification' | 'call' | 'presence' | 'wall';
  /** For notifications and calls: whom it is for, its id and kind (a call's kind is its state). */
  userId?: string;
  id?: string;
  kind?: string;
  workspaceId: string;
  object: string;
  recordId: string;
  action?: string;
  fields?: string[];
  ownerId?: string | null;
  actorUserId?: string | null;
  source?: string;
  at: string;
}

type Listener = (event: StreamEvent) => void;

function parse(payload: string | undefined): StreamEvent | undefined {
  if (!payload) return undefined;
  try {
    const e = JSON.parse(payload) as StreamEvent;
    return typeof e.workspaceId === 'string' && typeof e.object === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One LISTEN connection per app process, fanned out to every open event stream of that process. Every app
 * instance runs its own, so a change written through any instance reaches browsers connected to all of them.
 * The connection is taken from the pool when the first stream opens and given back when the last closes;
 * if it breaks, it is replaced after a second.
 */
export class EventHub {
  readonly #pool: pg.Pool;
  readonly #listeners = new Set<Listener>();
  #client: pg.PoolClient | undefined;
  /** What this hub listens to on its client, taken off again when the client goes back to the pool. */
  #broken: (() => void) | undefined;
  #connecting: Promise<void> | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Calls `listener` for every change in any workspace until the returned function is called. */
  async subscribe(listener: Listener): Promise<() => void> {
    this.#listeners.add(listener);
    await this.#ensureListening();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#release();
    };
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  async #ensureListening(): Promise<void> {
    if (this.#client || this.#closed) return;
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    const client = await this.#pool.connect();
    const broken = () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      client.release(true);
      if (!this.#closed && this.#listeners.size > 0)
        this.#retry = setTimeout(() => void this.#ensureListening().catch(() => {}), 1000);
    };
    client.on('notification', (message) => {
      if (message.channel !== EVENTS_CHANNEL) return;
      const event = parse(message.payload);
      if (!event) return;
      for (const listener of this.#listeners) listener(event);
    });
    client.on('error', broken);
    client.on('end', broken);
    await client.query(`listen ${EVENTS_CHANNEL}`);
    this.#client = client;
    this.#broken = broken;
    if (this.#listeners.size === 0) this.#release();
  }

  #release(): void {
    const client = this.#client;
    if (!client) return;
    this.#client = undefined;
    client.removeAllListeners('notification');
    // A pooled client is handed out again: leave no listener of this hub on it.
    if (this.#broken) {
      client.off('error', this.#broken);
      client.off('end', this.#broken);
      this.#broken = undefined;
    }
    client.query(`unlisten ${EVENTS_CHANNEL}`).then(
      () => client.release(),
      () => client.release(true),
    );
  }

  /** Stops listening (on app shutdown). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    await this.#connecting?.catch(() => {});
    this.#listeners.clear();
    this.#release();
  }
}
