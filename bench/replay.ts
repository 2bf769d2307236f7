// Write baselines: the statements a service function sends, recorded once and replayed straight through pg.
import type { DB } from '@rabita/db';
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { v7 } from 'uuid';

export interface Statement {
  sql: string;
  parameters: readonly unknown[];
}

const UUID_V7 = /[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/gi;
// The baseline opens its own workspace transaction, as it does for every scenario.
const TRANSACTION =
  /^\s*(begin|start transaction|commit|rollback)\b|set_config\('rabita\.workspace_id'|^\s*set local rabita\.workspace_id\b/i;

/** When a UUIDv7 was made, in milliseconds since the epoch (its first 48 bits). */
export function madeAt(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/**
 * Runs `work` twice on a Kysely instance over `pool` that records what it sends, and returns the second run's
 * statements (caches warm, and an update that already happened once, as in a steady benchmark) without the
 * transaction's own statements, with the time the second run began.
 */
export async function captureStatements(
  pool: pg.Pool,
  work: (db: Kysely<DB>) => Promise<unknown>,
): Promise<{ statements: Statement[]; since: number }> {
  let recording: Statement[] = [];
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin()],
    log: (event) => {
      if (event.level === 'query')
        recording.push({ sql: event.query.sql, parameters: [...event.query.parameters] });
    },
  });
  // Not destroyed: that would end the pool, which belongs to the caller.
  await work(db);
  await new Promise((resolve) => setTimeout(resolve, 2));
  recording = [];
  const since = Date.now();
  await work(db);
  return { statements: recording.filter((s) => !TRANSACTION.test(s.sql)), since };
}

/**
 * A source of the recorded statements with every id the recorded run made (a UUIDv7 from `since` on) replaced by
 * a new one, the same one wherever it appears (also inside JSON text), so each replay writes new rows.
 */
export function withFreshIds(statements: Statement[], since: number): () => Statement[] {
  return () => {
    const fresh = new Map<string, string>();
    const swap = (id: string) => {
      if (madeAt(id) < since) return id;
      const next = fresh.get(id) ?? v7();
      fresh.set(id, next);
      return next;
    };
    const value = (v: unknown): unknown =>
      typeof v === 'string' ? v.replace(UUID_V7, swap) : Array.isArray(v) ? v.map(value) : v;
    return statements.map((s) => ({ sql: s.sql, parameters: s.parameters.map(value) }));
  };
}
