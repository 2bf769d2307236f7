import type { DatabaseHandle } from '@rabita/db';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Scan Direction'?: string;
  'Group Key'?: string[];
  Plans?: PlanNode[];
}

/**
 * The plan PostgreSQL picks for a compiled query run as the application role in a workspace, as a flat list
 * of nodes. Sequential and bitmap scans are switched off: a test's tables are tiny, where scanning everything
 * is cheapest, so this shows whether an index can serve the query at all, as it must at scale.
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
    await client.query('set local enable_seqscan = off');
    await client.query('set local enable_bitmapscan = off');
    const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      `explain (format json) ${query.sql}`,
      query.parameters as unknown[],
    );
    const nodes: PlanNode[] = [];
    const walk = (node: PlanNode) => {
      nodes.push(node);
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(rows[0]!['QUERY PLAN'][0]!.Plan);
    return nodes;
  } finally {
    await client.query('rollback');
    client.release();
  }
}
