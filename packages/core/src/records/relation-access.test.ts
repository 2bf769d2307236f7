// A role's object and field rules hold through relations: filters that follow a relation, links written to
// another record, and the company a person's vCard names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { runImport } from '../imports/imports.service.ts';

const ALL = { read: true, create: true, update: true, delete: true };
const NONE = { read: false, create: false, update: false, delete: false };

describe('object and field rules through relations', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let member: { userId: string; cookie: string };
  let acme: string;
  let mine: string;
  let theirs: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const asMember = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    call(method, url, payload, member.cookie);
  const rules = async (objects: Record<string, unknown>) => {
    const r = await call('PATCH', '/roles/limited', { permissions: { actions: [], objects } });
    expect(r.statusCode, r.body).toBe(200);
  };
  const idsOf = (body: string) => (JSON.parse(body).data as { id: string }[]).map((r) => r.id).sort();

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app);
    const role = await call('POST', '/roles', {
      key: 'limited',
      name: 'Limited',
      permissions: { actions: [], objects: { '*': ALL } },
    });
    expect(role.statusCode, role.body).toBe(201);
    member = await joinByInvitation(t.app, admin.cookie, {
      email: 'limited@example.com',
      role: 'limited',
      name: 'Limited',
    });
    acme = (await call('POST', '/objects/companies', { name: 'Acme', annualRevenue: 5_000_000 })).json().id;
    mine = (
      await call('POST', '/objects/people', {
        firstName: 'Mina',
        lastName: 'Karimi',
        company: acme,
        owner: member.userId,
      })
    ).json().id;
    theirs = (
      await call('POST', '/objects/people', { firstName: 'Omid', lastName: 'Tehrani', owner: admin.userId })
    ).json().id;
    for (const [name, person] of [
      ['Mine', mine],
      ['Theirs', theirs],
    ] as const) {
      const deal = await call('POST', '/objects/deals', {
        name,
        primaryPerson: person,
        owner: member.userId,
      });
      expect(deal.statusCode, deal.body).toBe(201);
    }
  });
  afterAll(() => t?.close());

  it('refuses a filter through a relation to an object the role may not read', async () => {
    await rules({ '*': ALL, companies: NONE });
    const r = await asMember('POST', '/objects/people/query', {
      filter: { field: 'company.annualRevenue', op: 'gt', value: 1_000_000 },
    });
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().errors[0].field).toBe('body.filter.field');
    // The count and aggregate surfaces compile the same filter.
    const filter = encodeURIComponent(
      JSON.stringify({ field: 'company.name', op: 'startsWith', value: 'A' }),
    );
    expect((await asMember('GET', `/objects/people/count?filter=${filter}`)).statusCode).toBe(400);
    // The relation's own value (an id) still filters.
    const byId = await asMember('POST', '/objects/people/query', {
      filter: { field: 'company', op: 'eq', value: acme },
    });
    expect(byId.statusCode, byId.body).toBe(200);
    expect(idsOf(byId.body)).toEqual([mine]);
  });

  it('refuses a filter on a field the target object hides', async () => {
    await rules({ '*': ALL, companies: { ...ALL, hiddenFields: ['annualRevenue'] } });
    const r = await asMember('POST', '/objects/people/query', {
      filter: { field: 'company.annualRevenue', op: 'gt', value: 1 },
    });
    expect(r.statusCode, r.body).toBe(400);
  });

  it('matches through a relation only the target records the role may see under "own records only"', async () => {
    await rules({ '*': ALL, people: { ...ALL, ownRecordsOnly: true } });
    const query = (lastName: string) =>
      asMember('POST', '/objects/deals/query', {
        filter: { field: 'primaryPerson.lastName', op: 'eq', value: lastName },
      });
    const other = await query('Tehrani');
    expect(other.statusCode, other.body).toBe(200);
    expect(other.json().data).toEqual([]);
    const negated = await asMember('POST', '/objects/deals/query', {
      filter: { not: { field: 'primaryPerson.lastName', op: 'eq', value: 'Tehrani' } },
    });
    expect(negated.json().data).toHaveLength(2);
    const own = await query('Karimi');
    expect(own.json().data.map((d: { name: string }) => d.name)).toEqual(['Mine']);
  });

  it('refuses a link to a record the role may not read exactly as a link to one that does not exist', async () => {
    await rules({ '*': ALL, companies: NONE });
    const missing = '00000000-0000-7000-8000-000000000000';
    const toUnreadable = await asMember('POST', '/objects/people', { firstName: 'A', company: acme });
    const toMissing = await asMember('POST', '/objects/people', { firstName: 'A', company: missing });
    expect(toUnreadable.statusCode, toUnreadable.body).toBe(400);
    expect(toMissing.statusCode, toMissing.body).toBe(400);
    // The same problem, word for word but for the id.
    const shape = (r: typeof toMissing, id: string) => {
      const { detail, errors, code } = r.json();
      return JSON.stringify({ detail, errors, code }).replaceAll(id, '<id>');
    };
    expect(shape(toUnreadable, acme)).toBe(shape(toMissing, missing));

    // Another owner's record under "own records only", through a single write, a batch and an update.
    await rules({ '*': ALL, people: { ...ALL, ownRecordsOnly: true } });
    const deal = await asMember('POST', '/objects/deals', { name: 'Linked', primaryPerson: theirs });
    expect(deal.statusCode, deal.body).toBe(400);
    expect(deal.body).toContain('No people record');
    const batch = await asMember('POST', '/objects/deals/batch', {
      records: [{ name: 'Row', primaryPerson: theirs }],
    });
    expect(JSON.stringify(batch.json())).toContain('No people record');
    const ok = await asMember('POST', '/objects/deals', { name: 'Own link', primaryPerson: mine });
    expect(ok.statusCode, ok.body).toBe(201);
    const moved = await asMember('PATCH', `/objects/deals/${ok.json().id}`, { primaryPerson: theirs });
    expect(moved.statusCode, moved.body).toBe(400);
    // An activity linking one's own person and someone else's is refused as a whole.
    const activity = await asMember('POST', '/objects/activities', {
      type: 'note',
      subject: 'Both',
      people: [mine, theirs],
    });
    expect(activity.statusCode, activity.body).toBe(400);
  });

  it('keeps a link the record already has when the caller saves it again', async () => {
    await rules({ '*': ALL });
    const activity = await asMember('POST', '/objects/activities', {
      type: 'note',
      subject: 'Shared',
      people: [theirs],
    });
    expect(activity.statusCode, activity.body).toBe(201);
    await rules({ '*': ALL, people: { ...ALL, ownRecordsOnly: true } });
    const saved = await asMember('PATCH', `/objects/activities/${activity.json().id}`, {
      people: [theirs, mine],
    });
    expect(saved.statusCode, saved.body).toBe(200);
  });

  it('matches records by value (an upsert, an import linking by name) only among those the role may read', async () => {
    await rules({ '*': ALL, people: { ...ALL, read: false } });
    const upsert = await asMember('POST', '/objects/people/batch', {
      records: [{ firstName: 'Again', lastName: 'Tehrani' }],
      upsertBy: 'lastName',
    });
    expect(upsert.statusCode, upsert.body).toBe(403);

    await rules({ '*': ALL, companies: NONE });
    const boundary = '----rabitalink';
    const part = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const payload =
      part('object', 'people') +
      part('mapping', JSON.stringify({ 'First Name': 'firstName', Company: 'company' })) +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\nContent-Type: text/csv\r\n\r\n` +
      `First Name,Company\nZara,Acme\n\r\n--${boundary}--\r\n`;
    const uploaded = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      headers: { cookie: member.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(uploaded.statusCode, uploaded.body).toBe(202);
    const { id } = uploaded.json() as { id: string };
    await runImport(t.handle.db, admin.workspaceId, id);
    const report = await asMember('GET', `/imports/${id}`);
    expect(report.body).not.toContain(acme);
    const zara = await call('POST', '/objects/people/query', {
      filter: { field: 'firstName', op: 'eq', value: 'Zara' },
    });
    for (const p of zara.json().data as { company: string | null }[]) expect(p.company).not.toBe(acme);
  });

  it('exports people as vCards without the company for a role that may not read companies', async () => {
    await rules({ '*': ALL, companies: NONE });
    const r = await asMember('GET', '/objects/people/export?format=vcf');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.body).toContain('FN:Mina Karimi');
    expect(r.body).not.toContain('Acme');
    await rules({ '*': ALL, companies: { ...ALL, hiddenFields: ['name'] } });
    const hidden = await asMember('GET', '/objects/people/export?format=vcf');
    expect(hidden.statusCode).toBe(200);
    expect(hidden.body).not.toContain('Acme');
    await rules({ '*': ALL });
    expect((await asMember('GET', '/objects/people/export?format=vcf')).body).toContain('ORG:Acme');
  });
});
