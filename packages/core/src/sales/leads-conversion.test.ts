import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

describe('lead conversion', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const create = async (object: string, body: Record<string, unknown>) => {
    const res = await call('POST', `/objects/${object}`, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string } & Record<string, unknown>;
  };
  const get = async (object: string, id: string) =>
    (await call('GET', `/objects/${object}/${id}`)).json() as Record<string, unknown>;
  const count = async (object: string) =>
    ((await call('GET', `/objects/${object}?limit=1000`)).json() as { data: unknown[] }).data.length;
  /** A lead of an Iranian company, its phone written in Persian digits. */
  const buildLead = (overrides: Record<string, unknown> = {}) =>
    create('leads', {
      name: 'علي رضايي',
      companyName: 'پارس‌داده',
      email: `ali.${Math.random().toString(36).slice(2, 8)}@parsdata.ir`,
      phone: '۰۹۱۲ ۱۲۳ ۴۵۶۷',
      source: 'web',
      ...overrides,
    });

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    await call('PATCH', '/workspace', { defaultCountry: 'IR' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('offers people matched by a Persian name spelt in Arabic and a phone in Persian digits, and companies by domain', async () => {
    const person = await create('people', {
      firstName: 'علی',
      lastName: 'رضایی',
      phones: ['+98 912 123 4567'],
    });
    const byEmail = await create('people', { firstName: 'Someone', emails: ['ali.match@parsdata.ir'] });
    const company = await create('companies', {
      name: 'Other name',
      domains: ['parsdata.ir'],
      phones: ['+989121234567'],
    });
    const lead = await buildLead({ email: 'ali.match@parsdata.ir' });
    const res = await call('GET', `/leads/${lead.id}/conversion-matches`);
    expect(res.statusCode, res.body).toBe(200);
    const matches = res.json() as {
      people: { id: string; by: string[] }[];
      companies: { id: string; by: string[] }[];
    };
    const found = matches.people.find((p) => p.id === person.id);
    expect(found?.by.sort()).toEqual(['name', 'phone']);
    expect(matches.people.find((p) => p.id === byEmail.id)?.by).toEqual(['email']);
    expect(matches.companies.find((c) => c.id === company.id)?.by.sort()).toEqual(['domain', 'phone']);
  });

  it('creates a person, company and deal in one step, links activities, and makes the lead read-only', async () => {
    const lead = await buildLead();
    const call1 = await create('activities', { type: 'call', subject: 'First call', leads: [lead.id] });
    const note = await create('activities', { type: 'note', subject: 'یادداشت', leads: [lead.id] });
    const task = await create('tasks', { title: 'پیگیری', linkedObject: 'leads', linkedRecord: lead.id });
    const res = await call('POST', `/leads/${lead.id}/convert`, {
      person: { create: { jobTitle: 'مدیر فروش' } },
      company: { create: {} },
      deal: { create: { amount: { amount: '1000', currency: 'SAR' } } },
    });
    expect(res.statusCode, res.body).toBe(200);
    const done = res.json() as Record<'person' | 'company' | 'deal', { id: string; created: boolean }>;
    expect(done.person.created && done.company.created && done.deal.created).toBe(true);

    const person = await get('people', done.person.id);
    expect(person).toMatchObject({
      firstName: 'علي',
      lastName: 'رضايي',
      jobTitle: 'مدیر فروش',
      company: done.company.id,
    });
    expect((person.phones as { e164: string }[])[0]?.e164).toBe('+989121234567');
    expect(await get('companies', done.company.id)).toMatchObject({
      name: 'پارس‌داده',
      domains: ['parsdata.ir'],
    });
    expect(await get('deals', done.deal.id)).toMatchObject({
      company: done.company.id,
      primaryPerson: done.person.id,
      name: 'پارس‌داده',
    });

    // The lead's activities show on the new records' timelines, and still on the lead's.
    for (const [object, id] of [
      ['people', done.person.id],
      ['companies', done.company.id],
      ['deals', done.deal.id],
      ['leads', lead.id],
    ] as const) {
      const timeline = (await call('GET', `/objects/${object}/${id}/timeline`)).json() as {
        data: { kind: string; id: string }[];
      };
      const activityIds = timeline.data.filter((e) => e.kind === 'activity').map((e) => e.id);
      expect(activityIds.sort(), `${object} timeline`).toEqual([call1.id, note.id].sort());
      // The lead's task shows there too (it stays linked to the lead).
      expect(
        timeline.data.filter((e) => e.kind === 'task').map((e) => e.id),
        `${object} tasks`,
      ).toEqual([task.id]);
    }

    const converted = await get('leads', lead.id);
    expect(converted.status).toBe('converted');
    const linked = (await call('GET', `/leads/${lead.id}/conversion`)).json() as {
      conversion: { personId: string; companyId: string; dealId: string };
    };
    expect(linked.conversion).toMatchObject({
      personId: done.person.id,
      companyId: done.company.id,
      dealId: done.deal.id,
    });
    const edit = await call('PATCH', `/objects/leads/${lead.id}`, { name: 'changed' });
    expect(edit.statusCode).toBe(409);
    expect(edit.json().detail).toMatch(/converted and read-only/);
    const again = await call('POST', `/leads/${lead.id}/convert`, { person: { create: {} } });
    expect(again.statusCode).toBe(409);
  });

  it('gives what the lead became to the lead’s owner, not to whoever converted it', async () => {
    const rep = await joinByInvitation(t.app, admin.cookie, {
      email: `rep.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'member',
      name: 'سارا',
    });
    const lead = await buildLead({ owner: rep.userId });
    const res = await call('POST', `/leads/${lead.id}/convert`, {
      person: { create: {} },
      company: { create: {} },
      deal: { create: {} },
    });
    expect(res.statusCode, res.body).toBe(200);
    const done = res.json() as Record<'person' | 'company' | 'deal', { id: string }>;
    for (const [object, made] of [
      ['people', done.person],
      ['companies', done.company],
      ['deals', done.deal],
    ] as const)
      expect((await get(object, made.id)).owner, object).toBe(rep.userId);
    // An owner the converter names wins.
    const second = await buildLead({ owner: rep.userId, email: 'second@parsdata.ir' });
    const named = await call('POST', `/leads/${second.id}/convert`, {
      deal: { create: { owner: admin.userId } },
    });
    expect(named.statusCode, named.body).toBe(200);
    expect((await get('deals', (named.json() as { deal: { id: string } }).deal.id)).owner).toBe(admin.userId);
  });

  it('attaching fills only the empty fields of the existing records', async () => {
    const company = await create('companies', { name: 'Kept name' });
    const person = await create('people', { firstName: 'Kept', emails: ['kept@example.org'] });
    const lead = await buildLead();
    const res = await call('POST', `/leads/${lead.id}/convert`, {
      person: { attachTo: person.id },
      company: { attachTo: company.id },
    });
    expect(res.statusCode, res.body).toBe(200);
    const after = await get('people', person.id);
    expect(after.firstName).toBe('Kept');
    expect(after.lastName).toBe('رضايي');
    expect((after.emails as { address: string }[]).map((e) => e.address)).toEqual(['kept@example.org']);
    expect((after.phones as { e164: string }[])[0]?.e164).toBe('+989121234567');
    expect(after.company).toBe(company.id);
    const c = await get('companies', company.id);
    expect(c.name).toBe('Kept name');
    expect(c.domains).toEqual(['parsdata.ir']);
  });

  it('converts a lead once when two conversions race', async () => {
    const lead = await buildLead();
    const before = await count('people');
    const answers = await Promise.all([
      call('POST', `/leads/${lead.id}/convert`, { person: { create: {} } }),
      call('POST', `/leads/${lead.id}/convert`, { person: { create: {} } }),
    ]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    expect(await count('people')).toBe(before + 1);
  });

  it('leaves nothing behind when the deal fails', async () => {
    const lead = await buildLead();
    const before = {
      people: await count('people'),
      companies: await count('companies'),
      deals: await count('deals'),
    };
    const res = await call('POST', `/leads/${lead.id}/convert`, {
      person: { create: {} },
      company: { create: {} },
      deal: { create: { amount: 'not money', stage: 'nope' } },
    });
    expect(res.statusCode).toBe(400);
    expect({
      people: await count('people'),
      companies: await count('companies'),
      deals: await count('deals'),
    }).toEqual(before);
    expect((await get('leads', lead.id)).status).toBe('new');
    expect(
      ((await call('GET', `/leads/${lead.id}/conversion`)).json() as { conversion: unknown }).conversion,
    ).toBeNull();
  });

  it('refuses hostile input, other workspaces’ leads, and callers without rights', async () => {
    const lead = await buildLead();
    for (const body of [
      {},
      { person: { create: {}, attachTo: lead.id } },
      { person: { attachTo: "1' or '1'='1" } },
      { deal: { attachTo: lead.id } },
      { person: { create: { firstName: 'x'.repeat(5000) } } },
      { person: { create: { nope: 1 } } },
    ]) {
      const res = await call('POST', `/leads/${lead.id}/convert`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    // Attaching to a record that does not exist (or is another workspace's) is a 404 and changes nothing.
    const theirs = apiCaller(
      () => t.app,
      () => other.cookie,
    );
    const theirPerson = (await theirs('POST', '/objects/people', { firstName: 'Theirs' })).json() as {
      id: string;
    };
    expect(
      (await call('POST', `/leads/${lead.id}/convert`, { person: { attachTo: theirPerson.id } })).statusCode,
    ).toBe(404);
    expect((await get('leads', lead.id)).status).toBe('new');
    expect((await theirs('POST', `/leads/${lead.id}/convert`, { person: { create: {} } })).statusCode).toBe(
      404,
    );
    expect((await theirs('GET', `/leads/${lead.id}/conversion-matches`)).statusCode).toBe(404);
    expect((await call('GET', '/leads/not-a-lead/conversion-matches')).statusCode).toBe(404);

    // A viewer may read the lead but not convert it.
    const viewer = await joinByInvitation(t.app, admin.cookie, {
      email: `viewer.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'viewer',
      name: 'Viewer',
    });
    expect(
      (await call('GET', `/leads/${lead.id}/conversion-matches`, undefined, viewer.cookie)).statusCode,
    ).toBe(200);
    expect(
      (await call('POST', `/leads/${lead.id}/convert`, { person: { create: {} } }, viewer.cookie)).statusCode,
    ).toBe(403);
    expect((await get('leads', lead.id)).status).toBe('new');
  });
});
