import { AsyncLocalStorage } from 'node:async_hooks';
import { type RawBuilder, sql, type Transaction } from 'kysely';
import type pg from 'pg';
import type { Database } from './database.ts';
import type { DB } from './schema.gen.ts';

export type Tx = Transaction<DB>;

/** The settings every record request needs, read in the same round trip that opens its transaction. */
export interface WorkspaceSettings {
  defaultCountry: string;
  defaultCurrency: string;
  metadataVersion: string;
  /** Bumped whenever the workspace's automation changes (migration 0028): caches of it are checked against it. */
  automationVersion: string;
}

/**
 * A workspace transaction being opened: `pending` until the pool's client folds the `begin` with the workspace
 * setting (`open`, with the workspace's settings; `set` when it was set by a statement of its own). `changed` once
 * the transaction itself wrote the workspace's settings (`workspaceSettingsChanged`).
 */
interface Opening {
  workspaceId: string;
  state: 'pending' | 'open' | 'set';
  settings?: WorkspaceSettings | undefined;
  changed?: boolean;
  /**
   * The client could not fold (a Citus coordinator): the settings are read by a statement of their own after the
   * workspace is set, so what is checked against them (the automation and metadata memos) works as on one
   * PostgreSQL, for one round trip more a transaction.
   */
  readSettings?: boolean;
}

const opening = new AsyncLocalStorage<Opening>();
/** Work to run once a workspace transaction has committed, by transaction. */
const transactions = new WeakMap<object, { db: Database; callbacks: (() => Promise<unknown> | unknown)[] }>();
let reportAfterCommitError: (error: unknown) => void = (error) => {
  console.error('rabita: an after-commit step failed', error);
};

/** Where failures of after-commit work are reported (the server sets its logger). */
export function onAfterCommitError(report: (error: unknown) => void): void {
  reportAfterCommitError = report;
}

/**
 * Runs `fn` once the workspace transaction `trx` (as given by `withWorkspace`) has committed, and never if it rolls
 * back. The write's caller does not wait for it, and its failure only reaches the after-commit error report.
 */
export function afterCommit(trx: object, fn: () => Promise<unknown> | unknown): void {
  const open = transactions.get(trx);
  if (!open) throw new Error('afterCommit needs a transaction opened by withWorkspace.');
  open.callbacks.push(fn);
}

