/**
 * Which statements a Citus coordinator sent to more than one shard: reads the coordinator's log, written with
 * `citus.multi_task_query_log_level = 'log'` and `log_min_error_statement = 'log'` (OPERATIONS.md, "Citus"), and
 * prints each distinct statement with how often it ran, UUIDs and numbers folded so one statement's runs count once.
 *
 *   node scripts/citus-fanout.ts <coordinator log> [--all]
 *
 * A statement a workspace request runs should be routed to one shard; the readers that run before a workspace is
 * known (sessions, API keys, public ids), the worker's due-job readers and migrations are expected here, and are
 * left out unless `--all` is given.
 */
import { readFileSync } from 'node:fs';

const EXPECTED = [
  /rabita_session_principal|rabita_api_key_principal|rabita_call_connection|rabita_invitation_workspace|rabita_web_form_workspace|rabita_workspace_exists/,
  /from memberships m join workspaces w/,
  /graphile_worker|rabita_due_|pg_dist_|citus_|run_command_on_workers|create_distributed_table/,
];

const [file, flag] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/citus-fanout.ts <coordinator log> [--all]');
  process.exit(2);
}

const LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[(\d+)\] (\w+):\s+(.*)$/;
const lines = readFileSync(file, 'utf8').replaceAll('\0', '').split('\n');
const counts = new Map<string, number>();
for (let i = 0; i < lines.length; i++) {
  const head = LINE.exec(lines[i]!);
  if (!head || !head[3]!.startsWith('multi-task query about to be executed')) continue;
  // The entry's CONTEXT (a function's statement) or STATEMENT follows under the same process id; a line without a
  // timestamp continues the one before it.
  let text: string | undefined;
  for (let j = i + 1; j < lines.length; j++) {
    const next = LINE.exec(lines[j]!);
    if (next && (next[1] !== head[1] || !['HINT', 'CONTEXT', 'STATEMENT', 'DETAIL'].includes(next[2]!)))
      break;
    if (next && (next[2] === 'CONTEXT' || next[2] === 'STATEMENT')) text ??= next[3]!;
    else if (!next && text !== undefined) text += ` ${lines[j]!.trim()}`;
  }
  text ??= '';
  const key = text
    .replace(/'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'/gi, "'<uuid>'")
    .replace(/\b\d+\b/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
  if (flag !== '--all' && EXPECTED.some((re) => re.test(key))) continue;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
const sorted = [...counts].sort((a, b) => b[1] - a[1]);
for (const [statement, n] of sorted) console.log(`${String(n).padStart(6)}  ${statement.slice(0, 600)}`);
console.log(`${sorted.length} distinct statement(s) sent to more than one shard`);
