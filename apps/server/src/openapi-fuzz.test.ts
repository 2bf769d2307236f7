import { FILTER_OPERATORS } from '@rabita/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../test/harness.ts';

// A fuzzer driven by the OpenAPI document the app serves: for every operation it sends a fixed number of requests
// built from the operation's own parameter and body schemas, each value either valid for its schema or hostile
// (NUL, lone surrogates, RTL override, 1 MB strings, wrong types, huge and negative numbers, bad UUIDs and cursors,
// SQL-ish names, depth-1,000 filters, malformed JSON and multipart). Every answer must be a success or a 4xx
// problem document, in under 5 seconds. The cases come from a seeded generator: a failure names its seed and
// case, and `RABITA_FUZZ_SEED=<seed>` replays (or explores another) run.

const SEED = Number(process.env.RABITA_FUZZ_SEED ?? 20261204);
/** 60 in CI (about a minute); `RABITA_FUZZ_CASES` runs more when exploring. */
const CASES_PER_OPERATION = Number(process.env.RABITA_FUZZ_CASES ?? 60);
/** A second, shorter pass as an API key with the agent role (permission checks, session-only routes). */
const AS_KEY_CASES = Math.ceil(CASES_PER_OPERATION / 4);
const SLOW_MS = 5_000;
/** The event stream stays open; sign-out would end the fuzzing admin's session. */
const SKIPPED = new Set(['GET /api/v1/events', 'POST /api/v1/auth/sign-out']);

type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
};
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const MEGABYTE = 'x'.repeat(1_000_000);
const HOSTILE_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u202eevil.exe\u202dtxt',
  'علی\u200c\u202eکریمی',
  MEGABYTE,
  "'; drop table people; --",
  'x" or "1"="1',
  'people; select pg_sleep(10)',
  '%00%ff',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  'not-a-uuid',
  '00000000-0000-0000-0000-00000000000g',
  '{{constructor.constructor("return process")()}}',
  '__proto__',
  '-1',
  '99999999999999999999',
  '1e308',
];
const HOSTILE_NUMBERS = [
  -1,
  0,
  -(2 ** 31),
  2 ** 31,
  2 ** 53,
  1e308,
  -1e308,
  1.5,
  Number.MAX_SAFE_INTEGER + 2,
];

const hostileText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileText },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [[]], { a: {} }, ['\u0000']) },
);

const PEOPLE_FIELDS = [
  'id',
  'createdAt',
  'updatedAt',
  'firstName',
  'lastName',
  'emails',
  'phones',
  'company',
  'owner',
  'tags',
];
/** Every operator the filter language has, and one it has not. */
const FILTER_OPS = [...FILTER_OPERATORS, 'between'];
const deepFilter = (depth: number) =>
  JSON.parse(`${'{"not":'.repeat(depth)}{"field":"id","op":"isNull"}${'}'.repeat(depth)}`);

