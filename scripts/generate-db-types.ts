// Regenerates packages/db/src/schema.gen.ts from a freshly migrated database: `npm run db:types`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { migrateToLatest, openOwnerDatabase, startEmbeddedPostgres } from '@rabita/db';

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'rabita-types-'));
const pg = await startEmbeddedPostgres({ dataDir });
try {
  const owner = openOwnerDatabase(pg.connectionString);
  await migrateToLatest(owner);
  await owner.destroy();
  const out = path.resolve(import.meta.dirname, '../packages/db/src/schema.gen.ts');
  execFileSync(
    path.resolve(import.meta.dirname, '../node_modules/.bin/kysely-codegen'),
    ['--dialect', 'postgres', '--camel-case', '--exclude-pattern', 'rabita_migration*', '--out-file', out],
    { stdio: 'inherit', env: { ...process.env, DATABASE_URL: pg.connectionString } },
  );
} finally {
  await pg.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
}
