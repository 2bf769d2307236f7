import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

describe('cursors on timestamps', () => {
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

  it('walks rows whose times differ below the millisecond exactly once, both ways', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push((await call('POST', '/objects/people', { firstName: `Micro ${i}` })).json().id);
    // Six times inside one millisecond, a microsecond apart, in an order unlike the ids'.
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    try {
      for (const [i, id] of ids.entries())
        await owner.query(
          `update people set created_at = '2026-01-01T00:00:00.123Z'::timestamptz + make_interval(secs => $1 / 1e6)
           where id = $2`,
          [(i * 4) % 6, id],
        );
    } finally {
      await owner.end();
    }
    for (const sort of ['createdAt', '-createdAt']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `/objects/people?sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await call('GET', query)).json() as {
          data: { id: string }[];
          nextCursor: string | null;
        };
        seen.push(...page.data.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(6);
      expect(new Set(seen)).toEqual(new Set(ids));
    }
  });
});
