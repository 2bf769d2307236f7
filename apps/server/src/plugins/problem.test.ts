import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl } from '../../../../test/harness.ts';
import { registerProblemHandler } from './problem.ts';

// A saturated server — every database connection busy for a request's whole wait — answers 503 `server_busy` with
// Retry-After, not a 500 that reads as a defect; a client then asks again. Real node-postgres pool, real PostgreSQL.

describe('a request that finds no database connection in time', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let held: pg.PoolClient;

  beforeAll(async () => {
    // One connection, held for the whole test, and a short wait for it.
    pool = new pg.Pool({ connectionString: databaseUrl('postgres'), max: 1, connectionTimeoutMillis: 100 });
    held = await pool.connect();
    app = Fastify({ logger: false });
    registerProblemHandler(app);
    app.get('/reads', async () => {
      const client = await pool.connect();
      try {
        return (await client.query<{ one: number }>('select 1 as one')).rows[0];
      } finally {
        client.release();
      }
    });
    app.get('/refused', async () => {
      throw Object.assign(new Error('sorry, too many clients already'), { code: '53300' });
    });
    app.get('/defect', async () => {
      throw new Error('a defect');
    });
    await app.ready();
  });
  afterAll(async () => {
    held?.release();
    await pool?.end();
    await app?.close();
  });

  it('answers 503 server_busy with Retry-After while the pool has no connection to give', async () => {
    const r = await app.inject({ method: 'GET', url: '/reads' });
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('2');
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json()).toMatchObject({ status: 503, code: 'server_busy' });
  });

  it('answers the same when PostgreSQL refuses another connection', async () => {
    const r = await app.inject({ method: 'GET', url: '/refused' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ code: 'server_busy' });
  });

  it('reads again once a connection is free, and a defect stays a 500', async () => {
    held.release();
    const ok = await app.inject({ method: 'GET', url: '/reads' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ one: 1 });
    held = await pool.connect();
    const defect = await app.inject({ method: 'GET', url: '/defect' });
    expect(defect.statusCode).toBe(500);
    expect(defect.json()).toMatchObject({ code: 'internal_error' });
  });
});
