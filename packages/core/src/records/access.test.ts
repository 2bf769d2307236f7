import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, sessionCookie, signUp, type TestApp } from '../../../../test/harness.ts';

describe('record permissions', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let member: string;
  let memberId: string;
  const as =
    (cookie: string) => (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
      t.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { cookie },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app);
    const invite = await as(admin.cookie)('POST', '/invitations', {
      email: 'member@example.com',
      role: 'member',
    });
    const accepted = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/accept-invitation',
      payload: { token: invite.json().token, name: 'Member', password: 'correct horse battery' },
    });
    member = sessionCookie(accepted);
    memberId = accepted.json().user.id;
  });
  afterAll(() => t?.close());

  async function setMemberRule(objects: Record<string, unknown>) {
    const response = await as(admin.cookie)('PATCH', '/roles/member', {
      permissions: { actions: ['members.read'], objects },
    });
    expect(response.statusCode, response.body).toBe(200);
  }

  it('refuses each action the role lacks on an object', async () => {
    await setMemberRule({
      '*': { read: true, create: true, update: true, delete: true },
      deals: { read: true, create: false, update: false, delete: false },
    });
    const deal = (await as(admin.cookie)('POST', '/objects/deals', { name: 'Big one' })).json();
    const m = as(member);
    expect((await m('GET', `/objects/deals/${deal.id}`)).statusCode).toBe(200);
    expect((await m('POST', '/objects/deals', { name: 'Mine' })).statusCode).toBe(403);
    expect((await m('PATCH', `/objects/deals/${deal.id}`, { name: 'x' })).statusCode).toBe(403);
    expect((await m('DELETE', `/objects/deals/${deal.id}`)).statusCode).toBe(403);
    expect((await m('POST', '/objects/deals/batch', { records: [{ name: 'a' }] })).statusCode).toBe(403);
    await setMemberRule({
      '*': { read: true, create: true, update: true, delete: true },
      deals: { read: false, create: false, update: false, delete: false },
    });
    expect((await m('GET', '/objects/deals')).statusCode).toBe(403);
    expect((await m('POST', '/objects/deals/query', {})).statusCode).toBe(403);
  });

  it('hides hidden fields from lists, records, filters and sorts, and refuses writes to them', async () => {
    await setMemberRule({
      '*': { read: true, create: true, update: true, delete: true },
      people: { read: true, create: true, update: true, delete: true, hiddenFields: ['jobTitle'] },
    });
    const person = (
      await as(admin.cookie)('POST', '/objects/people', { firstName: 'Hana', jobTitle: 'Secret agent' })
    ).json();
    const m = as(member);
    const one = (await m('GET', `/objects/people/${person.id}`)).json();
    expect(one.firstName).toBe('Hana');
    expect(one).not.toHaveProperty('jobTitle');
    const list = (await m('GET', '/objects/people')).json();
    expect(list.data.every((p: object) => !('jobTitle' in p))).toBe(true);
    expect(
      (
        await m('POST', '/objects/people/query', {
          filter: { field: 'jobTitle', op: 'eq', value: 'Secret agent' },
        })
      ).statusCode,
    ).toBe(400);
    expect((await m('POST', '/objects/people/query', { sort: 'jobTitle' })).statusCode).toBe(400);
    expect((await m('POST', '/objects/people/query', { fields: ['jobTitle'] })).statusCode).toBe(400);
    expect((await m('PATCH', `/objects/people/${person.id}`, { jobTitle: 'x' })).statusCode).toBe(400);
    const batch = (
      await m('POST', '/objects/people/batch', { records: [{ firstName: 'B', jobTitle: 'x' }] })
    ).json();
    expect(batch.data[0].error.code).toBe('validation_failed');
  });

  it('refuses writes to read-only fields but shows them', async () => {
    await setMemberRule({
      '*': { read: true, create: true, update: true, delete: true },
      people: { read: true, create: true, update: true, delete: true, readOnlyFields: ['lifecycleStage'] },
    });
    const person = (
      await as(admin.cookie)('POST', '/objects/people', { firstName: 'Omid', lifecycleStage: 'lead' })
    ).json();
    const m = as(member);
    expect((await m('GET', `/objects/people/${person.id}`)).json().lifecycleStage).toBe('lead');
    const refused = await m('PATCH', `/objects/people/${person.id}`, { lifecycleStage: 'customer' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().errors[0]).toMatchObject({
      field: 'body.lifecycleStage',
      message: 'Is read-only.',
    });
  });

  it('limits "own records only" roles to records they own', async () => {
    await setMemberRule({
      '*': { read: true, create: true, update: true, delete: true, ownRecordsOnly: true },
    });
    const adminsLead = (await as(admin.cookie)('POST', '/objects/leads', { name: 'Admin lead' })).json();
    const m = as(member);
    const mine = await m('POST', '/objects/leads', { name: 'Member lead' });
    expect(mine.json().owner).toBe(memberId);
    const list = (await m('GET', '/objects/leads')).json();
    expect(list.data.map((l: { name: string }) => l.name)).toEqual(['Member lead']);
    expect((await m('GET', `/objects/leads/${adminsLead.id}`)).statusCode).toBe(404);
    expect((await m('PATCH', `/objects/leads/${adminsLead.id}`, { name: 'x' })).statusCode).toBe(404);
    expect((await as(admin.cookie)('GET', '/objects/leads')).json().data).toHaveLength(2);
  });

  it('keeps the admin role’s permissions fixed and lets admins add roles', async () => {
    expect(
      (await as(admin.cookie)('PATCH', '/roles/admin', { permissions: { actions: [], objects: {} } }))
        .statusCode,
    ).toBe(403);
    const created = await as(admin.cookie)('POST', '/roles', {
      key: 'auditor',
      name: 'Auditor',
      permissions: {
        actions: [],
        objects: { '*': { read: true, create: false, update: false, delete: false } },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(
      (await as(member)('POST', '/roles', { key: 'x', name: 'X', permissions: { actions: [], objects: {} } }))
        .statusCode,
    ).toBe(403);
  });

  it('enforces unique custom fields and checks that linked records exist', async () => {
    const field = await as(admin.cookie)('POST', '/metadata/objects/companies/fields', {
      key: 'taxId',
      type: 'text',
      unique: true,
      labels: { en: 'Tax ID', ar: 'الرقم الضريبي', fa: 'شناسه مالیاتی' },
    });
    expect(field.statusCode, field.body).toBe(201);
    expect(
      (await as(admin.cookie)('POST', '/objects/companies', { name: 'A', taxId: '123' })).statusCode,
    ).toBe(201);
    const dup = await as(admin.cookie)('POST', '/objects/companies', { name: 'B', taxId: '123' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().errors[0].field).toBe('body.taxId');
    const dangling = await as(admin.cookie)('POST', '/objects/people', {
      firstName: 'X',
      company: '01900000-0000-7000-8000-000000000000',
    });
    expect(dangling.statusCode).toBe(400);
    expect(dangling.json().errors[0].field).toBe('body.company');

    // A batch of creates is written in one go when every checked row is good, and row by row when the write meets
    // what only the database sees (a unique value taken by another record, or by an earlier row of the batch): each
    // row is answered on its own either way, in its place.
    const good = await as(admin.cookie)('POST', '/objects/companies/batch', {
      records: [{ name: 'شرکت یک', taxId: '201' }, { name: 'شركة اثنان', taxId: '202' }, { name: 'Three' }],
    });
    expect(good.statusCode, good.body).toBe(200);
    expect(good.json().data.map((r: { index: number; created: boolean }) => [r.index, r.created])).toEqual([
      [0, true],
      [1, true],
      [2, true],
    ]);
    const mixed = await as(admin.cookie)('POST', '/objects/companies/batch', {
      records: [
        { name: 'Four', taxId: '301' },
        { name: 'Taken', taxId: '123' },
        { name: 42 },
        { name: 'Again in the batch', taxId: '301' },
        { name: 'Five' },
      ],
    });
    expect(mixed.statusCode, mixed.body).toBe(200);
    const rows = mixed.json().data as { index: number; id?: string; error?: { code: string } }[];
    expect(rows.map((r) => [r.index, r.error?.code ?? 'created'])).toEqual([
      [0, 'created'],
      [1, 'conflict'],
      [2, 'validation_failed'],
      [3, 'conflict'],
      [4, 'created'],
    ]);
    const names = await as(admin.cookie)('POST', '/objects/companies/query', {
      filter: {
        field: 'name',
        op: 'in',
        value: ['Four', 'Taken', 'Again in the batch', 'Five', 'شرکت یک', 'Three'],
      },
      fields: ['name'],
      limit: 50,
    });
    expect(names.statusCode, names.body).toBe(200);
    expect((names.json().data as { name: string }[]).map((c) => c.name).sort()).toEqual(
      ['Five', 'Four', 'Three', 'شرکت یک'].sort(),
    );
  });

  it('applies the same hidden fields and own-records rule to search, exports, aggregates, the timeline and batch matching', async () => {
    await setMemberRule({
      '*': { read: true, create: true, update: true, delete: true },
      companies: {
        read: true,
        create: true,
        update: true,
        delete: true,
        ownRecordsOnly: true,
        hiddenFields: ['industry'],
      },
      people: { read: true, create: true, update: true, delete: true, hiddenFields: ['jobTitle', 'emails'] },
    });
    const a = as(admin.cookie);
    const m = as(member);
    const theirs = (
      await a('POST', '/objects/companies', { name: 'Zarrin Admin Co', industry: 'Mining' })
    ).json();
    const mine = (await m('POST', '/objects/companies', { name: 'Zarrin Member Co' })).json();
    const person = (
      await a('POST', '/objects/people', {
        firstName: 'Kaveh',
        jobTitle: 'Quartermaster',
        emails: ['kaveh@example.com'],
      })
    ).json();
    await a('PATCH', `/objects/people/${person.id}`, {
      jobTitle: 'Chief quartermaster',
      firstName: 'Kaveh A.',
    });

    // Search: other owners' records stay out; a match only through a hidden field does not count.
    const zarrin = (await m('GET', '/search?q=zarrin')).json();
    expect(zarrin.data.map((h: { id: string }) => h.id)).toEqual([mine.id]);
    expect((await a('GET', '/search?q=zarrin')).json().data).toHaveLength(2);
    const byTitle = (await m('GET', '/search?q=quartermaster')).json();
    expect(byTitle.data).toEqual([]);
    expect(JSON.stringify((await m('GET', '/search?q=kaveh')).json())).not.toContain('quartermaster');

    // Exports: the same rows and columns as the list.
    const csv = await m('GET', '/objects/companies/export?format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain('Zarrin Member Co');
    expect(csv.body).not.toContain('Zarrin Admin Co');
    expect(csv.body).not.toMatch(/industry|Mining/i);
    const people = await m('GET', '/objects/people/export?format=csv');
    expect(people.body).toContain('Kaveh');
    expect(people.body).not.toMatch(/quartermaster|kaveh@example\.com/i);
    expect((await m('GET', '/objects/people/export?format=csv&fields=jobTitle')).statusCode).toBe(400);
    expect(
      (
        await m(
          'GET',
          `/objects/people/export?format=csv&filter=${encodeURIComponent(JSON.stringify({ field: 'jobTitle', op: 'eq', value: 'x' }))}`,
        )
      ).statusCode,
    ).toBe(400);

    // Aggregates: counted over own records only, and never grouped or summed by a hidden field.
    const counted = await m('POST', '/objects/companies/aggregate', { metrics: [{ fn: 'count' }] });
    expect(counted.statusCode, counted.body).toBe(200);
    expect(JSON.stringify(counted.json())).toMatch(/"count":"?1"?/);
    expect((await m('POST', '/objects/companies/aggregate', { groupBy: ['industry'] })).statusCode).toBe(400);

    // The timeline: another owner's record is not found; a hidden field's changes are left out.
    expect((await m('GET', `/objects/companies/${theirs.id}/timeline`)).statusCode).toBe(404);
    const timeline = (await m('GET', `/objects/people/${person.id}/timeline`)).json();
    expect(timeline.data.length).toBeGreaterThan(0);
    expect(JSON.stringify(timeline)).not.toMatch(/quartermaster|kaveh@example\.com/i);
    expect(JSON.stringify((await a('GET', `/objects/people/${person.id}/timeline`)).json())).toContain(
      'Chief quartermaster',
    );

    // Batch writes: matching by a hidden field is refused; matching cannot reach another owner's record.
    const byEmail = await m('POST', '/objects/people/batch', {
      upsertBy: 'emails',
      records: [{ firstName: 'Intruder', emails: ['kaveh@example.com'] }],
    });
    expect(byEmail.statusCode).toBe(400);
    const byName = (
      await m('POST', '/objects/companies/batch', {
        upsertBy: 'name',
        records: [{ name: 'Zarrin Admin Co' }],
      })
    ).json();
    expect(byName.data[0]).toMatchObject({ created: true });
    expect(byName.data[0].id).not.toBe(theirs.id);
    expect((await a('GET', `/objects/companies/${theirs.id}`)).json()).toMatchObject({ industry: 'Mining' });
  });
});
