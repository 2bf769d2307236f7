import { withWorkspace } from '@rabita/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { principalForMember } from '../auth/members.service.ts';
import { bulkWriteRecords } from './bulk-write-records.ts';

describe('the write path', () => {
  let t: TestApp;
  let owner: pg.Client;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  /** Every statement the pool's clients send while `run` runs (each client wrapped once). */
  async function statementsOf(run: () => Promise<void>): Promise<string[]> {
    const statements: string[] = [];
    let counting = false;
    const wrapped = new WeakSet<object>();
    const onAcquire = (client: pg.PoolClient) => {
      if (wrapped.has(client)) return;
      wrapped.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
        if (counting && text) statements.push(text.replace(/\s+/g, ' ').trim());
        return query(...args);
      };
    };
    t.handle.pool.on('acquire', onAcquire);
    counting = true;
    try {
      await run();
    } finally {
      counting = false;
      t.handle.pool.off('acquire', onAcquire);
    }
    return statements;
  }

  /** The statements that write record tables, the audit trail or search documents. */
  const writes = (statements: string[]) =>
    statements.filter(
      (s) => /^(insert|update|delete|with)\b/i.test(s) && /people|record_changes|search_documents/.test(s),
    );

  const auditOf = async (recordId: string) =>
    (
      await owner.query(
        'select action, changes, actor_user_id, source, cause from record_changes where record_id = $1 order by created_at',
        [recordId],
      )
    ).rows;
  const documentOf = async (recordId: string) =>
    (
      await owner.query(
        'select title, subtitle, content, compact from search_documents where record_id = $1',
        [recordId],
      )
    ).rows[0];

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    // The first write of a workspace loads its metadata; count from the second.
    await call('POST', '/objects/people', { firstName: 'Warm' });
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  it('sends a single create’s row, then its audit row and search document together in one statement', async () => {
    let id = '';
    const statements = await statementsOf(async () => {
      const created = await call('POST', '/objects/people', {
        firstName: 'Counted',
        emails: ['c@example.com'],
      });
      expect(created.statusCode, created.body).toBe(201);
      id = created.json().id;
    });
    const written = writes(statements);
    expect(written).toHaveLength(2);
    expect(written[0]).toMatch(/^insert into "people"/);
    expect(written[1]).toMatch(/insert into record_changes .* insert into search_documents/);
    // begin (with the workspace's settings), the row, audit and document, the event's NOTIFY, the webhook
    // outbox's two reads, commit: eight round trips before the audit row and document were folded together.
    expect(statements.length).toBeLessThanOrEqual(7);
    expect(await auditOf(id)).toEqual([
      expect.objectContaining({ action: 'created', source: 'ui', actor_user_id: admin.userId }),
    ]);
    expect((await documentOf(id))?.title).toBe('Counted');
  });

  it('writes an update’s and a delete’s audit row and search document in one statement each', async () => {
    const id = (await call('POST', '/objects/people', { firstName: 'Before' })).json().id as string;
    const updated = await statementsOf(async () => {
      expect((await call('PATCH', `/objects/people/${id}`, { firstName: 'After' })).statusCode).toBe(200);
    });
    expect(writes(updated)).toHaveLength(2);
    expect(writes(updated)[1]).toMatch(/insert into record_changes .* insert into search_documents/);
    expect((await documentOf(id))?.title).toBe('After');

    const deleted = await statementsOf(async () => {
      expect((await call('DELETE', `/objects/people/${id}`)).statusCode).toBe(204);
    });
    expect(writes(deleted)).toHaveLength(2);
    expect(writes(deleted)[1]).toMatch(/insert into record_changes .* delete from search_documents/);
    expect(await documentOf(id)).toBeUndefined();
    expect((await auditOf(id)).map((r) => r.action)).toEqual(['created', 'updated', 'deleted']);

    expect((await call('POST', `/objects/people/${id}/restore`)).statusCode).toBe(200);
    expect((await documentOf(id))?.title).toBe('After');
  });

  it('leaves the same audit row, search document and event for a single create and a bulk write’s row', async () => {
    const input = {
      firstName: 'Same',
      lastName: 'Shape',
      emails: ['same@example.com'],
      phones: ['+98 912 000 1122'],
      jobTitle: 'Buyer',
    };
    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    const events: Record<string, unknown>[] = [];
    listener.on('notification', (n) => events.push(JSON.parse(n.payload ?? '{}')));
    await listener.query('listen rabita_events');
    try {
      const single = (await call('POST', '/objects/people', input)).json().id as string;
      const principal = (await principalForMember(t.handle.db, admin.userId, admin.workspaceId))!;
      const [outcome] = await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
        bulkWriteRecords(trx, principal, 'people', [{ index: 0, input }], { source: 'ui' }),
      );
      expect(outcome).toMatchObject({ index: 0, action: 'created' });
      const bulk = (outcome as { id: string }).id;

      expect(await auditOf(bulk)).toEqual(await auditOf(single));
      expect(await documentOf(bulk)).toEqual(await documentOf(single));
      await expect.poll(() => events.length).toBeGreaterThanOrEqual(2);
      const shape = (recordId: string) => {
        const { at: _at, recordId: _id, ...rest } = events.find((e) => e.recordId === recordId)!;
        return rest;
      };
      expect(shape(bulk)).toEqual(shape(single));
      expect(shape(single)).toMatchObject({ action: 'created', object: 'people', source: 'ui' });
    } finally {
      await listener.end();
    }
  });
});
