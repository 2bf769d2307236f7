import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { afterCommit, onCitus, type Tx } from '@rabita/db';
import { sql } from 'kysely';
import type pg from 'pg';
import type { Principal } from '../auth/principal.ts';
import { ChannelListener } from '../events/channel-listener.ts';
import { EVENTS_CHANNEL } from '../events/events.service.ts';
import type { EventSubscriber } from '../modules/manifest.ts';

/** The channel the sales module's tables announce forecast changes on (migration sales-0012), the workspace's id as payload. */
export const SALES_CHANNEL = 'rabita_sales';

/** Records whose change can move a forecast: their record events arrive on the events channel. */
const FORECAST_OBJECTS = new Set(['deals', 'stages']);

/**
 * What a forecast reader's number depends on besides the data: who reads (their own records only?) and under which
 * role's rules (read rule, hidden fields) — a key part, so two readers never share an answer they may not both see.
 */
export function readerKey(principal: Principal): string {
  const rules = createHash('sha256').update(JSON.stringify(principal.role.permissions)).digest('base64url');
  return `${principal.userId ?? ''}/${principal.apiKeyId ?? ''}/${principal.role.id}/${rules}`;
}

const localChanges = new EventEmitter();
localChanges.setMaxListeners(0);

/**
 * Tells this process's forecast caches at once that a workspace's forecast inputs changed: called after the
 * writing transaction commits (`afterCommit`), so the writer's next read in this process never gets the old answer
 * while the database's notification is on its way. Other processes hear the notification.
 */
export function forecastChanged(workspaceId: string): void {
  localChanges.emit('changed', workspaceId);
}

/**
 * Called in a transaction that writes a forecast input (a rate, quota, adjustment, submission or setting): this
 * process's caches forget the workspace's forecasts when it commits (`forecastChanged`), and other processes hear
 * it from the database. On one PostgreSQL the sales tables' triggers (sales-0012) announce it; on a Citus cluster
 * those triggers are dropped (they would notify from the worker holding the shard, unheard by the coordinator's
 * listeners), so the announcement is made here by a statement that reads no table and so runs on the coordinator,
 * delivered when the transaction commits like the trigger's.
 */
export async function forecastInputsChanged(trx: Tx, workspaceId: string): Promise<void> {
  afterCommit(trx, () => forecastChanged(workspaceId));
  if (await onCitus(trx)) await sql`select pg_notify(${SALES_CHANNEL}, ${workspaceId})`.execute(trx);
}

interface Entry<T> {
  value: T;
  until: number;
}

/**
 * Computed forecasts per workspace and key (period, team, reader, settings), kept until anything they are made of
 * changes: a deal or stage written anywhere (its record event on `rabita_events`, sent by the writing transaction
 * and delivered when it commits) or a rate, quota, adjustment, submission or setting (the sales tables' triggers on
 * `rabita_sales`), and in this process at once after the writing transaction commits (`forecastChanged`). Each
 * instance of the app listens for itself; while its connection is down nothing is kept, and
 * nothing outlives `ttlMs`. A computation that began before a change of its workspace is answered but not kept
 * (the workspace's generation moved), and requests for the same key while one is computed share it.
 */
export class ForecastCache<T> {
  readonly #entries = new Map<string, Map<string, Entry<T>>>();
  readonly #pending = new Map<string, Promise<T>>();
  readonly #generations = new Map<string, number>();
  readonly #listener: ChannelListener;
  readonly #ttlMs: number;
  readonly #maxPerWorkspace: number;
  readonly #maxWorkspaces: number;
  readonly #local = (workspaceId: string) => this.#changed(workspaceId);
  #epoch = 0;
  #started = false;

