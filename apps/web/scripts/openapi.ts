// The API's OpenAPI document and the web client's types generated from it, without a database: the document
// comes from the route schemas alone. `node apps/web/scripts/openapi.ts` rewrites apps/web/src/api/schema.gen.ts;
// a test fails when the committed file differs from what this produces.
import fs from 'node:fs/promises';
import path from 'node:path';
import { openDatabase } from '@rabita/db';
import { buildApp, loadConfig } from '@rabita/server';
import openapiTS, { astToString } from 'openapi-typescript';

export const SCHEMA_FILE = path.resolve(import.meta.dirname, '../src/api/schema.gen.ts');

/** The API's OpenAPI document (the shared part, without any workspace's objects). */
export async function apiDocument(): Promise<Record<string, unknown>> {
  // Never connected to: building the app and its document touches no database.
  const url = 'postgres://rabita@127.0.0.1:9/none';
  const handle = openDatabase(url, { poolSize: 1 });
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: url }), {
    db: handle.db,
    pool: handle.pool,
  });
  await app.ready();
  const doc = app.swagger() as Record<string, unknown>;
  await app.close();
  await handle.close();
  return doc;
}

/** The TypeScript types of that document, as written to schema.gen.ts. */
export async function apiTypes(): Promise<string> {
  const doc = JSON.parse(JSON.stringify(await apiDocument())) as { components?: { schemas?: object } };
  // Named schemas in name order: the registry lists them in the order their files were first imported, which
  // differs between this script and the test that checks its output.
  if (doc.components?.schemas) {
    doc.components.schemas = Object.fromEntries(
      Object.entries(doc.components.schemas).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  }
  const ast = await openapiTS(doc as Parameters<typeof openapiTS>[0]);
  return `// Generated from the server's OpenAPI document by apps/web/scripts/openapi.ts. Do not edit.\n${astToString(ast)}`;
}

if (process.argv[1] === import.meta.filename) {
  await fs.mkdir(path.dirname(SCHEMA_FILE), { recursive: true });
  await fs.writeFile(SCHEMA_FILE, await apiTypes());
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}