const leaf = fc.record({
  field: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...PEOPLE_FIELDS) },
    { weight: 1, arbitrary: hostileText },
  ),
  op: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...FILTER_OPS) },
    { weight: 1, arbitrary: hostileValue },
  ),
  value: fc.oneof(
    hostileValue,
    fc.array(hostileValue, { maxLength: 3 }),
    fc.constantFrom('2026-01-01', 'abc', 42),
  ),
});
const filterArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: leaf },
  { weight: 1, arbitrary: fc.record({ and: fc.array(leaf, { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ or: fc.array(leaf, { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(deepFilter(1_000), deepFilter(12), { and: 'x' }, []) },
  { weight: 1, arbitrary: hostileValue },
);
const cursorArb = fc.oneof(
  hostileText,
  fc
    .record({
      s: fc.constantFrom('id', 'createdAt,id', '-createdAt,-id', 'firstName,id', 'x'),
      v: fc.array(hostileValue, { maxLength: 3 }),
    })
    .map((c) => Buffer.from(JSON.stringify(c)).toString('base64url')),
  // The shape of the timeline's and other lists' cursors: [value, id] pairs.
  fc
    .array(fc.oneof(hostileValue, fc.constantFrom('2026-01-01T00:00:00.000Z', '2026-13-45T99:00:00Z')), {
      maxLength: 3,
    })
    .map((c) => Buffer.from(JSON.stringify(c)).toString('base64url')),
);

interface Known {
  ids: string[];
}

function deref(doc: OpenApi, schema: Schema | undefined): Schema {
  if (!schema) return {};
  if (schema.$ref) return deref(doc, doc.components.schemas[schema.$ref.split('/').pop() ?? '']);
  return schema;
}

/** A value that fits `schema` (filters and cursors, whose schema is only "text", are hostile of their own). */
function validOf(
  doc: OpenApi,
  known: Known,
  raw: Schema | undefined,
  name: string,
  depth: number,
): fc.Arbitrary<unknown> {
  const schema = deref(doc, raw);
  if (depth > 4) return fc.constant(null);
  if (name === 'filter')
    return schema.type === 'string' ? filterArb.map((f) => JSON.stringify(f)) : filterArb;
  if (name === 'cursor') return cursorArb;
  if (name === 'id' || /Id$/.test(name) || schema.format === 'uuid')
    return fc.oneof(fc.constantFrom(...known.ids), fc.uuid());
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => validOf(doc, known, s, name, depth)));
  const type = [schema.type ?? 'any'].flat().find((t) => t !== 'null') ?? 'null';
  switch (type) {
    case 'string':
      return schema.format === 'email'
        ? fc.emailAddress()
        : fc.string({
            minLength: Math.min(schema.minLength ?? 1, 20),
            maxLength: Math.min(schema.maxLength ?? 20, 20),
          });
    case 'integer':
    case 'number':
      return fc.integer({ min: schema.minimum ?? -1_000, max: schema.maximum ?? 1_000 });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validOf(doc, known, schema.items, name, depth + 1), { maxLength: 3 });
    case 'object': {
      const properties = schema.properties ?? {};
      return fc.record(
        Object.fromEntries(
          Object.entries(properties).map(([key, s]) => [key, validOf(doc, known, s, key, depth + 1)]),
        ),
        { requiredKeys: (schema.required ?? []).filter((key) => key in properties) },
      );
    }
    default:
      return fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant(null));
  }
}

/** Every place inside a JSON value a hostile value can go: the value itself, each item and each property. */
function slots(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  const inner =
    typeof value === 'object' && value !== null
      ? Object.entries(value).flatMap(([key, item]) =>
          slots(item, [...path, Array.isArray(value) ? Number(key) : key]),
        )
      : [];
  return [path, ...inner];
}

function replaced(value: unknown, path: (string | number)[], by: unknown): unknown {
  if (path.length === 0) return by;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string, unknown>;
  copy[head] = replaced(copy[head], rest, by);
  return copy;
}

const BOUNDARY = 'rabitafuzz';
const multipart = (parts: string) => `--${BOUNDARY}\r\n${parts}`;
const MULTIPART_BODIES: { contentType: string; payload: string }[] = [
  { contentType: 'multipart/form-data', payload: 'no boundary' },
  {
    contentType: `multipart/form-data; boundary=${BOUNDARY}`,
    payload: multipart('Content-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nname\r\nAli'),
  },
  {
    contentType: `multipart/form-data; boundary=${BOUNDARY}`,
    payload: multipart('Content-Disposition: form-da'),
  },
  {
    contentType: `multipart/form-data; boundary=${BOUNDARY}`,
    payload: `${multipart('Content-Disposition: form-data; name="object"\r\n\r\npeople\r\n')}--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a\u0000.csv"\r\nContent-Type: text/csv\r\n\r\nfirstName\r\nAli\r\n--${BOUNDARY}--\r\n`,
  },
  {
    contentType: `multipart/form-data; boundary=${BOUNDARY}`,
    payload: `${multipart('Content-Disposition: form-data; name="object"\r\n\r\npeo\u0000ple\r\n')}--${BOUNDARY}--\r\n`,
  },
  { contentType: 'multipart/form-data; boundary=other', payload: multipart('x') },
];

interface Case {
  path: string;
  query: Record<string, unknown>;
  body?: { contentType: string; payload: string } | undefined;
}

/**
 * A request for an operation: values that fit its schemas, then one place — a path or query parameter (present or
 * not), or any node of the body — given a hostile value; or a body that is not JSON at all.
 */
function caseArb(
  doc: OpenApi,
  known: Known,
  url: string,
  operation: Operation,
  method: string,
): fc.Arbitrary<Case> {
  const parameters = operation.parameters ?? [];
  const inPath = parameters.filter((p) => p.in === 'path');
  const inQuery = parameters.filter((p) => p.in === 'query');
  const pathArb = fc.record(
    Object.fromEntries(
      inPath.map((p) => [
        p.name,
        p.name === 'object'
          ? fc.constantFrom('people', 'companies', 'deals')
          : validOf(doc, known, p.schema, p.name, 0),
      ]),
    ),
  );
  const queryArb = fc.record(
    Object.fromEntries(inQuery.map((p) => [p.name, validOf(doc, known, p.schema, p.name, 0)])),
    { requiredKeys: inQuery.filter((p) => p.required).map((p) => p.name) },
  );
  const hasBody = ['post', 'put', 'patch'].includes(method);
  const jsonSchema = operation.requestBody?.content?.['application/json']?.schema;
  const bodyArb = hasBody ? validOf(doc, known, jsonSchema, '', 0) : fc.constant(undefined);
  const rawBodyArb = fc.constantFrom(
    ...MULTIPART_BODIES,
    { contentType: 'application/json', payload: '{"unterminated": ' },
    { contentType: 'application/json', payload: '{"a":"\\ud800","b":"\\u0000"}' },
    { contentType: 'application/json', payload: '' },
    { contentType: 'text/plain', payload: 'hello' },
    { contentType: 'application/x-www-form-urlencoded', payload: 'a=b' },
  );
  return fc
    .record({
      pathValues: pathArb,
      query: queryArb,
      body: bodyArb,
      slot: fc.nat(),
      text: hostileText,
      value: hostileValue,
      raw: hasBody ? fc.option(rawBodyArb, { freq: 6 }) : fc.constant(null),
    })
    .map(({ pathValues, query, body, slot, text, value, raw }) => {
      const places = [
        ...inPath.map((p) => ({ in: 'path', name: p.name })),
        ...inQuery.map((p) => ({ in: 'query', name: p.name })),
        ...(hasBody ? slots(body).map((at) => ({ in: 'body', at })) : []),
      ];
      const place = raw ? undefined : places[slot % Math.max(places.length, 1)];
      const values: Record<string, unknown> = { ...pathValues };
      const q: Record<string, unknown> = { ...query };
      let b = body;
      if (place?.in === 'path' && 'name' in place) values[place.name] = text;
      if (place?.in === 'query' && 'name' in place) q[place.name] = text;
      if (place?.in === 'body' && 'at' in place) b = replaced(body, place.at, value);
      return {
        path: url.replace(/\{(\w+)\}/g, (_, name: string) => percentEncode(String(values[name]))),
        query: Object.fromEntries(
          Object.entries(q).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
        ),
        body:
          raw ??
          (hasBody ? { contentType: 'application/json', payload: JSON.stringify(b) ?? 'null' } : undefined),
      };
    });
}

/** Percent-encodes as a client would, a lone surrogate included (as the three bytes WTF-8 gives it). */
function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const unit = char.charCodeAt(0);
    out +=
      char.length === 1 && unit >= 0xd800 && unit <= 0xdfff
        ? [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
            .map((byte) => `%${byte.toString(16).toUpperCase()}`)
            .join('')
        : encodeURIComponent(char);
  }
  return out;
}