  constructor(
    connection: pg.ClientConfig,
    options: { ttlMs?: number; maxPerWorkspace?: number; maxWorkspaces?: number } = {},
  ) {
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#maxPerWorkspace = options.maxPerWorkspace ?? 50;
    this.#maxWorkspaces = options.maxWorkspaces ?? 200;
    this.#listener = new ChannelListener(connection, [EVENTS_CHANNEL, SALES_CHANNEL], {
      notice: (channel, payload) => {
        if (channel === SALES_CHANNEL) return this.#changed(payload || undefined);
        const event = parseEvent(payload);
        if (!event) return this.#changed(undefined);
        if (FORECAST_OBJECTS.has(event.object)) this.#changed(event.workspaceId);
      },
      down: () => this.#changed(undefined),
    });
    localChanges.on('changed', this.#local);
  }

  /** Starts listening (the first `get` does it too: an instance that never serves a forecast holds no connection). */
  async start(): Promise<void> {
    this.#started = true;
    await this.#listener.start();
  }

  async close(): Promise<void> {
    localChanges.off('changed', this.#local);
    await this.#listener.close();
    this.#changed(undefined);
  }

  /** The kept answer for the key, or `compute`'s (shared by concurrent asks of the same key). */
  async get(workspaceId: string, key: string, compute: () => Promise<T>): Promise<T> {
    if (!this.#started) void this.start().catch(() => {});
    const kept = this.#entries.get(workspaceId)?.get(key);
    if (kept && kept.until > Date.now()) return kept.value;
    const id = `${workspaceId} ${key}`;
    const pending = this.#pending.get(id);
    if (pending) return pending;
    const started = this.#generationOf(workspaceId);
    const promise = compute().then((value) => {
      if (this.#listener.listening && this.#generationOf(workspaceId) === started)
        this.#keep(workspaceId, key, value);
      return value;
    });
    this.#pending.set(id, promise);
    try {
      return await promise;
    } finally {
      // A change may have let a newer computation of the key take this one's place.
      if (this.#pending.get(id) === promise) this.#pending.delete(id);
    }
  }

  get listening(): boolean {
    return this.#listener.listening;
  }

  #generationOf(workspaceId: string): string {
    return `${this.#epoch}.${this.#generations.get(workspaceId) ?? 0}`;
  }

  #keep(workspaceId: string, key: string, value: T): void {
    let entries = this.#entries.get(workspaceId);
    if (!entries) {
      // At most `maxWorkspaces` workspaces' forecasts: the one kept longest goes first.
      if (this.#entries.size >= this.#maxWorkspaces) this.#entries.delete(this.#entries.keys().next().value!);
      entries = new Map<string, Entry<T>>();
      this.#entries.set(workspaceId, entries);
    }
    if (entries.size >= this.#maxPerWorkspace) entries.delete(entries.keys().next().value!);
    entries.set(key, { value, until: Date.now() + this.#ttlMs });
  }

  /** Forgets one workspace's forecasts, or everyone's (undefined). */
  #changed(workspaceId: string | undefined): void {
    if (workspaceId === undefined) {
      this.#epoch += 1;
      this.#generations.clear();
      this.#entries.clear();
      // Computations in flight began before the change: they must not be shared with asks made after it.
      this.#pending.clear();
      return;
    }
    this.#generations.set(workspaceId, (this.#generations.get(workspaceId) ?? 0) + 1);
    this.#entries.delete(workspaceId);
    for (const id of this.#pending.keys()) if (id.startsWith(`${workspaceId} `)) this.#pending.delete(id);
  }
}

function parseEvent(payload: string): { workspaceId: string; object: string } | undefined {
  try {
    const e = JSON.parse(payload) as { workspaceId?: unknown; object?: unknown };
    return typeof e.workspaceId === 'string' && typeof e.object === 'string'
      ? { workspaceId: e.workspaceId, object: e.object }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Deals and stages written in this process: their forecasts are forgotten once the write commits. */
export const forecastCacheSubscriber: EventSubscriber = {
  name: 'sales:forecast-cache',
  phase: 'afterCommit',
  objects: [...FORECAST_OBJECTS],
  async handle(ctx) {
    forecastChanged(ctx.workspaceId);
  },
};
