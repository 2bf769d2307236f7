import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

describe('email templates and signatures', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  let personId: string;
  let templateId: string;

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app, { name: 'سارا رحیمی' });
    other = await signUp(t.app);
    const company = await call('POST', '/objects/companies', { name: 'شرکت <نمونه>' });
    expect(company.statusCode, company.body).toBe(201);
    const person = await call('POST', '/objects/people', {
      firstName: '<b>مریم</b>',
      lastName: 'احمدی',
      emails: ['maryam@customer.example'],
      preferredLanguage: 'fa',
      company: (company.json() as { id: string }).id,
    });
    expect(person.statusCode, person.body).toBe(201);
    personId = (person.json() as { id: string }).id;
  });
  afterAll(() => t?.close());

  it('refuses a template that does not parse, naming the part', async () => {
    const r = await call('POST', '/email/templates', {
      name: 'Broken',
      subject: 'Hello {{ record.firstName ',
      bodyHtml: '<p>{% if %}</p>',
    });
    expect(r.statusCode, r.body).toBe(400);
    const fields = (r.json() as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.subject', 'body.bodyHtml']));
  });

  it('renders the recipient’s language, escaping and isolating every merged value', async () => {
    const created = await call('POST', '/email/templates', {
      name: 'Thank you',
      subject: 'Thank you, {{ record.firstName }}',
      bodyHtml: '<p>Dear {{ record.firstName }} of {{ company.name }}, from {{ sender.name }}</p>',
      variants: {
        fa: {
          subject: 'سپاس، {{ record.firstName }}',
          bodyHtml: '<p>{{ record.firstName }} عزیز از {{ company.name }}، با سپاس — {{ sender.name }}</p>',
        },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    templateId = (created.json() as { id: string }).id;
    const r = await call('POST', `/email/templates/${templateId}/render`, {
      record: { object: 'people', id: personId },
    });
    expect(r.statusCode, r.body).toBe(200);
    const rendered = r.json() as { subject: string; html: string; text: string; language: string };
    expect(rendered.language).toBe('fa');
    expect(rendered.subject).toBe('سپاس، \u2068<b>مریم</b>\u2069');
    expect(rendered.html).toContain(
      '<bdi>&lt;b&gt;مریم&lt;/b&gt;</bdi> عزیز از <bdi>شرکت &lt;نمونه&gt;</bdi>',
    );
    expect(rendered.html).toContain('<bdi>سارا رحیمی</bdi>');
    expect(rendered.html).not.toContain('<b>');
    const english = await call('POST', `/email/templates/${templateId}/render`, {
      record: { object: 'people', id: personId },
      language: 'en',
    });
    expect((english.json() as { subject: string }).subject).toBe('Thank you, \u2068<b>مریم</b>\u2069');
  });

  it('keeps a member’s own template to them, and shared ones to mailbox managers', async () => {
    const mine = await call('POST', '/email/templates', { name: 'Mine', subject: 's', bodyHtml: 'b' });
    expect(mine.statusCode).toBe(201);
    const foreign = await t.app.inject({
      method: 'POST',
      url: `/api/v1/email/templates/${templateId}/render`,
      headers: { cookie: other.cookie, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(foreign.statusCode).toBe(404);
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/email/templates',
      headers: { cookie: other.cookie },
    });
    expect((list.json() as { data: unknown[] }).data).toEqual([]);
  });

  it('stops a template that runs away (render limit) with a clear error', async () => {
    const created = await call('POST', '/email/templates', {
      name: 'Loop',
      subject: 'x',
      bodyHtml: '{% for i in (1..100000000) %}{{ i }}{% endfor %}',
    });
    expect(created.statusCode, created.body).toBe(201);
    const r = await call('POST', `/email/templates/${(created.json() as { id: string }).id}/render`, {});
    expect(r.statusCode, r.body).toBe(400);
    expect((r.json() as { detail: string }).detail).toMatch(/could not be rendered/);
  });

  it('keeps a sanitised signature per person', async () => {
    const r = await call('PUT', '/email/signature', {
      html: '<p dir="rtl">سارا<script>alert(1)</script></p>',
    });
    expect(r.statusCode, r.body).toBe(200);
    const got = (await call('GET', '/email/signature')).json() as { html: string };
    expect(got.html).toContain('سارا');
    expect(got.html).not.toContain('script');
  });
});
