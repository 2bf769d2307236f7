import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

const GUIDE = path.resolve(import.meta.dirname, '../../../../docs/WORKFLOWS.md');

/** The guide's JSON examples, by the name in the comment before each. */
async function examples(): Promise<Map<string, string>> {
  const text = await fs.readFile(GUIDE, 'utf8');
  const found = new Map<string, string>();
  for (const m of text.matchAll(/<!-- workflow-example: ([\w-]+) -->\n```json\n([\s\S]*?)\n```/g))
    found.set(m[1]!, m[2]!);
  return found;
}

describe('the workflows guide', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('has worked examples that the server takes and publishes as they are written', async () => {
    const found = await examples();
    expect([...found.keys()]).toEqual(['thank-you', 'reassign']);
    const team = await call('POST', '/teams', { name: 'فروش تهران', members: [admin.userId] });
    expect(team.statusCode, team.body).toBe(201);
    const teamId = (team.json() as { id: string }).id;
    for (const [name, json] of found) {
      const body = JSON.parse(json.replace("<your sales team's id>", teamId));
      const created = await call('POST', '/workflows', body);
      expect(created.statusCode, `${name}: ${created.body}`).toBe(201);
      const published = await call('POST', `/workflows/${(created.json() as { id: string }).id}/publish`);
      expect(published.statusCode, `${name}: ${published.body}`).toBe(200);
    }
  });
});
