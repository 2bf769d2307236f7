import { withWorkspace } from '@rabita/db';
import { CUSTOM_FIELD_TYPES } from '@rabita/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { bumpMetadataVersion } from './metadata.service.ts';

// One custom field of every type on people: a good value round-trips, a bad one is refused naming the field.
const CASES: Record<
  (typeof CUSTOM_FIELD_TYPES)[number],
  { extra?: object; good: unknown; stored?: unknown; bad: unknown }
> = {
  text: { good: 'سلام دنیا', bad: 12 },
  longText: { good: 'خط اول\nخط دوم', bad: { a: 1 } },
  number: { good: 12.5, bad: 'twelve' },
  money: {
    good: { amount: '1250.50', currency: 'sar' },
    stored: { amount: '1250.50', currency: 'SAR' },
    bad: { amount: 1e300 },
  },
  date: { good: '2025-03-21', bad: '2025-02-30' },
  dateTime: { good: '2026-03-21T09:30:00+03:30', stored: '2026-03-21T06:00:00.000Z', bad: 'yesterday' },
  boolean: { good: true, bad: 'yes' },
  select: { extra: { options: [{ value: 'a', labels: { en: 'A' } }] }, good: 'a', bad: 'b' },
  multiSelect: {
    extra: {
      options: [
        { value: 'a', labels: { en: 'A' } },
        { value: 'b', labels: { en: 'B' } },
      ],
    },
    good: ['a', 'b'],
    bad: ['c'],
  },
  email: { good: 'someone@example.ir', bad: 'not an email' },
  phone: { good: '+971 50 123 4567', stored: { raw: '+971 50 123 4567', e164: '+971501234567' }, bad: '12' },
  url: { good: 'https://example.com/x', bad: 'javascript:alert(1)' },
  relation: { extra: { relation: { object: 'companies', many: false } }, good: 'COMPANY', bad: 'not-a-uuid' },
  rating: { good: 4, bad: 9 },
  file: { good: 'files/contract.pdf', bad: 7 },
};