function queryString(query: Record<string, unknown>): string {
  const text = Object.entries(query)
    .map(([key, value]) => `${key}=${percentEncode(String(value))}`)
    .join('&');
  return text ? `?${text}` : '';
}

describe('the OpenAPI-driven fuzzer', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let doc: OpenApi;
  const known: Known = { ids: [] };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    for (const [object, payload] of [
      ['companies', { name: 'Fuzz Co' }],
      ['people', { firstName: 'Fuzz', lastName: 'Target' }],
    ] as const) {
      const created = await t.app.inject({
        method: 'POST',
        url: `/api/v1/objects/${object}`,
        headers: { cookie: admin.cookie },
        payload,
      });
      known.ids.push(created.json().id);
    }
    const served = await t.app.inject({ url: '/api/v1/openapi.json', headers: { cookie: admin.cookie } });
    doc = served.json();
  });
  afterAll(() => t?.close());

  /** Sends `cases` generated requests per operation as `caller`; returns each distinct failure and the counts. */
  async function fuzz(caller: Record<string, string>, cases: number, seed: number) {
    const failures = new Map<string, string>();
    let operations = 0;
    let requests = 0;
    const entries = Object.entries(doc.paths).flatMap(([url, ops]) =>
      Object.entries(ops).map(([method, operation]) => ({ url, method, operation })),
    );
    for (const [index, { url, method, operation }] of entries.entries()) {
      if (SKIPPED.has(`${method.toUpperCase()} ${url}`)) continue;
      operations++;
      const generated = fc.sample(caseArb(doc, known, url, operation, method), {
        seed: seed + index,
        numRuns: cases,
      });
      for (const [n, c] of generated.entries()) {
        requests++;
        const started = performance.now();
        const response = await t.app.inject({
          method: method.toUpperCase() as 'GET',
          url: c.path + queryString(c.query),
          headers: { ...caller, ...(c.body ? { 'content-type': c.body.contentType } : {}) },
          ...(c.body ? { payload: c.body.payload } : {}),
        });
        const took = performance.now() - started;
        const type = String(response.headers['content-type']);
        const problem = response.statusCode >= 400 && type.includes('problem+json');
        const trouble =
          response.statusCode >= 500
            ? `${response.statusCode}`
            : response.statusCode >= 400 && !problem
              ? `${response.statusCode} without a problem document`
              : took > SLOW_MS
                ? `slow (${Math.round(took)} ms)`
                : undefined;
        if (!trouble) continue;
        const key = `${method.toUpperCase()} ${url} → ${trouble}`;
        if (failures.has(key)) continue;
        failures.set(
          key,
          `${key} (seed ${seed + index}, case ${n}): ${c.path.slice(0, 100)}${queryString(c.query).slice(0, 200)} ${c.body?.contentType ?? ''} ${c.body?.payload.slice(0, 200) ?? ''} ⇒ ${response.body.slice(0, 200)}`,
        );
      }
    }
    return { failures: [...failures.values()], operations, requests };
  }

  it(`answers ${CASES_PER_OPERATION} generated requests per operation without a 5xx, with problem documents, in time (seed ${SEED})`, async () => {
    const run = await fuzz({ cookie: admin.cookie }, CASES_PER_OPERATION, SEED);
    expect(run.failures).toEqual([]);
    // The admin was signed in throughout, so every case reached the services as meant.
    const me = await t.app.inject({ url: '/api/v1/me', headers: { cookie: admin.cookie } });
    expect(me.statusCode).toBe(200);
    expect(run.operations).toBeGreaterThan(100);
    expect(run.requests).toBe(run.operations * CASES_PER_OPERATION);
    // Time grows with every route a module adds; each request still has SLOW_MS.
  }, 420_000);

  it(`answers an API key with a narrower role (agent) the same way, ${AS_KEY_CASES} requests per operation`, async () => {
    const key = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { cookie: admin.cookie },
      payload: { name: 'Fuzzing agent', role: 'agent' },
    });
    expect(key.statusCode, key.body).toBe(201);
    const run = await fuzz({ authorization: `Bearer ${key.json().token}` }, AS_KEY_CASES, SEED + 100_000);
    expect(run.failures).toEqual([]);
    expect(run.requests).toBe(run.operations * AS_KEY_CASES);
  }, 240_000);
});
