// The plans of the benchmark's main queries on a generated data set, run as the application role in the demo
// workspace: `node bench/explain.ts --size M [--only group-by,timeline,list,list-last,list-deep,list-filter] [--filter <json>]
// [--set enable_seqscan=off]`
// (EXPLAIN ANALYZE, BUFFERS; the data set must exist).
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compileAggregateQuery, compileListQuery, listRecords, principalForMember } from '@rabita/core';
import { createPool, openDatabase } from '@rabita/db';
import { createLogger, loadConfig, startDatabase } from '@rabita/server';
import { GROUP_BY, LIST_OPTIONS } from './queries.ts';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: 'S' },
    data: { type: 'string' },
    only: { type: 'string' },
    // A people list filter to explain as `list-filter`, `--filter '{"field":"lastName","op":"contains","value":"زیز"}'`.
    filter: { type: 'string' },
    // Planner settings to try, `--set enable_seqscan=off,work_mem=64MB`.
    set: { type: 'string' },
  },
});
const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.resolve(args.data ?? path.join(root, 'bench', '.data', args.size!));
const demo = JSON.parse(await fs.readFile(path.join(dataDir, `demo-${args.size}.marker`), 'utf8')) as {
  workspaceId: string;
  userId: string;
  hubPersonId: string;
};
const database = await startDatabase(
  loadConfig({ RABITA_DATA: dataDir, LOG_LEVEL: 'warn' }),
  createLogger({ logLevel: 'warn' }),
);
const handle = openDatabase(database.connectionString, { poolSize: 2 });
const app = createPool(database.connectionString, 1, 'rabita-explain', 'rabita_app');
try {
  const principal = (await principalForMember(handle.db, demo.userId, demo.workspaceId))!;
  const queries = {
    'group-by': await compileAggregateQuery({ db: handle.db, principal }, 'deals', GROUP_BY),
    list: await compileListQuery({ db: handle.db, principal }, 'people', LIST_OPTIONS),
    // The jump to the end of a list sorted by a field some rows leave empty (the size M list scenario's last page).
    'list-last': await compileListQuery({ db: handle.db, principal }, 'people', {
      sort: 'lastName',
      limit: 50,
      reverse: true,
    }),
    // The size M list scenario's deep page: sorted by last and first name, page 5,000 (20 at size S) by cursor,
    // the cursor walked there as the benchmark walks it (pages of 1,000 ids).
    ...(!args.only || args.only.split(',').includes('list-deep')
      ? {
          'list-deep': await (async () => {
            const sort = 'lastName,firstName';
            let cursor: string | undefined;
            for (let remaining = ((args.size === 'S' ? 20 : 5000) - 1) * 50; remaining > 0; ) {
              const limit = Math.min(1000, remaining);
              const page = await listRecords({ db: handle.db, principal }, 'people', {
                sort,
                limit,
                fields: ['id'],
                ...(cursor ? { cursor } : {}),
              });
              if (!page.nextCursor) break;
              cursor = page.nextCursor;
              remaining -= limit;
            }
            return compileListQuery({ db: handle.db, principal }, 'people', {
              sort,
              limit: 50,
              ...(cursor ? { cursor } : {}),
            });
          })(),
        }
      : {}),
    ...(args.filter
      ? {
          'list-filter': await compileListQuery({ db: handle.db, principal }, 'people', {
            filter: JSON.parse(args.filter),
            limit: 50,
          }),
        }
      : {}),
  };
  const client = await app.connect();
  try {
    for (const [name, query] of Object.entries(queries)) {
      if (args.only && !args.only.split(',').includes(name)) continue;
      await client.query('begin');
      await client.query("select set_config('rabita.workspace_id', $1, true)", [demo.workspaceId]);
      for (const setting of args.set?.split(',') ?? []) {
        const [key = '', value = ''] = setting.split('=');
        await client.query('select set_config($1, $2, true)', [key, value]);
      }
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `explain (analyze, buffers) ${query.sql}`,
        query.parameters as unknown[],
      );
      await client.query('rollback');
      process.stdout.write(`== ${name}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n\n`);
    }
  } finally {
    client.release();
  }
} finally {
  await app.end();
  await handle.close();
  await database.stop();
}
