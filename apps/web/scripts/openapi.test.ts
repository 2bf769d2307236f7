import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { apiTypes, SCHEMA_FILE } from './openapi.ts';

describe('the web client’s API types', () => {
  it('are exactly what the server’s OpenAPI document generates (run `npm run web:api-types` when this fails)', async () => {
    const committed = await fs.readFile(SCHEMA_FILE, 'utf8');
    const fresh = await apiTypes();
    expect(committed === fresh, 'apps/web/src/api/schema.gen.ts is stale').toBe(true);
    expect(fresh).toContain('"/api/v1/search"');
  }, 60_000);
});
