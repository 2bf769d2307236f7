import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { openOwnerDatabase } from '../database.ts';
import { up } from './0026-orphaned-api-keys.ts';

describe('migration 0026: API keys of members who already left', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app);
  });
  afterAll(() => t?.close());

  it('revokes the keys of a creator who is no longer a member, and no others', async () => {
    const gone = await joinByInvitation(t.app, admin.cookie, {
      email: 'gone@example.com',
      role: 'admin',
      name: 'Gone',
    });
    const orphan = (await call('POST', '/api-keys', { name: 'orphan', role: 'admin' }, gone.cookie)).json()
      .token;
    const kept = (await call('POST', '/api-keys', { name: 'kept', role: 'member' })).json().token;
    const owner = openOwnerDatabase(t.url);
    try {
      // As a removal made before removals revoked keys: the membership goes, the key stays.
      await sql`delete from memberships where user_id = ${gone.userId}`.execute(owner);
      const as = (token: string) => ({ authorization: `Bearer ${token}` });
      expect((await call('GET', '/me', undefined, as(orphan))).statusCode).toBe(200);
      await up(owner);
      // The revocation reaches the process's caller cache by its database announcement, which arrives a moment
      // after the commit (at most the cache's 5 s when the announcement is slow under load).
      await expect
        .poll(async () => (await call('GET', '/me', undefined, as(orphan))).statusCode, { timeout: 6000 })
        .toBe(401);
      expect((await call('GET', '/me', undefined, as(kept))).statusCode).toBe(200);
    } finally {
      await owner.destroy();
    }
  });
});
