import { v7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { madeAt, withFreshIds } from './replay.ts';

describe('write baselines', () => {
  it('reads the time a UUIDv7 was made', () => {
    const before = Date.now();
    const at = madeAt(v7());
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('replaces the ids the recorded run made, consistently, and keeps older ones', async () => {
    const old = v7();
    await new Promise((resolve) => setTimeout(resolve, 3));
    const since = Date.now();
    const made = v7();
    const replay = withFreshIds(
      [
        { sql: 'insert into people (id, owner_id) values ($1, $2)', parameters: [made, old] },
        {
          sql: 'insert into record_changes values ($1, $2, $3)',
          parameters: [[made], `{"id":"${made}"}`, 7],
        },
      ],
      since,
    );
    const first = replay();
    const second = replay();
    const id = first[0]!.parameters[0] as string;
    expect(id).not.toBe(made);
    expect(first[0]!.parameters[1]).toBe(old);
    expect(first[1]!.parameters).toEqual([[id], `{"id":"${id}"}`, 7]);
    expect(second[0]!.parameters[0]).not.toBe(id);
    expect(first[0]!.sql).toBe('insert into people (id, owner_id) values ($1, $2)');
  });
});
