import { loadConfig, startWorker } from '@rabita/server';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { multipartForm as form } from '../../../../test/multipart.ts';
import { runImport, runPendingImports } from './imports.service.ts';

describe('imports run by the job worker', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const upload = async (csv: string) => {
    const body = form({ object: 'people' }, Buffer.from(csv));
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      payload: body.payload,
      headers: { ...body.headers, cookie: admin.cookie },
    });
    expect(res.statusCode, res.body).toBe(202);
    return res.json().id as string;
  };
  const status = async (id: string) =>
    (
      await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: { cookie: admin.cookie } })
    ).json();

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app);
  });
  afterAll(() => t?.close());

  it('runs an upload as soon as it is committed, and the minutely sweep resumes one whose runner died', async () => {
    const config = loadConfig({ DATABASE_URL: t.url, LOG_LEVEL: 'silent', RABITA_WORKER_CONCURRENCY: '1' });
    const runner = await startWorker(config, t.url, t.handle.db, pino({ level: 'silent' }));
    try {
      const id = await upload('first name\nQueued one\nQueued two\n');
      let view = await status(id);
      for (let i = 0; i < 100 && view.status !== 'done'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        view = await status(id);
      }
      expect(view).toMatchObject({ status: 'done', counts: { created: 2 } });
    } finally {
      await runner.stop();
    }

    // With no worker running, an import left "running" by a dead runner is picked up by the sweep.
    const id = await upload('first name\nOrphan\n');
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    try {
      await owner.query(
        `update imports set status = 'running', claimed_by = 'dead', heartbeat_at = now() - interval '10 minutes' where id = $1`,
        [id],
      );
    } finally {
      await owner.end();
    }
    expect(await runPendingImports(t.handle.db)).toBeGreaterThanOrEqual(1);
    expect(await status(id)).toMatchObject({ status: 'done', counts: { created: 1 } });
  });

  it('resumes an import within 30 seconds of its runner dying, without doubling rows', async () => {
    const config = loadConfig({ DATABASE_URL: t.url, LOG_LEVEL: 'silent', RABITA_WORKER_CONCURRENCY: '1' });
    // A deployment has had a worker: its job schema exists while imports run.
    await (await startWorker(config, t.url, t.handle.db, pino({ level: 'silent' }))).stop();
    const rows = Array.from({ length: 30 }, (_, i) => `Crashed ${i}`).join('\n');
    const id = await upload(`first name\n${rows}\n`);
    // The runner writes one chunk of ten rows, then dies in the middle of the next (nothing of it commits).
    await expect(
      runImport(t.handle.db, admin.workspaceId, id, { rowsPerChunk: 10, failAfterChunks: 1 }),
    ).rejects.toThrow('simulated crash');
    const crashedAt = Date.now();
    expect(await status(id)).toMatchObject({ status: 'running', rowsDone: 10 });

    const runner = await startWorker(config, t.url, t.handle.db, pino({ level: 'silent' }));
    try {
      let view = await status(id);
      while (view.status !== 'done' && Date.now() - crashedAt < 45_000) {
        await new Promise((r) => setTimeout(r, 250));
        view = await status(id);
      }
      expect(view).toMatchObject({ status: 'done', rowsDone: 30, counts: { created: 30 } });
      expect(Date.now() - crashedAt).toBeLessThan(30_000);
    } finally {
      await runner.stop();
    }
  }, 60_000);
});
