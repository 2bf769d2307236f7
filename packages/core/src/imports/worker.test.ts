import { loadConfig, startWorker } from '@rabita/server';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { runPendingImports } from './imports.service.ts';

function form(fields: Record<string, string>, file: Buffer) {
  const boundary = '----rabitaworker';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  parts.push(
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

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
});
