import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { cleanSubmission, type PublicFormSeen } from '../../../../test/web-forms.ts';

// Ticket intake by web form, through the API against real PostgreSQL: the form engine (sales) with the service
// desk's ticket target.

interface Submission {
  id: string;
  target: string;
  status: 'accepted' | 'quarantined';
  reasons: string[];
  values: Record<string, string>;
  recordId: string | null;
  leadId: string | null;
}
interface Message {
  kind: string;
  body: string;
  authorPersonId: string | null;
  authorUserId: string | null;
}

const persianForm = {
  name: 'فرم پشتیبانی',
  target: 'tickets',
  locale: 'fa',
  fields: [
    { key: 'name', labels: { fa: 'نام و نام خانوادگی' } },
    { key: 'email' },
    { key: 'phone' },
    { key: 'subject', labels: { fa: 'موضوع درخواست' } },
    { key: 'description' },
    { key: 'priority' },
  ],
  thankYou: { fa: 'درخواست شما ثبت شد؛ به‌زودی پاسخ می‌دهیم.' },
  minFillSeconds: 0,
};
const description =
  'سلام، سفارش شمارهٔ ۴۵۱۲ را ده روز پیش ثبت کردم و هنوز نرسیده است. لطفاً وضعیت ارسال را بررسی کنید.';

