import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

// The filter compiler must never crash and must agree with a simple in-memory model of the filter language.

type Row = {
  id: string;
  name: string;
  score: number | null;
  active: boolean | null;
  tier: string | null;
  labels: string[] | null;
  day: string | null;
};
type Node = { and: Node[] } | { or: Node[] } | { not: Node } | { field: string; op: string; value?: unknown };

const NAMES = ['alpha', 'Beta', 'gamma ray', 'delta', 'ALPHA two'];
const TIERS = ['gold', 'silver', 'bronze', null];
const LABELS = ['a', 'b', 'c'];
const DAYS = ['2026-01-01', '2026-03-21', '2026-12-31', null];

function evaluate(node: Node, row: Row): boolean {
  if ('and' in node) return node.and.every((n) => evaluate(n, row));
  if ('or' in node) return node.or.some((n) => evaluate(n, row));
  if ('not' in node) return !evaluate(node.not, row);
  const v = row[node.field as keyof Row] as unknown;
  const x = node.value;
  switch (node.op) {
    case 'isNull':
      return v === null || (Array.isArray(v) && v.length === 0);
    case 'isNotNull':
      return !(v === null || (Array.isArray(v) && v.length === 0));
    case 'eq':
      return Array.isArray(v) ? v.includes(x as string) : v !== null && v === x;
    case 'neq':
      return Array.isArray(v) ? !v.includes(x as string) : v !== x;
    case 'lt':
      return v !== null && (v as number) < (x as number);
    case 'lte':
      return v !== null && (v as number) <= (x as number);
    case 'gt':
      return v !== null && (v as number) > (x as number);
    case 'gte':
      return v !== null && (v as number) >= (x as number);
    case 'in':
      return Array.isArray(v)
        ? v.some((i) => (x as unknown[]).includes(i))
        : v !== null && (x as unknown[]).includes(v);
    case 'nin':
      return Array.isArray(v)
        ? !v.some((i) => (x as unknown[]).includes(i))
        : !(v !== null && (x as unknown[]).includes(v));
    case 'contains':
      return v !== null && String(v).toLowerCase().includes(String(x).toLowerCase());
    case 'startsWith':
      return v !== null && String(v).toLowerCase().startsWith(String(x).toLowerCase());
    case 'hasAny':
      return Array.isArray(v) && v.some((i) => (x as string[]).includes(i));
    case 'hasAll':
      return Array.isArray(v) && v.length > 0 && (x as string[]).every((i) => v.includes(i));
    default:
      throw new Error(`unknown op ${node.op}`);
  }
}

const leaf: fc.Arbitrary<Node> = fc.oneof(
  fc.record({
    field: fc.constant('name'),
    op: fc.constantFrom('eq', 'neq', 'contains', 'startsWith'),
    value: fc.constantFrom('alpha', 'Beta', 'al', 'ray', 'a', 'zzz'),
  }),
  fc.record({
    field: fc.constant('name'),
    op: fc.constantFrom('in', 'nin'),
    value: fc.subarray(['alpha', 'Beta', 'delta', 'x'], { minLength: 1 }),
  }),
  fc.record({
    field: fc.constant('score'),
    op: fc.constantFrom('eq', 'neq', 'lt', 'lte', 'gt', 'gte'),
    value: fc.integer({ min: -2, max: 12 }),
  }),
  fc.record({
    field: fc.constant('score'),
    op: fc.constantFrom('in', 'nin'),
    value: fc.subarray([0, 3, 5, 7, 10], { minLength: 1 }),
  }),
  fc.record({ field: fc.constant('active'), op: fc.constantFrom('eq', 'neq'), value: fc.boolean() }),
  fc.record({
    field: fc.constant('tier'),
    op: fc.constantFrom('eq', 'neq'),
    value: fc.constantFrom('gold', 'silver', 'bronze'),
  }),
  fc.record({
    field: fc.constant('labels'),
    op: fc.constantFrom('hasAny', 'hasAll'),
    value: fc.subarray(LABELS, { minLength: 1 }),
  }),
  fc.record({
    field: fc.constant('day'),
    op: fc.constantFrom('eq', 'lt', 'gte'),
    value: fc.constantFrom('2026-01-01', '2026-03-21', '2026-06-01'),
  }),
  fc.record({
    field: fc.constantFrom('name', 'score', 'active', 'tier', 'labels', 'day'),
    op: fc.constantFrom('isNull', 'isNotNull'),
  }),
);

const tree: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ and: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ not: tie('node') }),
  ),
})).node;

