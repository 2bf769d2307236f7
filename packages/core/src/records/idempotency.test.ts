import { openOwnerDatabase } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { purgeExpiredKeys } from './idempotency.repository.ts';

// Record creates with an Idempotency-Key, through the API against real PostgreSQL.

describe('Idempotency-Key on record creates', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let apiKey: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const post = (object: string, body: unknown, key: string | undefined, as: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/objects/${object}`,
      headers: {
        'content-type': 'application/json',
        ...(as.authorization ? {} : { cookie: admin.cookie }),
        ...(key === undefined ? {} : { 'idempotency-key': key }),
        ...as,
      },
      payload: JSON.stringify(body),
    });
  /** Tickets with this subject, as the admin's workspace holds them. */
  const ticketsWith = async (subject: string, cookie = admin.cookie) => {
    const res = await call(
      'POST',
      '/objects/tickets/query',
      { filter: { field: 'subject', op: 'eq', value: subject }, limit: 100 },
      cookie,
    );
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { data: { id: string }[] }).data;
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    const key = await call('POST', '/api-keys', { name: 'intake', role: 'admin' });
    expect(key.statusCode, key.body).toBe(201);
    apiKey = key.json().token;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers a retry with the first answer and creates the ticket once', async () => {
    const body = { subject: 'بستهٔ من آسیب دیده است', priority: 'high', language: 'fa' };
    const first = await post('tickets', body, 'order-4512-a');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post('tickets', body, 'order-4512-a');
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    // The same fields in another order are the same request.
    const reordered = await post(
      'tickets',
      { language: 'fa', priority: 'high', subject: 'بستهٔ من آسیب دیده است' },
      'order-4512-a',
    );
    expect(reordered.body).toBe(first.body);
    expect(await ticketsWith(body.subject)).toHaveLength(1);
    // Without a key every create is its own.
    expect((await post('tickets', body, undefined)).statusCode).toBe(201);
    expect(await ticketsWith(body.subject)).toHaveLength(2);
  });

  it('refuses the same key with another body or another object, creating nothing', async () => {
    const first = await post('tickets', { subject: 'پرسش اول' }, 'reused-key');
    expect(first.statusCode, first.body).toBe(201);
    const changed = await post('tickets', { subject: 'پرسش دوم' }, 'reused-key');
    expect(changed.statusCode).toBe(409);
    expect(changed.json().detail).toBe(
      'This Idempotency-Key was used for a different request in the last 24 hours: send a new key with a new request.',
    );
    const elsewhere = await post('people', { firstName: 'پرسش اول' }, 'reused-key');
    expect(elsewhere.statusCode).toBe(409);
    expect(await ticketsWith('پرسش دوم')).toHaveLength(0);
  });

  it('keeps keys per caller and per workspace', async () => {
    const body = { subject: 'یک کلید، سه فرستنده' };
    const mine = await post('tickets', body, 'shared-key');
    const byKey = await post('tickets', body, 'shared-key', { authorization: `Bearer ${apiKey}` });
    const theirs = await post('tickets', body, 'shared-key', { cookie: other.cookie });
    for (const res of [mine, byKey, theirs]) expect(res.statusCode, res.body).toBe(201);
    expect(new Set([mine.json().id, byKey.json().id, theirs.json().id]).size).toBe(3);
    expect(await ticketsWith(body.subject)).toHaveLength(2);
    expect(await ticketsWith(body.subject, other.cookie)).toHaveLength(1);
    // The API key's retry replays its own answer.
    const retry = await post('tickets', body, 'shared-key', { authorization: `Bearer ${apiKey}` });
    expect(retry.json().id).toBe(byKey.json().id);
  });

  it('creates exactly one record when retries with one key arrive at once', async () => {
    const body = { subject: 'درخواست هم‌زمان', description: 'ده تلاش با یک کلید' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => post('tickets', body, 'burst-1')));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => a.json().id)).size).toBe(1);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    expect(await ticketsWith(body.subject)).toHaveLength(1);
  });

  it('leaves the key unused when the create is refused', async () => {
    const refused = await post('tickets', { subject: 'x'.repeat(501) }, 'fix-and-retry');
    expect(refused.statusCode).toBe(400);
    const fixed = await post('tickets', { subject: 'درست شد' }, 'fix-and-retry');
    expect(fixed.statusCode, fixed.body).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });

  it('refuses keys that are not 1–255 visible ASCII characters', async () => {
    for (const key of ['', 'با فاصله و فارسی', 'a b', 'k'.repeat(256)]) {
      const res = await post('tickets', { subject: 'کلید نادرست' }, key);
      expect(res.statusCode, key).toBe(400);
    }
    expect(await ticketsWith('کلید نادرست')).toHaveLength(0);
  });

  it('forgets a key after 24 hours: the purge deletes it and the key creates again', async () => {
    const body = { subject: 'کلید کهنه' };
    const first = await post('tickets', body, 'old-key');
    expect(first.statusCode).toBe(201);
    const owner = openOwnerDatabase(t.url);
    try {
      await sql`update idempotency_keys set created_at = now() - interval '25 hours'
        where key = 'old-key'`.execute(owner);
      // A key past its day is claimed again even before the purge runs.
      const again = await post('tickets', body, 'old-key');
      expect(again.statusCode).toBe(201);
      expect(again.json().id).not.toBe(first.json().id);
      await sql`update idempotency_keys set created_at = now() - interval '25 hours'
        where key = 'old-key'`.execute(owner);
      expect(await purgeExpiredKeys(t.handle.db, 1000)).toBeGreaterThanOrEqual(1);
      const left = await sql<{ n: number }>`select count(*)::int as n from idempotency_keys
        where created_at < now() - interval '24 hours'`.execute(owner);
      expect(left.rows[0]?.n).toBe(0);
      const kept = await sql<{ n: number }>`select count(*)::int as n from idempotency_keys`.execute(owner);
      expect(kept.rows[0]?.n).toBeGreaterThan(0);
    } finally {
      await owner.destroy();
    }
  });
});