describe('ticket intake by web form', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let ip = 0;
  const nextIp = () => `10.7.${Math.floor(++ip / 250)}.${ip % 250}`;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const createForm = async (body: Record<string, unknown> = persianForm) => {
    const res = await call('POST', '/web-forms', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; publicId: string; target: string };
  };
  const view = async (publicId: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/public/web-forms/${publicId}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as PublicFormSeen;
  };
  const submit = async (publicId: string, fields: Record<string, string>, clean = true) => {
    const body = clean ? await cleanSubmission(t.app, publicId, fields) : { fields };
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/public/web-forms/${publicId}/submissions`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(body),
      remoteAddress: nextIp(),
    });
  };
  const latest = async () => {
    const res = await call('GET', '/web-form-submissions?limit=1');
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { data: Submission[] }).data[0] as Submission;
  };
  const record = async (object: string, id: string) => {
    const res = await call('GET', `/objects/${object}/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Record<string, unknown>;
  };
  const messages = async (ticketId: string) => {
    const res = await call('GET', `/tickets/${ticketId}/messages`);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { data: Message[] }).data;
  };
  const peopleWithEmail = async (email: string) => {
    const res = await call('POST', '/objects/people/query', {
      filter: { field: 'emails', op: 'contains', value: email },
      limit: 10,
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { data: { id: string }[] }).data;
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    // Every ticket gets a first-response and resolution clock, around the clock.
    const policy = await call('POST', '/service/sla-policies', {
      name: 'همه تیکت‌ها',
      businessTime: false,
      targets: {
        normal: { first_response: 240, resolution: 2880 },
        high: { first_response: 60, resolution: 960 },
      },
    });
    expect(policy.statusCode, policy.body).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists the ticket target with the requester, the request and the choosable ticket fields', async () => {
    const res = await call('GET', '/web-form-targets');
    expect(res.statusCode, res.body).toBe(200);
    const targets = res.json().data as { object: string; fields: { key: string; mustAsk: boolean }[] }[];
    expect(targets.map((x) => x.object).sort()).toEqual(['leads', 'tickets']);
    const ticket = targets.find((x) => x.object === 'tickets');
    expect(ticket?.fields.map((f) => f.key)).toEqual(
      expect.arrayContaining(['name', 'email', 'phone', 'subject', 'description', 'type', 'priority']),
    );
    expect(ticket?.fields.filter((f) => f.mustAsk).map((f) => f.key)).toEqual([
      'name',
      'email',
      'subject',
      'description',
    ]);
    // The desk's own fields are never on a form.
    for (const own of ['status', 'owner', 'channel', 'requester', 'slaStatus', 'number'])
      expect(ticket?.fields.map((f) => f.key)).not.toContain(own);
  });

  it('turns a Persian submission into a person, a web-form ticket in Persian and its first customer message', async () => {
    const form = await createForm();
    expect(form.target).toBe('tickets');
    const shown = await view(form.publicId);
    expect(shown).toMatchObject({ locale: 'fa', dir: 'rtl' });
    expect(shown.fields.map((f) => [f.key, f.label, f.required])).toEqual([
      ['name', 'نام و نام خانوادگی', true],
      ['email', 'ایمیل', true],
      ['phone', 'تلفن', false],
      ['subject', 'موضوع درخواست', true],
      ['description', 'چه کمکی از ما برمی‌آید؟', true],
      ['priority', 'اولویت', false],
    ]);

    const res = await submit(form.publicId, {
      name: 'مریم احمدی',
      email: 'maryam.ahmadi@parsdata.ir',
      phone: '+98 912 345 6789',
      subject: 'سفارش ۴۵۱۲ هنوز نرسیده است',
      description,
      priority: 'high',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'received', thankYou: persianForm.thankYou.fa });
    const s = await latest();
    expect(s).toMatchObject({ target: 'tickets', status: 'accepted', reasons: [], leadId: null });
    const ticket = await record('tickets', s.recordId as string);
    expect(ticket).toMatchObject({
      subject: 'سفارش ۴۵۱۲ هنوز نرسیده است',
      channel: 'web_form',
      language: 'fa',
      priority: 'high',
      status: 'new',
      firstResponseAt: null,
      slaStatus: 'on_track',
    });
    const person = await record('people', ticket.requester as string);
    expect(person).toMatchObject({ firstName: 'مریم', lastName: 'احمدی' });
    expect(JSON.stringify(person.emails)).toContain('maryam.ahmadi@parsdata.ir');
    expect(JSON.stringify(person.phones)).toContain('912');
    const conversation = await messages(s.recordId as string);
    expect(conversation).toHaveLength(1);
    expect(conversation[0]).toMatchObject({
      kind: 'customer',
      body: description,
      authorPersonId: ticket.requester,
      authorUserId: null,
    });
    // The SLA policy runs: a first-response clock waiting for the desk's reply.
    const sla = await call('GET', `/tickets/${s.recordId}/sla`);
    expect(sla.statusCode, sla.body).toBe(200);
    expect(sla.json().status).toBe('on_track');
    expect(sla.json().clocks.map((c: { metric: string; state: string }) => [c.metric, c.state])).toEqual(
      expect.arrayContaining([
        ['first_response', 'running'],
        ['resolution', 'running'],
      ]),
    );
  });

  it('finds the requester among people by email, whatever its case, instead of making a second person', async () => {
    const made = await call('POST', '/objects/people', {
      firstName: 'رضا',
      lastName: 'کریمی',
      emails: ['reza.karimi@example.ir'],
    });
    expect(made.statusCode, made.body).toBe(201);
    const form = await createForm({ ...persianForm, name: 'فرم دوم' });
    const res = await submit(form.publicId, {
      name: 'Reza K',
      email: 'Reza.Karimi@Example.IR',
      subject: 'پرسش دربارهٔ فاکتور',
      description: 'فاکتور ماه گذشته دو بار صادر شده است.',
    });
    expect(res.statusCode, res.body).toBe(200);
    const s = await latest();
    const ticket = await record('tickets', s.recordId as string);
    expect(ticket.requester).toBe(made.json().id);
    expect(await peopleWithEmail('reza.karimi@example.ir')).toHaveLength(1);
    // The person's own name is kept; the form's spelling does not overwrite it.
    expect(await record('people', made.json().id)).toMatchObject({ firstName: 'رضا', lastName: 'کریمی' });
  });

  it('quarantines spam with its reasons and no ticket, then makes the ticket when an admin releases it', async () => {
    const form = await createForm({ ...persianForm, name: 'فرم سوم' });
    const before = (await call('GET', '/objects/tickets?limit=200')).json().data.length as number;
    const res = await submit(
      form.publicId,
      {
        name: 'سارا رحیمی',
        email: 'sara.rahimi@example.org',
        subject: 'درخواست بازگشت کالا',
        description: 'کالا آسیب‌دیده رسید.',
      },
      false,
    );
    expect(res.statusCode, res.body).toBe(200);
    const held = await latest();
    expect(held).toMatchObject({
      target: 'tickets',
      status: 'quarantined',
      reasons: ['timestamp_missing', 'altcha_missing'],
      recordId: null,
      values: { name: 'سارا رحیمی', subject: 'درخواست بازگشت کالا' },
    });
    expect((await call('GET', '/objects/tickets?limit=200')).json().data).toHaveLength(before);
    expect(await peopleWithEmail('sara.rahimi@example.org')).toHaveLength(0);

    const released = await call('POST', `/web-form-submissions/${held.id}/release`);
    expect(released.statusCode, released.body).toBe(200);
    expect(released.json()).toMatchObject({ status: 'accepted', target: 'tickets', leadId: null });
    const ticketId = released.json().recordId as string;
    expect(await record('tickets', ticketId)).toMatchObject({
      subject: 'درخواست بازگشت کالا',
      channel: 'web_form',
      language: 'fa',
    });
    expect((await messages(ticketId)).map((m) => [m.kind, m.body])).toEqual([
      ['customer', 'کالا آسیب‌دیده رسید.'],
    ]);
    expect(await peopleWithEmail('sara.rahimi@example.org')).toHaveLength(1);
    // Released once: a second release is refused and makes nothing.
    expect((await call('POST', `/web-form-submissions/${held.id}/release`)).statusCode).toBe(409);
  });

  it('holds a form to what a ticket needs and a submission to its required fields', async () => {
    const missing = await call('POST', '/web-forms', {
      ...persianForm,
      fields: persianForm.fields.filter((f) => f.key !== 'email'),
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toContainEqual({
      field: 'body.fields',
      message: 'A ticket needs "email": put it on the form.',
    });
    const desk = await call('POST', '/web-forms', {
      ...persianForm,
      fields: [...persianForm.fields, { key: 'status' }],
    });
    expect(desk.statusCode).toBe(400);
    expect(desk.json().errors[0]).toMatchObject({ field: 'body.fields.6.key' });
    const unknown = await call('POST', '/web-forms', { ...persianForm, target: 'invoices' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0]).toMatchObject({ field: 'body.target' });

    const form = await createForm({ ...persianForm, name: 'فرم چهارم' });
    const turned = await call('PUT', `/web-forms/${form.id}`, { ...persianForm, target: 'leads' });
    expect(turned.statusCode).toBe(400);
    expect(turned.json().errors[0]).toMatchObject({ field: 'body.target' });

    const empty = await submit(form.publicId, {
      name: 'علی',
      email: 'ali@example.ir',
      subject: '',
      description: '  ',
    });
    expect(empty.statusCode).toBe(400);
    expect(
      empty
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['body.fields.description', 'body.fields.subject']);
    const bad = await submit(form.publicId, {
      name: 'علی',
      email: 'not an address',
      subject: 'پرسش',
      description: 'متن',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0], bad.body).toMatchObject({ field: 'body.fields.email' });
    const badPriority = await submit(form.publicId, {
      name: 'علی',
      email: 'ali@example.ir',
      subject: 'پرسش',
      description: 'متن',
      priority: 'whenever',
    });
    expect(badPriority.statusCode).toBe(400);
    expect(badPriority.json().errors[0]).toMatchObject({ field: 'body.fields.priority' });
    expect(await peopleWithEmail('ali@example.ir')).toHaveLength(0);
  });

  it('keeps lead forms as they were: no target given makes a lead form', async () => {
    const form = await createForm({
      name: 'Contact',
      locale: 'en',
      fields: [{ key: 'name' }, { key: 'email' }],
      minFillSeconds: 0,
    });
    expect(form.target).toBe('leads');
    const res = await submit(form.publicId, { name: 'Dana', email: 'dana@example.com' });
    expect(res.statusCode, res.body).toBe(200);
    const s = await latest();
    expect(s).toMatchObject({ target: 'leads', status: 'accepted' });
    expect(s.leadId).toBe(s.recordId);
    expect(await record('leads', s.leadId as string)).toMatchObject({ name: 'Dana' });
  });
});