describe('custom fields of every type', () => {
  let t: TestApp;
  let cookie: string;
  let companyId: string;
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: { cookie }, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    t = await createTestApp();
    cookie = (await signUp(t.app)).cookie;
    companyId = (await call('POST', '/objects/companies', { name: 'Linked' })).json().id;
  });
  afterAll(() => t?.close());

  it.each(CUSTOM_FIELD_TYPES)(
    '%s: created with labels in three languages, stores good values, refuses bad ones',
    async (type) => {
      const spec = CASES[type];
      const key = `f${type.charAt(0).toUpperCase()}${type.slice(1)}`;
      const created = await call('POST', '/metadata/objects/people/fields', {
        key,
        type,
        labels: { en: `Field ${type}`, ar: `حقل ${type}`, fa: `فیلد ${type}` },
        ...(spec.extra ?? {}),
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().labels).toEqual({ en: `Field ${type}`, ar: `حقل ${type}`, fa: `فیلد ${type}` });
      const good = spec.good === 'COMPANY' ? companyId : spec.good;
      const person = await call('POST', '/objects/people', { firstName: type, [key]: good });
      expect(person.statusCode, person.body).toBe(201);
      expect(person.json()[key]).toEqual(spec.stored ?? good);
      const bad = await call('POST', '/objects/people', { firstName: type, [key]: spec.bad });
      expect(bad.statusCode, bad.body).toBe(400);
      expect(bad.json().errors[0].field).toBe(`body.${key}`);
      const cleared = await call('PATCH', `/objects/people/${person.json().id}`, { [key]: null });
      expect(cleared.json()[key]).toBeNull();
    },
  );

  it('applies defaults, enforces required, and forgets a removed field at once', async () => {
    await call('POST', '/metadata/objects/people/fields', {
      key: 'region',
      type: 'text',
      labels: { en: 'Region' },
      defaultValue: 'Gulf',
    });
    expect((await call('POST', '/objects/people', { firstName: 'D' })).json().region).toBe('Gulf');
    await call('POST', '/metadata/objects/people/fields', {
      key: 'branch',
      type: 'text',
      labels: { en: 'Branch' },
      required: true,
    });
    const missing = await call('POST', '/objects/people', { firstName: 'R' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors.map((e: { field: string }) => e.field)).toContain('body.branch');
    expect((await call('DELETE', '/metadata/objects/people/fields/branch')).statusCode).toBe(204);
    expect((await call('POST', '/objects/people', { firstName: 'R' })).statusCode).toBe(201);
    expect((await call('POST', '/objects/people', { firstName: 'R', branch: 'x' })).statusCode).toBe(400);
  });

  it('refuses bad field definitions', async () => {
    const bad = [
      { key: 'Bad Key', type: 'text', labels: { en: 'x' } },
      { key: 'firstName', type: 'text', labels: { en: 'x' } },
      { key: 'noOptions', type: 'select', labels: { en: 'x' } },
      { key: 'noTarget', type: 'relation', labels: { en: 'x' } },
      {
        key: 'badTarget',
        type: 'relation',
        labels: { en: 'x' },
        relation: { object: 'nothing', many: false },
      },
      { key: 'weird', type: 'hologram', labels: { en: 'x' } },
      { key: 'noLabel', type: 'text', labels: {} },
      { key: 'badDefault', type: 'number', labels: { en: 'x' }, defaultValue: 'many' },
    ];
    for (const body of bad) {
      const response = await call('POST', '/metadata/objects/people/fields', body);
      expect([400, 409], `${JSON.stringify(body)}: ${response.body}`).toContain(response.statusCode);
    }
    expect((await call('DELETE', '/metadata/objects/people/fields/firstName')).statusCode).toBe(403);
    expect(
      (
        await call('POST', '/metadata/objects/nothing/fields', {
          key: 'a',
          type: 'text',
          labels: { en: 'A' },
        })
      ).statusCode,
    ).toBe(404);
  });

  it('lets admins add choices to standard select fields such as person flags', async () => {
    const response = await call('PATCH', '/metadata/objects/people/fields/flags', {
      options: [
        {
          value: 'needs_interpreter',
          labels: { en: 'Needs an interpreter', ar: 'يحتاج مترجمًا', fa: 'نیاز به مترجم' },
        },
      ],
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().options.map((o: { value: string }) => o.value)).toEqual(
      expect.arrayContaining(['hearing_impaired', 'wheelchair', 'vip', 'needs_interpreter']),
    );
    expect(
      (await call('POST', '/objects/people', { firstName: 'F', flags: ['needs_interpreter', 'vip'] }))
        .statusCode,
    ).toBe(201);
  });

  it('gives every new workspace a default pipeline with ordered stages', async () => {
    const pipelines = (await call('GET', '/objects/pipelines')).json().data;
    expect(pipelines).toHaveLength(1);
    expect(pipelines[0]).toMatchObject({ isDefault: true });
    const stages = (
      await call('POST', '/objects/stages/query', {
        filter: { field: 'pipeline', op: 'eq', value: pipelines[0].id },
        sort: 'position',
      })
    ).json().data;
    expect(stages.map((s: { kind: string }) => s.kind)).toEqual([
      'open',
      'open',
      'open',
      'open',
      'won',
      'lost',
    ]);
  });

  it('sees a field another process added, despite its cache, because the metadata version moved', async () => {
    const me = (await call('GET', '/me')).json();
    expect((await call('GET', '/objects/people?limit=1')).statusCode).toBe(200); // warms the cache
    // Another app process adds a field: its rows and a version bump, straight in the database.
    await withWorkspace(t.handle.db, me.workspace.id, async (trx) => {
      await trx
        .insertInto('customFields')
        .values({
          workspaceId: me.workspace.id,
          id: crypto.randomUUID(),
          objectKey: 'people',
          key: 'fromElsewhere',
          type: 'text',
          labels: JSON.stringify({ en: 'From elsewhere' }),
        })
        .execute();
      await bumpMetadataVersion(trx, me.workspace.id);
    });
    const created = await call('POST', '/objects/people', { firstName: 'E', fromElsewhere: 'yes' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().fromElsewhere).toBe('yes');
  });
});
