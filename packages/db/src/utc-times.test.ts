import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '../../../test/harness.ts';
import { utcText } from './utc-times.ts';

describe('times returned by writes as seconds', () => {
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let client: pg.Client;
  beforeAll(async () => {
    database = await createEmptyDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('are written byte for byte as to_char writes them, with milliseconds cut or microseconds', async () => {
    const times = [
      '2026-12-06 09:10:11.123456+00',
      '2026-12-06 09:10:11.999999+00',
      '2026-12-06 09:10:11.0005+00',
      '2026-12-06 09:10:11+00',
      '2024-02-29 23:59:59.999+03:30',
      '1970-01-01 00:00:00+00',
      '1969-12-31 23:59:59.999999+00',
      '1960-12-06 09:10:11.000001+00',
      '0999-01-01 00:00:00.5+00',
    ];
    // Another session time zone must change nothing: the seconds are UTC's.
    await client.query(`set time zone 'Asia/Tehran'`);
    const { rows } = await client.query<{ seconds: string; ms: string; us: string }>(
      `select extract(epoch from t at time zone 'UTC')::text as seconds,
         to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as ms,
         to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as us
       from unnest($1::timestamptz[]) as t`,
      [times],
    );
    expect(rows).toHaveLength(times.length);
    for (const row of rows) {
      expect(utcText(row.seconds, 3), row.seconds).toBe(row.ms);
      expect(utcText(row.seconds, 6), row.seconds).toBe(row.us);
    }
  });
});
