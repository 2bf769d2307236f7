import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

describe('a deleted custom field leaves nothing behind', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const addField = async (object: string, key: string, type: string) => {
    const r = await call('POST', `/metadata/objects/${object}/fields`, { key, type, labels: { en: key } });
    expect(r.statusCode, r.body).toBe(201);
  };
  const dropField = async (object: string, key: string) =>
    expect((await call('DELETE', `/metadata/objects/${object}/fields/${key}`)).statusCode).toBe(204);

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app);
  });
  afterAll(() => t?.close());

  it('re-created as a number, the key sorts, filters and aggregates without the old text values', async () => {
    await addField('people', 'score', 'text');
    const person = await call('POST', '/objects/people', { firstName: 'Old', score: 'not a number' });
    expect(person.statusCode, person.body).toBe(201);
    await dropField('people', 'score');
    await addField('people', 'score', 'number');
    await call('POST', '/objects/people', { firstName: 'New', score: 7 });

    const sorted = await call('GET', '/objects/people?sort=score');
    expect(sorted.statusCode, sorted.body).toBe(200);
    const filter = encodeURIComponent(JSON.stringify({ field: 'score', op: 'gt', value: 1 }));
    const filtered = await call('GET', `/objects/people?filter=${filter}`);
    expect(filtered.statusCode, filtered.body).toBe(200);
    expect(filtered.json().data.map((p: { firstName: string }) => p.firstName)).toEqual(['New']);
    const summed = await call('POST', '/objects/people/aggregate', {
      metrics: [{ fn: 'sum', field: 'score' }],
    });
    expect(summed.statusCode, summed.body).toBe(200);
    const old = await call('GET', `/objects/people/${person.json().id}`);
    expect(old.json().score ?? null).toBeNull();
  });

  it('re-created as a URL, the key never returns a value stored before (a javascript: link)', async () => {
    await call('POST', '/metadata/objects', {
      key: 'gadgets',
      labels: { singular: { en: 'Gadget' }, plural: { en: 'Gadgets' } },
    });
    await addField('gadgets', 'site', 'text');
    const gadget = await call('POST', '/objects/gadgets', { name: 'G', site: 'javascript:alert(1)' });
    expect(gadget.statusCode, gadget.body).toBe(201);
    await dropField('gadgets', 'site');
    await addField('gadgets', 'site', 'url');
    const read = await call('GET', `/objects/gadgets/${gadget.json().id}`);
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain('javascript:');
    const list = await call('GET', '/objects/gadgets');
    expect(list.body).not.toContain('javascript:');
  });
});
