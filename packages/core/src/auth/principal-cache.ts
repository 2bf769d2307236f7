import { EventEmitter } from 'node:events';
import { type Database, onCitus } from '@rabita/db';
import { sql } from 'kysely';
import type pg from 'pg';
import { ChannelListener } from '../events/channel-listener.ts';
import type { Principal } from './principal.ts';

/** The channel the database announces access changes on (migration 0017's triggers). */
export const AUTH_CHANNEL = 'rabita_auth';

const localChanges = new EventEmitter();
localChanges.setMaxListeners(0);
/** Every access change this process makes or hears of, for long-running work that must check its caller again. */
const announcements = new EventEmitter();
announcements.setMaxListeners(0);

/**
 * Tells every app process's caches that access changed (a sign-out, a revoked key, an edited role…). Called by the
 * services after their transaction commits: this process forgets at once; the others hear it from the database.
 * On one PostgreSQL migration 0017's triggers announce it when the writing transaction commits. On a Citus cluster
 * those triggers are dropped (they would run on the worker holding the shard, whose notifications the
 * coordinator's listeners never hear), so the announcement is sent here, by a statement that reads no table and so
 * runs on the coordinator. The change has committed by then, so a failure here is not the caller's: the others are
 * left to their cache's time limit (5 s), as when a process stops between the commit and this statement.
 */
export async function accessChanged(db: Database): Promise<void> {
  localChanges.emit('changed');
  announcements.emit('changed');
  try {
    if (await onCitus(db)) await sql`select pg_notify(${AUTH_CHANNEL}, '')`.execute(db);
  } catch {
    // Committed already; other processes forget within their time limit.
  }
}

/**
 * Calls `listener` whenever access may have changed — made in this process, or announced by the database from any
 * process (heard by a listening `PrincipalCache`) — until the returned function is called. Open event streams use
 * it to check their caller again.
 */
export function onAccessChanged(listener: () => void): () => void {
  announcements.on('changed', listener);
  return () => announcements.off('changed', listener);
}

/**
 * Callers resolved from their session or API key, kept for a moment so that a burst of requests costs one lookup.
 * Correctness rests on the database's triggers: every change that can end or narrow access is announced on
 * `rabita_auth` when it commits, and this process forgets every caller when it hears it (in its own process at
 * once, through `accessChanged`). Nothing is kept while the listening connection is down, so a missed
 * announcement cannot leave stale access behind; and no entry outlives `ttlMs` in any case.
 */
export class PrincipalCache {
  readonly #entries = new Map<string, { principal: Principal; until: number }>();
  /** Lookups running, by generation and key (`resolve`). */
  readonly #pending = new Map<string, Promise<Principal | undefined>>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #forget = () => this.#clear();
  readonly #listener: ChannelListener;
  /** Moves on at every forgetting: a lookup that began before it must not keep what it found. */
  #generation = 0;

  constructor(connection: pg.ClientConfig, options: { ttlMs?: number; max?: number } = {}) {
    this.#ttlMs = options.ttlMs ?? 5_000;
    this.#max = options.max ?? 10_000;
    this.#listener = new ChannelListener(connection, [AUTH_CHANNEL], {
      notice: () => {
        this.#clear();
        announcements.emit('changed');
      },
      down: () => this.#clear(),
    });
    localChanges.on('changed', this.#forget);
  }

  /** Starts listening for access changes; until it listens, nothing is cached. */
  async start(): Promise<void> {
    await this.#listener.start();
  }

  /** The cached caller for this key, while fresh. */
  get(key: string): Principal | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.principal;
    this.#entries.delete(key);
    return undefined;
  }

  #clear(): void {
    this.#generation += 1;
    this.#entries.clear();
  }

  /**
   * The caller for this key: the cached one while fresh, else what `lookup` finds, kept (`set`). Requests for one
   * key while its lookup runs share it, so a burst of one caller's requests costs one lookup — on a Citus cluster
   * a session's lookup asks every shard of `sessions`. A request arriving after access changed does not join a
   * lookup begun before (it may have read the old state): it starts its own.
   */
  async resolve(key: string, lookup: () => Promise<Principal | undefined>): Promise<Principal | undefined> {
    const hit = this.get(key);
    if (hit) return hit;
    const generation = this.#generation;
    const flight = `${generation}\u0000${key}`;
    let pending = this.#pending.get(flight);
    if (!pending) {
      pending = lookup()
        .then((principal) => {
          if (principal) this.set(key, principal, generation);
          return principal;
        })
        .finally(() => this.#pending.delete(flight));
      this.#pending.set(flight, pending);
    }
    return pending;
  }

  /** Where the cache stands; pass it back to `set` with what a lookup begun now finds. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Keeps a caller a lookup found, unless access changed since the lookup began (`generation` then) — it may have
   * read the old state — or the cache is not listening for changes.
   */
  set(key: string, principal: Principal, generation: number): void {
    if (!this.#listener.listening || generation !== this.#generation) return;
    if (this.#entries.size >= this.#max) this.#entries.clear();
    this.#entries.set(key, { principal, until: Date.now() + this.#ttlMs });
  }

  get listening(): boolean {
    return this.#listener.listening;
  }

  /** Stops listening and forgets everything (on app shutdown). */
  async close(): Promise<void> {
    localChanges.off('changed', this.#forget);
    await this.#listener.close();
    this.#clear();
  }
}