describe('the filter compiler', () => {
  let t: TestApp;
  let cookie: string;
  let rows: Row[];

  beforeAll(async () => {
    t = await createTestApp();
    const admin = await signUp(t.app);
    cookie = admin.cookie;
    const post = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: { cookie }, payload });
    await post('/metadata/objects', {
      key: 'samples',
      labels: { singular: { en: 'Sample' }, plural: { en: 'Samples' } },
    });
    await post('/metadata/objects/samples/fields', { key: 'score', type: 'number', labels: { en: 'Score' } });
    await post('/metadata/objects/samples/fields', {
      key: 'active',
      type: 'boolean',
      labels: { en: 'Active' },
    });
    const options = (values: string[]) => values.map((value) => ({ value, labels: { en: value } }));
    await post('/metadata/objects/samples/fields', {
      key: 'tier',
      type: 'select',
      labels: { en: 'Tier' },
      options: options(['gold', 'silver', 'bronze']),
    });
    await post('/metadata/objects/samples/fields', {
      key: 'labels',
      type: 'multiSelect',
      labels: { en: 'Labels' },
      options: options(LABELS),
    });
    await post('/metadata/objects/samples/fields', { key: 'day', type: 'date', labels: { en: 'Day' } });
    // `name` is the custom object's required title field, so it is never null; every other field may be.
    const generated = fc.sample(
      fc.record({
        name: fc.constantFrom(...NAMES),
        score: fc.option(fc.integer({ min: 0, max: 10 }), { nil: null }),
        active: fc.option(fc.boolean(), { nil: null }),
        tier: fc.constantFrom(...TIERS),
        labels: fc.option(fc.subarray(LABELS), { nil: null }),
        day: fc.constantFrom(...DAYS),
      }),
      { numRuns: 60, seed: 42 },
    );
    const batch = await post('/objects/samples/batch', { records: generated });
    const ids = batch.json().data.map((r: { id: string }) => r.id);
    expect(ids.every(Boolean), batch.body).toBe(true);
    rows = generated.map((g, i) => ({
      ...g,
      labels: g.labels && g.labels.length > 0 ? g.labels : null,
      id: ids[i],
    }));
  });
  afterAll(() => t?.close());

  it('agrees with the in-memory model on random filter trees', async () => {
    await fc.assert(
      fc.asyncProperty(tree, async (filter) => {
        const response = await t.app.inject({
          method: 'POST',
          url: '/api/v1/objects/samples/query',
          headers: { cookie },
          payload: { filter, limit: 1000 },
        });
        expect(response.statusCode, response.body).toBe(200);
        const got = response
          .json()
          .data.map((r: { id: string }) => r.id)
          .sort();
        const want = rows
          .filter((r) => evaluate(filter, r))
          .map((r) => r.id)
          .sort();
        expect(got).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });

  it("walks every row exactly once, in the sort's order with nulls last, by keyset cursor over random sorts", async () => {
    const sortable = ['score', 'active', 'tier', 'day', 'name'] as const;
    // Text order depends on the database's collation, so the model checks order only for the other fields; the walk
    // is always checked against the same sort read in one page.
    // A select sorts by its options' order (gold, silver, bronze: TIERS), not by its values' text.
    const sortValue = (field: (typeof sortable)[number], r: Row) =>
      field === 'tier' && r.tier !== null ? TIERS.indexOf(r.tier) : r[field];
    const compare = (field: (typeof sortable)[number], a: Row, b: Row): number => {
      const x = sortValue(field, a);
      const y = sortValue(field, b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return x < y ? -1 : 1;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.constantFrom(...sortable), { minLength: 1, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 13 }),
        fc.option(tree, { nil: undefined }),
        async (fields, desc, pageSize, filter) => {
          const sort = fields.map((f, i) => (desc[i] ? `-${f}` : f)).join(',');
          const query = (payload: object) =>
            t.app.inject({
              method: 'POST',
              url: '/api/v1/objects/samples/query',
              headers: { cookie },
              payload: { sort, ...(filter ? { filter } : {}), ...payload },
            });
          const whole = await query({ limit: 1000 });
          expect(whole.statusCode, whole.body).toBe(200);
          const wanted = whole.json().data.map((r: { id: string }) => r.id);
          const walked: string[] = [];
          let cursor: string | null = null;
          for (let pages = 0; pages < 100; pages++) {
            const page = await query({ limit: pageSize, ...(cursor ? { cursor } : {}) });
            expect(page.statusCode, page.body).toBe(200);
            const body: { data: { id: string }[]; nextCursor: string | null } = page.json();
            expect(body.data.length).toBeLessThanOrEqual(pageSize);
            walked.push(...body.data.map((r) => r.id));
            cursor = body.nextCursor;
            if (!cursor) break;
          }
          expect(walked).toEqual(wanted);
          const byId = new Map(rows.map((r) => [r.id, r]));
          const expected = rows
            .filter((r) => !filter || evaluate(filter, r))
            .sort((a, b) => {
              for (const [i, f] of fields.entries()) {
                if (f === 'name') return 0;
                const c = compare(f, a, b);
                if (c !== 0) {
                  const nullInvolved = a[f] === null || b[f] === null;
                  return desc[i] && !nullInvolved ? -c : c;
                }
              }
              return 0;
            });
          // Only the order of the fields before any text field is modelled; compare those keys row by row.
          const modelled = fields.slice(0, fields.includes('name') ? fields.indexOf('name') : fields.length);
          const key = (r: Row) => JSON.stringify(modelled.map((f) => r[f]));
          expect(walked.map((id) => key(byId.get(id)!))).toEqual(expected.map(key));
        },
      ),
      { numRuns: 120 },
    );
  });

  it('never answers 500 to arbitrary JSON as a filter', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), async (filter) => {
        const response = await t.app.inject({
          method: 'POST',
          url: '/api/v1/objects/samples/query',
          headers: { cookie },
          payload: { filter },
        });
        expect(response.statusCode, response.body).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });
});
