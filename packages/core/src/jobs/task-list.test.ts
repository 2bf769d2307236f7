import { loadConfig, startWorker } from '@rabita/server';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

describe('the job worker', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it('runs the cleanup task, which deletes expired sessions and keeps live ones', async () => {
    const live = await signUp(t.app);
    const expired = await t.handle.db
      .updateTable('sessions')
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where('userId', '=', live.userId)
      .returning('id')
      .execute();
    expect(expired).toHaveLength(1);
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email: live.email, password: live.password },
    });
    expect(signIn.statusCode).toBe(200);

    const config = loadConfig({ DATABASE_URL: t.url, LOG_LEVEL: 'silent', RABITA_WORKER_CONCURRENCY: '1' });
    const runner = await startWorker(config, t.url, t.handle.db, pino({ level: 'silent' }));
    try {
      await runner.addJob('rabita:cleanup', {});
      let remaining = 2;
      for (let i = 0; i < 100 && remaining !== 1; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const rows = await t.handle.db
          .selectFrom('sessions')
          .select('id')
          .where('userId', '=', live.userId)
          .execute();
        remaining = rows.length;
      }
      expect(remaining).toBe(1);
    } finally {
      await runner.stop();
    }
  });
});
