import { createRequire } from 'node:module';
import type { DatabaseHandle, Tx } from '@rabita/db';
import { sql } from 'kysely';
import pg from 'pg';

/** pg's own conversion of a parameter to its text form (arrays, dates, buffers, JSON), as it sends one. */
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as {
  prepareValue: (value: unknown) => string | Buffer | null;
};

const CITUS = process.env.RABITA_TEST_CITUS === '1';

export interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Scan Direction'?: string;
  'Group Key'?: string[];
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

/**
 * The nodes of an `explain (format json)` answer, as a flat list in plan order. On a Citus cluster
 * (RABITA_TEST_CITUS=1) a distributed query's nodes are those of its tasks' remote plans (`Distributed Query` →
 * `Job` → `Tasks` → `Remote Plan`; the coordinator's merge of the shards' pages is left out), and an index or a table
 * is named as on one PostgreSQL (a shard's carries the shard's number: `people_pkey_102008`, `people_102008`).
 */
export function planNodes(plan: PlanNode): PlanNode[] {
  const all: PlanNode[] = [];
  const remote: PlanNode[] = [];
  const walk = (value: unknown, inRemote: boolean) => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, inRemote);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const node = value as Record<string, unknown>;
    if (typeof node['Node Type'] === 'string') {
      const found = node as unknown as PlanNode;
      if (CITUS)
        for (const key of ['Index Name', 'Relation Name'] as const)
          if (found[key]) found[key] = found[key].replace(/_\d{6,}$/, '');
      all.push(found);
      if (inRemote) remote.push(found);
    }
    for (const [key, child] of Object.entries(node))
      if (key !== 'Node Type') walk(child, inRemote || key === 'Remote Plan');
  };
  // A copy, named in place, so a node's children (`Plans`) carry the shard-free names too.
  walk(structuredClone(plan), false);
  return CITUS && remote.length > 0 ? remote : all;
}

/**
 * Settings for a plan read in an open transaction: sequential and bitmap scans off, and on a Citus cluster the same
 * sent to the workers (`citus.propagate_set_commands`) with every task's plan shown (`citus.explain_all_tasks`).
 */
export async function planSettings(client: pg.ClientBase): Promise<void> {
  if (CITUS) {
    await client.query("set local citus.propagate_set_commands = 'local'");
    await client.query('set local citus.explain_all_tasks = on');
  }
  await client.query('set local enable_seqscan = off');
  await client.query('set local enable_bitmapscan = off');
}

/**
 * A compiled statement ready to explain as it runs. On a Citus cluster its parameters are written into the text as
 * literals: Citus explains a distributed query's task on the worker with `$n` left unbound, so the worker plans it
 * generically, not for the values given (an index chosen for one status may not show). One PostgreSQL keeps them.
 */
export function explainable(
  sql: string,
  parameters: readonly unknown[],
): { text: string; values: unknown[] } {
  if (!CITUS || parameters.length === 0) return { text: sql, values: [...parameters] };
  const text = sql.replace(/\$(\d+)\b/g, (whole, n: string) => {
    const index = Number(n) - 1;
    if (index >= parameters.length) return whole;
    const value = prepareValue(parameters[index]);
    if (value === null) return 'null';
    return pg.escapeLiteral(Buffer.isBuffer(value) ? `\\x${value.toString('hex')}` : value);
  });
  return { text, values: [] };
}

/**
 * The plan PostgreSQL picks for a compiled query run as the application role in a workspace, as a flat list
 * of nodes (`planNodes`). Sequential and bitmap scans are switched off: a test's tables are tiny, where scanning
 * everything is cheapest, so this shows whether an index can serve the query at all, as it must at scale.
 */
export async function planOf(
  handle: DatabaseHandle,
  workspaceId: string,
  query: { sql: string; parameters: readonly unknown[] },
): Promise<PlanNode[]> {
  const client = await handle.pool.connect();
  try {
    await client.query('begin');
    await client.query("select set_config('rabita.workspace_id', $1, true)", [workspaceId]);
    await planSettings(client);
    const statement = explainable(query.sql, query.parameters);
    const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      `explain (format json) ${statement.text}`,
      statement.values,
    );
    return planNodes(rows[0]!['QUERY PLAN'][0]!.Plan);
  } finally {
    await client.query('rollback');
    client.release();
  }
}

/**
 * Lets the rest of a test's own workspace transaction ask every shard (a test's raw inspection reads, or a function's
 * one-PostgreSQL form compared on a cluster), which the API suites otherwise refuse there (`checkWorkspaceRouting`).
 * Nothing on one PostgreSQL.
 */
export async function anyShard(trx: Tx): Promise<void> {
  if (CITUS) await sql`set local citus.multi_task_query_log_level = 'log'`.execute(trx);
}
