import type { Database, Tx } from '@rabita/db';
import { sql } from 'kysely';
import type { AdapterSettings } from './adapter-settings.ts';

/** A phone connection the worker keeps a client for, across workspaces (`rabita_call_adapter_connections`). */
export interface AdapterConnectionRef {
  workspaceId: string;
  connectionId: string;
  type: string;
  /** Moves with every change of the connection. */
  version: string;
}

/** Every AMI and ARI connection of every workspace (ids, type and version only). */
export async function listAdapterConnections(db: Database): Promise<AdapterConnectionRef[]> {
  const { rows } = await sql<AdapterConnectionRef>`
    select workspace_id as "workspaceId", connection_id as "connectionId", type, version
    from rabita_call_adapter_connections()`.execute(db);
  return rows;
}

/** What an adapter needs of its connection: type, settings, the sealed credential and the number rules. */
export interface AdapterConnectionRow {
  id: string;
  type: string;
  settings: AdapterSettings;
  adapterSecret: string | null;
  extensions: Record<string, string>;
  stripPrefixes: string[];
  country: string;
  apiKeyHash: Buffer | null;
}

export async function selectAdapterConnection(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<AdapterConnectionRow | undefined> {
  const { rows } = await sql<AdapterConnectionRow>`
    select id, type, settings, adapter_secret as "adapterSecret", extensions, strip_prefixes as "stripPrefixes",
      country, api_key_hash as "apiKeyHash"
    from call_connections where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
  return rows[0];
}

/** Sets a connection's adapter settings and, when given, its sealed credential (null removes it). */
export async function updateAdapterSettings(
  trx: Tx,
  workspaceId: string,
  id: string,
  set: { settings?: AdapterSettings | undefined; adapterSecret?: string | null | undefined },
): Promise<void> {
  if (set.settings === undefined && set.adapterSecret === undefined) return;
  await sql`
    update call_connections set
      settings = coalesce(${set.settings ? JSON.stringify(set.settings) : null}::jsonb, settings),
      adapter_secret = case when ${set.adapterSecret !== undefined} then ${set.adapterSecret ?? null}::text
        else adapter_secret end,
      updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
}

/** Takes a session-level advisory lock on a connection's client (true when this session now holds it). */
export async function tryLockConnection(conn: Database, connectionId: string): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`
    select pg_try_advisory_lock(hashtextextended(${`rabita:call-adapter:${connectionId}`}, 0)) as locked`.execute(
    conn,
  );
  return rows[0]?.locked === true;
}

/** Gives a connection's advisory lock back. */
export async function unlockConnection(conn: Database, connectionId: string): Promise<void> {
  await sql`select pg_advisory_unlock(hashtextextended(${`rabita:call-adapter:${connectionId}`}, 0))`.execute(
    conn,
  );
}

/** A round trip on the lock session: throws when its connection is gone (and its locks with it). */
export async function pingSession(conn: Database): Promise<void> {
  await sql`select 1`.execute(conn);
}

/** Gives back every advisory lock the session holds (before its connection returns to the pool). */
export async function unlockAll(conn: Database): Promise<void> {
  await sql`select pg_advisory_unlock_all()`.execute(conn);
}