/** The database a workspace transaction (as given by `withWorkspace`) was opened on. */
export function databaseOf(trx: object): Database {
  const open = transactions.get(trx);
  if (!open) throw new Error('databaseOf needs a transaction opened by withWorkspace.');
  return open.db;
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs `fn` in a transaction scoped to one workspace: row-level security shows and accepts only that
 * workspace's rows. Every tenant query goes through here.
 */
export async function withWorkspace<T>(
  db: Database,
  workspaceId: string,
  fn: (trx: Tx) => Promise<T>,
): Promise<T> {
  const state: Opening = { workspaceId, state: UUID.test(workspaceId) ? 'pending' : 'set' };
  const callbacks: (() => Promise<unknown> | unknown)[] = [];
  const result = await opening.run(state, () =>
    db.transaction().execute(async (trx) => {
      transactions.set(trx, { db, callbacks });
      // A client that did not fold the setting into its `begin` (a pool other than ours) sets it here.
      if (state.state !== 'open') {
        state.state = 'set';
        await setWorkspace(trx, workspaceId);
        if (state.readSettings) state.settings = await readWorkspaceSettings(trx, workspaceId);
      }
      return fn(trx);
    }),
  );
  for (const callback of callbacks) {
    // Outside the transaction's async context, so work it starts opens transactions of its own.
    setImmediate(() => {
      Promise.resolve()
        .then(callback)
        .catch((error: unknown) => reportAfterCommitError(error));
    });
  }
  return result;
}

/**
 * The statement that scopes a transaction to a workspace. `SET LOCAL` rather than `set_config(…, true)`: on a Citus
 * coordinator (with `citus.propagate_set_commands = 'local'`, set by the Citus step) a `SET LOCAL` is sent to every
 * worker the transaction reaches, so row-level security on the shards sees the workspace; a function call is not.
 * `SET` takes no bound parameter, so the id is inlined, and only after it matched the UUID pattern.
 */
export function setWorkspaceStatement(workspaceId: string): string {
  const set = `set local rabita.workspace_id = '${checkedWorkspaceId(workspaceId)}'`;
  return routingCheck ? `${set}; set local citus.multi_task_query_log_level = 'error'` : set;
}

let routingCheck = false;

/**
 * On a Citus coordinator, makes every statement of a workspace transaction that the coordinator would send to more
 * than one shard fail ("multi-task query about to be executed") instead of asking every shard: a workspace's
 * statement must be routed to the workspace's shard (a subquery correlated by `workspace_id` is not: see
 * `workspaceLiteral`). The API suites switch it on when they run on a cluster (test/harness.ts); the readers that run
 * before a workspace is known (sessions, API keys, public ids) and the worker's due-job readers are not in a
 * workspace transaction and are not checked. `citus.multi_task_query_log_level` is a Citus setting, so only a
 * database with the extension may have it switched on.
 */
export function checkWorkspaceRouting(on: boolean): void {
  routingCheck = on;
}

/** The id, once it matched the UUID pattern, so it may be written into a statement. */
function checkedWorkspaceId(workspaceId: string): string {
  if (!UUID.test(workspaceId))
    throw new TypeError(`A workspace id must be a UUID (got ${JSON.stringify(workspaceId)}).`);
  return workspaceId;
}

/**
 * The workspace's id written into the statement (`'…'::uuid`, only after it matched the UUID pattern), for a
 * statement whose subqueries each read a tenant table of the workspace. A Citus coordinator routes a statement whole
 * to the workspace's shard only when it sees every table in it confined to one value: by a join on `workspace_id`,
 * or by a filter on the same constant or the same parameter. A subquery correlated by `x.workspace_id =
 * outer.workspace_id`, or filtered by a parameter of its own (Kysely binds each `${workspaceId}` as a new one),
 * makes Citus send the statement to every shard (a timeline's e-mail read: 8 tasks, 10–40 ms) or refuse it
 * ("complex joins are only supported when all distributed tables are co-located and joined on their distribution
 * columns"). One PostgreSQL plans the literal as it plans a parameter's custom plan.
 */
export function workspaceLiteral(workspaceId: string): RawBuilder<string> {
  return sql<string>`${sql.lit(checkedWorkspaceId(workspaceId).toLowerCase())}::uuid`;
}

interface SettingsRow {
  default_country: string;
  default_currency: string;
  metadata_version: string;
  automation_version: string;
}

/** The settings `transactionWorkspaceSettings` gives, read by a statement of their own. */
async function readWorkspaceSettings(trx: Tx, workspaceId: string): Promise<WorkspaceSettings | undefined> {
  const { rows } =
    await sql<SettingsRow>`select default_country, default_currency, metadata_version::text, automation_version::text
     from workspaces where id = ${workspaceId}`.execute(trx.withoutPlugins());
  return settingsOf(rows[0]);
}

/** The settings from their row as the opening statements read it. */
function settingsOf(row: SettingsRow | undefined): WorkspaceSettings | undefined {
  return (
    row && {
      defaultCountry: row.default_country,
      defaultCurrency: row.default_currency,
      metadataVersion: row.metadata_version,
      automationVersion: row.automation_version,
    }
  );
}

/** Scopes an open transaction to a workspace (for transactions that create the workspace themselves). */
export async function setWorkspace(trx: Tx, workspaceId: string): Promise<void> {
  await sql.raw(setWorkspaceStatement(workspaceId)).execute(trx);
}

/**
 * The workspace's settings as read when the current workspace transaction opened, for the whole transaction: a
 * transaction works with the settings and metadata version it began with (a change another transaction commits
 * meanwhile is seen by the next transaction). Undefined once the transaction changed them itself
 * (`workspaceSettingsChanged`), for another workspace, or when the client is not one that folds them into its
 * `begin` (a pool other than ours): the caller reads them then. (One of ours on a Citus coordinator, which cannot
 * fold, reads them by a statement of their own.)
 */
export function transactionWorkspaceSettings(workspaceId: string): WorkspaceSettings | undefined {
  const state = opening.getStore();
  if (!state || state.workspaceId !== workspaceId || state.changed) return undefined;
  return state.settings;
}

/**
 * Says the current workspace transaction wrote the workspace's settings (its default country or currency, its
 * metadata or automation version): from here on `transactionWorkspaceSettings` gives nothing and callers read the
 * row, and caches checked against the versions read at open are not used (see `automationMemo`).
 */
export function workspaceSettingsChanged(workspaceId: string): void {
  const state = opening.getStore();
  if (state?.workspaceId === workspaceId) state.changed = true;
}

/** Whether the current workspace transaction wrote the workspace's settings (`workspaceSettingsChanged`). */
export function workspaceSettingsChangedHere(workspaceId: string): boolean {
  const state = opening.getStore();
  return state?.workspaceId === workspaceId && state.changed === true;
}

type Query = (...args: unknown[]) => unknown;

/**
 * Citus replays a propagated `SET LOCAL` on the workers as the whole message that carried it, so a folded `begin`
 * would run its read of `workspaces` on a worker, inside the shard's query: "cannot execute a distributed query from
 * a query on a shard".
 */
const NESTED_ON_SHARD = /distributed query from a query on a shard/;

/**
 * Makes a pool client open workspace transactions in one round trip: the `begin` of `withWorkspace` goes out as
 * one simple-protocol message with the workspace setting and the read of the workspace's settings. The workspace
 * id is inlined as a literal only after it matched the UUID pattern. Every other statement passes through.
 * On a Citus coordinator the first folded `begin` of a connection fails (`NESTED_ON_SHARD`); it is rolled back and
 * that connection stops folding: `begin`, then `setWorkspace` as a message of its own, and callers read the
 * workspace's settings themselves (as on a pool that does not fold).
 */
export function foldWorkspaceBegin(client: pg.PoolClient): void {
  const query = client.query.bind(client) as Query;
  let folding = true;
  const folded: Query = (...args) => {
    const state = opening.getStore();
    if (
      folding &&
      state?.state === 'pending' &&
      args[0] === 'begin' &&
      args.length <= 2 &&
      !(args[1] as unknown[])?.length
    ) {
      state.state = 'open';
      const id = state.workspaceId;
      const text = `begin; ${setWorkspaceStatement(id)}; select default_country, default_currency, metadata_version::text, automation_version::text from workspaces where id = '${id}'`;
      let unfolded: pg.QueryResult | undefined;
      const opened = (query(text) as Promise<pg.QueryResult[]>).catch(async (error: unknown) => {
        // A failed message leaves its transaction open and aborted; Kysely only rolls back what has begun.
        await (query('rollback') as Promise<unknown>).catch(() => {});
        if (!NESTED_ON_SHARD.test(String((error as { message?: unknown })?.message))) throw error;
        folding = false;
        state.state = 'pending';
        state.readSettings = true;
        unfolded = (await query('begin')) as pg.QueryResult;
        return [];
      });
      return opened.then((results) => {
        if (unfolded) return unfolded;
        state.settings = settingsOf(results[2]?.rows[0] as SettingsRow | undefined);
        return results[0];
      });
    }
    // A connection that stopped folding still has the settings read, by `withWorkspace`.
    if (!folding && state?.state === 'pending' && args[0] === 'begin') state.readSettings = true;
    return query(...args);
  };
  client.query = folded as typeof client.query;
}
