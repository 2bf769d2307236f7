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
    // begin (with the workspace's settings), the row, audit and document with the event's NOTIFY, the lookup of
    // past mail to the new address, commit: eight round trips before the audit row, document and NOTIFY were
    // folded together and the webhook outbox learnt that no webhook listens without asking.
    expect(written[1]).toMatch(/pg_notify/);
    expect(
      statements.filter((q) => /webhooks|from "workspaces"|pg_notify/.test(q) && q !== written[1]),
    ).toEqual([]);
    expect(statements.length).toBeLessThanOrEqual(5);
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

  it('updates a bulk write’s records together, as single updates would, and answers each row that cannot be', async () => {
    const field = await call('POST', '/metadata/objects/people/fields', {
      key: 'visits',
      type: 'number',
      labels: { en: 'Visits' },
    });
    expect(field.statusCode, field.body).toBe(201);
    const make = async (body: Record<string, unknown>) =>
      (await call('POST', '/objects/people', body)).json();
    const a = await make({ firstName: 'Bulk', lastName: 'One', tags: ['vip'], phones: ['+98 912 000 2001'] });
    const b = await make({ firstName: 'Bulk', lastName: 'Two', visits: 1, jobTitle: 'Clerk' });
    const c = await make({ firstName: 'Bulk', lastName: 'Three' });
    const principal = (await principalForMember(t.handle.db, admin.userId, admin.workspaceId))!;
    const missing = '00000000-0000-4000-8000-000000000001';
    let outcomes: Awaited<ReturnType<typeof bulkWriteRecords>> = [];
    const statements = await statementsOf(async () => {
      outcomes = await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
        bulkWriteRecords(trx, principal, 'people', [
          // Standard columns of several kinds at once: text, a list cleared, JSON (phones) replaced.
          {
            index: 0,
            updateId: a.id,
            input: { lastName: 'Yek', tags: null, phones: ['+98 912 000 2999'] },
          },
          // A custom value merged into the others, a standard one left as it was.
          { index: 1, updateId: b.id, input: { visits: 7 } },
          // The same record again in the batch: written after the first, so the last row wins.
          { index: 2, updateId: a.id, input: { lastName: 'Do' } },
          { index: 3, updateId: missing, input: { lastName: 'Nobody' } },
          { index: 4, updateId: c.id, input: { company: missing } },
          // Nothing changes: answered as updated, with no audit row.
          { index: 5, updateId: c.id, input: { lastName: 'Three' } },
        ]),
      );
    });
    expect(outcomes).toEqual([
      { index: 0, id: a.id, action: 'updated' },
      { index: 1, id: b.id, action: 'updated' },
      { index: 2, id: a.id, action: 'updated' },
      { index: 3, error: expect.stringMatching(/no people record/i) },
      { index: 4, error: expect.stringMatching(/^company: No companies record/) },
      { index: 5, id: c.id, action: 'updated' },
    ]);
    // One update statement for the batch, one each for the rows naming a record an earlier row named (row by row).
    expect(statements.filter((q) => /^update "people"/.test(q))).toHaveLength(3);
    const [afterA, afterB, afterC] = await Promise.all(
      [a, b, c].map(async (r) => (await call('GET', `/objects/people/${r.id}`)).json()),
    );
    expect(afterA).toMatchObject({ lastName: 'Do', tags: [], phones: [{ e164: '+989120002999' }] });
    expect(afterB).toMatchObject({ visits: 7, jobTitle: 'Clerk', lastName: 'Two' });
    expect(afterC).toMatchObject({ lastName: 'Three', company: null });
    // The audit trail holds each change with its old and new value; the unchanged row left none.
    const trail = await auditOf(a.id);
    expect(trail.map((r) => r.action)).toEqual(['created', 'updated', 'updated']);
    expect(trail[1].changes).toMatchObject({
      lastName: { from: 'One', to: 'Yek' },
      tags: { from: ['vip'], to: [] },
    });
    expect((await auditOf(b.id))[1].changes).toEqual({ visits: { from: 1, to: 7 } });
    expect(await auditOf(c.id)).toHaveLength(1);
    expect((await documentOf(a.id))?.title).toBe('Bulk Do');
    // The phone lookup follows the new number (the derived column was written too).
    const found = await call(
      'GET',
      `/objects/people?filter=${encodeURIComponent(
        JSON.stringify({ field: 'phones', op: 'eq', value: '+989120002999' }),
      )}`,
    );
    expect(found.json().data.map((r: { id: string }) => r.id)).toEqual([a.id]);
    const old = await call(
      'GET',
      `/objects/people?filter=${encodeURIComponent(JSON.stringify({ field: 'phones', op: 'eq', value: '+989120002001' }))}`,
    );
    expect(old.json().data).toEqual([]);
  });

  it('lets a deal rule refuse one row of a bulk update and writes the others', async () => {
    const stages = (await call('POST', '/objects/stages/query', { sort: 'position' })).json().data;
    const deal = async (name: string) =>
      (await call('POST', '/objects/deals', { name, amount: { amount: '100', currency: 'USD' } })).json();
    const [d1, d2] = [await deal('Bulk deal 1'), await deal('Bulk deal 2')];
    const other = (await call('POST', '/objects/pipelines', { name: 'Bulk renewals' })).json();
    const principal = (await principalForMember(t.handle.db, admin.userId, admin.workspaceId))!;
    const outcomes = await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      bulkWriteRecords(trx, principal, 'deals', [
        { index: 0, updateId: d1.id, input: { stage: stages[4].id } },
        { index: 1, updateId: d2.id, input: { pipeline: other.id, stage: stages[1].id } },
      ]),
    );
    expect(outcomes[0]).toEqual({ index: 0, id: d1.id, action: 'updated' });
    expect(outcomes[1]).toMatchObject({ index: 1, error: expect.stringMatching(/stage/) });
    // The rule's own changes (status, probability) were written with the stage.
    expect((await call('GET', `/objects/deals/${d1.id}`)).json()).toMatchObject({
      status: 'won',
      probability: 100,
    });
    expect((await call('GET', `/objects/deals/${d2.id}`)).json()).toMatchObject({ stage: stages[0].id });
  });
});
