import { setWorkspaceStatement } from '@rabita/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { explainable, type PlanNode, planNodes, planSettings } from '../../../../test/plan.ts';

// The agents' inbox reads tickets through the record engine's list API; its views must be served by an index
// (the first page found in order, without reading and sorting every open ticket). The assignee (a user field's
// `eq`) is a range of the owner's indexes (service-0024); the status filters are matched by the indexes' conditions
// (see docs/ARCHITECTURE.md, the agents' inbox).

describe('the inbox views are served by an index', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let agent: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const DONE = ['resolved', 'closed'];
  const SORT = 'slaDueAt,createdAt';
  /** The inbox's other order: priority (urgent first), then time left (apps/web `INBOX_ORDERS.priority`). */
  const BY_PRIORITY = '-priority,slaDueAt,createdAt,id';
  const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
  /** Statements the app ran on tickets, as pg received them, while `capturing`. */
  let captured: { text: string; values: unknown[] }[] = [];
  let capturing = false;

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    agent = await joinByInvitation(t.app, admin.cookie, {
      email: `agent.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'member',
      name: 'Agent',
    });
    // 2,000 tickets: most assigned to the agent (many done), a few to the admin, some unassigned.
    const statuses = [
      'new',
      'open',
      'pending_customer',
      'resolved',
      'closed',
      'closed',
      'closed',
      'resolved',
    ];
    for (let batch = 0; batch < 2; batch++) {
      const records = Array.from({ length: 1000 }, (_, i) => {
        const n = batch * 1000 + i;
        const owner = n % 50 === 0 ? admin.userId : n % 7 === 0 ? null : agent.userId;
        const priority = PRIORITIES[Math.floor(n / 3) % PRIORITIES.length];
        return { subject: `درخواست شمارهٔ ${n}`, status: statuses[n % statuses.length], owner, priority };
      });
      const res = await call('POST', '/objects/tickets/batch', { records });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    }
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    try {
      // Deadlines spread over the next days (the SLA desk keeps them; here they are set directly), a third none.
      await owner.query(
        // Immutable arithmetic on epoch seconds: a Citus cluster takes no now(), nor timestamptz + interval (stable),
        // inside a case.
        `update tickets set sla_due_at = case when number % 3 = 0 then null
           else to_timestamp($2::float8 + number * 420) end where workspace_id = $1`,
        [admin.workspaceId, Date.now() / 1000],
      );
      await owner.query('analyze tickets');
    } finally {
      await owner.end();
    }
    // Every statement any pooled connection runs is noted while capturing.
    t.handle.pool.on('acquire', (client) => {
      const c = client as pg.PoolClient & { inboxWrapped?: boolean };
      if (c.inboxWrapped) return;
      c.inboxWrapped = true;
      const query = c.query.bind(c) as (...args: unknown[]) => unknown;
      (c as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const [first, second] = args;
        if (capturing) {
          const text = typeof first === 'string' ? first : (first as { text?: string }).text;
          const values = Array.isArray(second) ? second : ((first as { values?: unknown[] }).values ?? []);
          if (text) captured.push({ text, values });
        }
        return query(...args);
      };
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  /** The list statement a GET of the view runs, explained as it ran (in the workspace, as the table's owner). */
  const planOf = async (filter: unknown, cookie: string, sort = SORT, cursor?: string) => {
    captured = [];
    capturing = true;
    const res = await call(
      'GET',
      `/objects/tickets?limit=50&sort=${sort}&filter=${encodeURIComponent(JSON.stringify(filter))}${
        cursor ? `&cursor=${cursor}` : ''
      }`,
      undefined,
      cookie,
    );
    capturing = false;
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const statement = captured.find((q) => /from "tickets" as "t"/.test(q.text) && /order by/.test(q.text));
    expect(statement, captured.map((q) => q.text.slice(0, 80)).join('\n')).toBeDefined();
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    try {
      await owner.query('begin');
      await owner.query(setWorkspaceStatement(admin.workspaceId));
      // A couple of thousand rows are cheap to sort, so the planner may rightly sort them here; what must hold is
      // that an index gives them in order and stops after the page, as it must at a million.
      // (On a cluster the settings reach the workers and the nodes are the shard's plan: test/plan.ts.)
      await planSettings(owner);
      await owner.query('set local enable_sort = off');
      const explained = explainable(statement!.text, statement!.values);
      const { rows } = await owner.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        `explain (analyze, format json) ${explained.text}`,
        explained.values,
      );
      await owner.query('rollback');
      const nodes = planNodes(rows[0]!['QUERY PLAN'][0]!.Plan);
      return {
        nodes,
        rows: res.json().data as { owner: string | null; slaDueAt: string | null; priority: string }[],
        nextCursor: res.json().nextCursor as string | null,
      };
    } finally {
      await owner.end();
    }
  };

  /**
   * The page comes straight from an inbox index in the list's order: no sort of any kind (an incremental sort over
   * the tickets without a deadline would read all of them), deadlines ascending with the empty ones last. The views
   * of tickets not done read `tickets_inbox_open_idx`, which leaves the done ones out (service-0016).
   */
  const expectIndexOrder = (
    nodes: PlanNode[],
    rows: { slaDueAt: string | null; createdAt?: string }[],
    index = 'tickets_inbox_open_idx',
  ) => {
    expect(nodes.filter((n) => n['Node Type'].includes('Sort')).map((n) => n['Node Type'])).toEqual([]);
    expect(nodes.map((n) => n['Index Name']).filter(Boolean)).toContain(index);
    const due = rows.map((r) => (r.slaDueAt ? Date.parse(r.slaDueAt) : Number.POSITIVE_INFINITY));
    expect(due).toEqual([...due].sort((a, b) => a - b));
  };

  it('Mine: the caller’s open tickets by time left, from an index, reading about a page', async () => {
    const mine = {
      and: [
        { field: 'owner', op: 'eq', value: admin.userId },
        { field: 'status', op: 'nin', value: DONE },
      ],
    };
    const { nodes, rows } = await planOf(mine, admin.cookie);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.owner === admin.userId)).toBe(true);
    // The owner is a range of the index (service-0024), not a filter on a walk of every agent's open tickets.
    expectIndexOrder(nodes, rows, 'tickets_inbox_owner_open_idx');
    const scan = nodes.find((n) => n['Index Name'] === 'tickets_inbox_owner_open_idx') as PlanNode & {
      'Index Cond'?: string;
      'Rows Removed by Filter'?: number;
    };
    expect(scan['Index Cond']).toMatch(/owner_id = /);
    expect(scan['Rows Removed by Filter'] ?? 0).toBe(0);
  });

  it('Unassigned: open tickets without an assignee by time left, from an index, reading about a page', async () => {
    const unassigned = {
      and: [
        { field: 'owner', op: 'isNull' },
        { field: 'status', op: 'nin', value: DONE },
      ],
    };
    const { nodes, rows } = await planOf(unassigned, agent.cookie);
    expect(rows.length).toBe(50);
    expect(rows.every((r) => r.owner == null)).toBe(true);
    expectIndexOrder(nodes, rows);
  });

  it('Pending: tickets waiting on someone else, from the index of waiting tickets, without walking the done ones', async () => {
    const pending = {
      field: 'status',
      op: 'in',
      value: ['pending_customer', 'pending_third_party', 'on_hold'],
    };
    const { nodes, rows } = await planOf(pending, agent.cookie);
    expect(rows.length).toBeGreaterThan(0);
    expectIndexOrder(nodes, rows, 'tickets_inbox_pending_idx');
    // Only waiting tickets are read: none is filtered out after the index gave it.
    const scan = nodes.find((n) => n['Index Name'] === 'tickets_inbox_pending_idx') as PlanNode & {
      'Rows Removed by Filter'?: number;
    };
    expect(scan['Rows Removed by Filter'] ?? 0).toBe(0);
  });

  /** Urgent first, then each priority by time left (no deadline last): what the priority order promises. */
  const expectPriorityOrder = (rows: { priority: string; slaDueAt: string | null }[]) => {
    const key = (r: { priority: string; slaDueAt: string | null }) =>
      [
        -PRIORITIES.indexOf(r.priority),
        r.slaDueAt ? Date.parse(r.slaDueAt) : Number.POSITIVE_INFINITY,
      ] as const;
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [key(rows[i - 1]!), key(rows[i]!)];
      expect(a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]), JSON.stringify([rows[i - 1], rows[i]])).toBe(
        true,
      );
    }
  };

  /**
   * A list sorted descending on a key that may be empty reads its page as parts (the values, then the empty ones;
   * after a cursor, one part per level), each an index range read in order and cut at a page; only the merge of
   * those few rows is sorted. So: no sort below the parts' `Append`, every part read from the index.
   */
  const expectPartsFromIndex = (nodes: PlanNode[], index: string | string[]) => {
    const indexes = typeof index === 'string' ? [index] : index;
    const root = nodes[0]!;
    const sortsUnder = (node: PlanNode, underAppend: boolean): string[] => [
      ...(underAppend && node['Node Type'].includes('Sort') ? [node['Node Type']] : []),
      ...(node.Plans ?? []).flatMap((c) => sortsUnder(c, underAppend || node['Node Type'] === 'Append')),
    ];
    expect(sortsUnder(root, false)).toEqual([]);
    const append = nodes.find((n) => n['Node Type'] === 'Append');
    const parts = append ? (append.Plans ?? []) : [root];
    for (const part of parts) {
      const scans: string[] = [];
      const walk = (n: PlanNode) => {
        if (n['Index Name']) scans.push(n['Index Name']);
        for (const c of n.Plans ?? []) walk(c);
      };
      walk(part);
      expect(
        scans.some((s) => indexes.includes(s)),
        scans.join(', '),
      ).toBe(true);
    }
  };

  it('the stored priority rank is the position of each built-in option, as the field lists them', async () => {
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    try {
      const { rows } = await owner.query<{ priority: string; rank: number }>(
        `select distinct priority, priority_rank as rank from tickets where workspace_id = $1`,
        [admin.workspaceId],
      );
      const meta = await call('GET', '/metadata/objects');
      const field = (
        meta.json().data as { key: string; fields: { key: string; options?: { value: string }[] }[] }[]
      )
        .find((o) => o.key === 'tickets')!
        .fields.find((f) => f.key === 'priority')!;
      const options = field.options!.map((o) => o.value);
      expect(options).toEqual(PRIORITIES);
      expect(rows).toHaveLength(PRIORITIES.length);
      for (const row of rows) expect(row.rank).toBe(options.indexOf(row.priority) + 1);
    } finally {
      await owner.end();
    }
  });

  it('Mine by priority: urgent first, then time left, from the priority index, on later pages too', async () => {
    const mine = {
      and: [
        { field: 'owner', op: 'eq', value: agent.userId },
        { field: 'status', op: 'nin', value: DONE },
      ],
    };
    const first = await planOf(mine, agent.cookie, BY_PRIORITY);
    expect(first.rows).toHaveLength(50);
    expect(first.rows[0]!.priority).toBe('urgent');
    expectPriorityOrder(first.rows);
    // The agent holds most tickets here, so walking every open ticket by priority costs about as much as reading
    // the agent's own (service-0024): either index, in order.
    const eitherIndex = ['tickets_inbox_owner_priority_open_idx', 'tickets_inbox_priority_open_idx'];
    expectPartsFromIndex(first.nodes, eitherIndex);
    // A page from the cursor reads on from the same index (its keyset parts are ranges of it).
    const second = await planOf(mine, agent.cookie, BY_PRIORITY, first.nextCursor!);
    expectPriorityOrder([...first.rows, ...second.rows]);
    expectPartsFromIndex(second.nodes, eitherIndex);
    // The admin holds one ticket in fifty: their tickets come from the owner's priority index, the owner a range
    // of it rather than a filter on a walk of everyone's.
    const admins = {
      and: [
        { field: 'owner', op: 'eq', value: admin.userId },
        { field: 'status', op: 'nin', value: DONE },
      ],
    };
    const own = await planOf(admins, admin.cookie, BY_PRIORITY);
    expect(own.rows.length).toBeGreaterThan(0);
    expect(own.rows.every((r) => r.owner === admin.userId)).toBe(true);
    expectPriorityOrder(own.rows);
    const ranked = own.nodes.find((n) => n['Index Name'] === 'tickets_inbox_owner_priority_open_idx') as
      | (PlanNode & { 'Index Cond'?: string })
      | undefined;
    expect(ranked?.['Index Cond']).toMatch(/owner_id = /);
  });

  it('Pending by priority reads the waiting tickets’ priority index', async () => {
    const pending = {
      field: 'status',
      op: 'in',
      value: ['pending_customer', 'pending_third_party', 'on_hold'],
    };
    const { nodes, rows } = await planOf(pending, agent.cookie, BY_PRIORITY);
    expect(rows.length).toBeGreaterThan(0);
    expectPriorityOrder(rows);
    expectPartsFromIndex(nodes, 'tickets_inbox_priority_pending_idx');
  });

  it('walks the priority order with cursors of 7 and from its end, the same tickets in the same order', async () => {
    const filter = encodeURIComponent(
      JSON.stringify({
        and: [
          { field: 'owner', op: 'eq', value: admin.userId },
          { field: 'status', op: 'nin', value: DONE },
        ],
      }),
    );
    const all = (await call('GET', `/objects/tickets?limit=200&sort=${BY_PRIORITY}&filter=${filter}`)).json()
      .data as { id: string; priority: string; slaDueAt: string | null }[];
    expect(all.length).toBeGreaterThan(14);
    expectPriorityOrder(all);
    const read = async (reverse: boolean) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page = (
          await call(
            'GET',
            `/objects/tickets?limit=7&sort=${BY_PRIORITY}&filter=${filter}${reverse ? '&reverse=true' : ''}${
              cursor ? `&cursor=${cursor}` : ''
            }`,
          )
        ).json() as { data: { id: string }[]; nextCursor: string | null };
        ids.push(...page.data.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };
    expect(await read(false)).toEqual(all.map((r) => r.id));
    expect(await read(true)).toEqual(all.map((r) => r.id).reverse());
  });

  it('with a priority an admin added, sorts by the options’ order computed per row, the new one after urgent', async () => {
    const patch = await call('PATCH', '/metadata/objects/tickets/fields/priority', {
      options: [...PRIORITIES, 'critical'].map((value) => ({ value, labels: { en: value } })),
    });
    expect(patch.statusCode, patch.body).toBe(200);
    const created = await call('POST', '/objects/tickets', {
      subject: 'Everything is down',
      priority: 'critical',
    });
    expect(created.statusCode, created.body).toBe(201);
    const page = (await call('GET', `/objects/tickets?limit=3&sort=${BY_PRIORITY}`)).json();
    expect(page.data.map((r: { priority: string }) => r.priority)).toEqual(['critical', 'urgent', 'urgent']);
    const next = (
      await call('GET', `/objects/tickets?limit=3&sort=${BY_PRIORITY}&cursor=${page.nextCursor}`)
    ).json();
    expect(next.data.every((r: { priority: string }) => r.priority === 'urgent')).toBe(true);
  });
});
