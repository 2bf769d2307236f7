import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

describe('the OpenAPI document', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app);
  });
  afterAll(() => t?.close());

  const fetchDoc = async (cookie?: string) => {
    const response = await t.app.inject({
      url: '/api/v1/openapi.json',
      ...(cookie ? { headers: { cookie } } : {}),
    });
    expect(response.statusCode).toBe(200);
    return response.json();
  };

  it('validates against the OpenAPI 3.1 schema, anonymous and for a workspace', async () => {
    for (const doc of [await fetchDoc(), await fetchDoc(admin.cookie)]) {
      const result = await new Validator().validate(doc);
      expect(result.errors ?? [], String(JSON.stringify(result.errors)).slice(0, 2000)).toEqual([]);
      expect(result.valid).toBe(true);
    }
  });

  it('describes each object of the workspace with its fields', async () => {
    const doc = await fetchDoc(admin.cookie);
    expect(doc.paths).toHaveProperty(['/api/v1/objects/people']);
    expect(doc.paths).toHaveProperty(['/api/v1/objects/deals/{id}']);
    const person = doc.components.schemas.PeopleRecord;
    expect(Object.keys(person.properties)).toEqual(
      expect.arrayContaining(['firstName', 'phones', 'flags', 'company']),
    );
    expect(person.properties.flags.anyOf[0].items.enum).toEqual(
      expect.arrayContaining(['hearing_impaired', 'wheelchair', 'vip']),
    );
  });

  it('describes a custom field and a custom object the moment they exist', async () => {
    const before = await fetchDoc(admin.cookie);
    expect(before.components.schemas.PeopleRecord.properties).not.toHaveProperty('nationalId');
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/metadata/objects/people/fields',
      headers: { cookie: admin.cookie },
      payload: { key: 'nationalId', type: 'text', labels: { en: 'National ID', fa: 'کد ملی' } },
    });
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/metadata/objects',
      headers: { cookie: admin.cookie },
      payload: { key: 'vehicles', labels: { singular: { en: 'Vehicle' }, plural: { en: 'Vehicles' } } },
    });
    const after = await fetchDoc(admin.cookie);
    expect(after.components.schemas.PeopleRecord.properties.nationalId.description).toBe('National ID');
    expect(after.paths).toHaveProperty(['/api/v1/objects/vehicles']);
    expect(after.components.schemas.VehiclesRecordInput.required).toEqual(['name']);
    const result = await new Validator().validate(after);
    expect(result.valid).toBe(true);
  });
});
