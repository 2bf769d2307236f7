import { readFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { multipartForm as form } from '../../../../test/multipart.ts';
import { runImport } from './imports.service.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');

describe('imports', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let owner: pg.Client;

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, cookie = admin.cookie) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  /** Uploads a file and runs the import job to its end, as the worker would. */
  const upload = async (
    fields: Record<string, string>,
    file: Buffer,
    filename?: string,
    cookie = admin.cookie,
  ) => {
    const body = form(fields, file, filename);
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      payload: body.payload,
      headers: { ...body.headers, cookie },
    });
  };
  const importAndRun = async (fields: Record<string, string>, file: Buffer, filename?: string) => {
    const res = await upload(fields, file, filename);
    expect(res.statusCode, res.body).toBe(202);
    const { id } = res.json() as { id: string };
    await runImport(t.handle.db, admin.workspaceId, id);
    const status = await api('GET', `/imports/${id}`);
    return { id, view: status.json() };
  };
  const people = async (filter?: unknown) => {
    const q = filter ? `?limit=1000&filter=${encodeURIComponent(JSON.stringify(filter))}` : '?limit=1000';
    return (await api('GET', `/objects/people${q}`)).json().data as Record<string, unknown>[];
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    expect((await api('PATCH', '/workspace', { defaultCountry: 'IR' })).statusCode).toBe(200);
    const field = await api('POST', '/metadata/objects/people/fields', {
      key: 'birthday',
      type: 'date',
      labels: { en: 'Birthday', fa: 'تاریخ تولد' },
    });
    expect(field.statusCode, field.body).toBe(201);
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  it('imports a UTF-8 CSV with a BOM, CRLF, semicolons, quoted newlines, Persian digits, Jalali dates and labels', async () => {
    const csv =
      '\uFEFFنام;نام خانوادگی;ایمیل;موبایل;شرکت;تاریخ تولد;Lifecycle stage;Notes\r\n' +
      'علی;رضایی;ali@example.com;۰۹۱۲ ۳۴۵ ۶۷۸۹;Parsian Co;۱۳۷۰/۰۱/۰۱;مشتری;"line one\r\nline two"\r\n' +
      'مریم;کریمی;maryam@example.com;09123456780;Parsian Co;1365/12/29;Lead;\r\n';
    const { view } = await importAndRun({ object: 'people', dateCalendar: 'persian' }, Buffer.from(csv));
    expect(view.status).toBe('done');
    expect(view.counts).toEqual({ created: 2, updated: 0, skipped: 0, rejected: 0 });
    expect(view.rowsDone).toBe(2);
    expect(view.rowsTotal).toBe(2);
    expect(view.mapping).toMatchObject({
      نام: 'firstName',
      'نام خانوادگی': 'lastName',
      ایمیل: 'emails',
      موبایل: 'phones',
      شرکت: 'company',
    });
    const [ali] = await people({ field: 'firstName', op: 'eq', value: 'علی' });
    expect(ali).toMatchObject({
      lastName: 'رضایی',
      birthday: '1991-03-21',
      lifecycleStage: 'customer',
      emails: [{ address: 'ali@example.com', primary: true }],
    });
    expect((ali!.phones as { e164: string }[])[0]!.e164).toBe('+989123456789');
    const [maryam] = await people({ field: 'firstName', op: 'eq', value: 'مریم' });
    expect(maryam!.birthday).toBe('1987-03-20');
    // Both rows link to one company, created once by name.
    expect(ali!.company).toBeTruthy();
    expect(maryam!.company).toBe(ali!.company);
    const companies = (await api('GET', '/objects/companies')).json().data as { name: string }[];
    expect(companies.filter((c) => c.name === 'Parsian Co')).toHaveLength(1);
    // Imported records have search entries and timeline entries like any write.
    const search = (await api('GET', `/search?q=${encodeURIComponent('رضایی')}`)).json();
    expect(search.data.some((h: { id: string }) => h.id === ali!.id)).toBe(true);
    const timeline = (await api('GET', `/objects/people/${ali!.id}/timeline`)).json();
    expect(timeline.data[0]).toMatchObject({ kind: 'change', action: 'created', source: 'import' });
  });

  it('reads UTF-16 (with and without a byte-order mark) and Windows-1256 files (when told), and tabs', async () => {
    const text = 'First name\tLast name\r\nحسن\tالعلي\r\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf16le')]);
    const be = Buffer.concat([
      Buffer.from([0xfe, 0xff]),
      iconv.encode(text.replace('حسن', 'حسين'), 'utf16be'),
    ]);
    const win = iconv.encode('First name,Last name\r\nخالد,الأحمد\r\n', 'windows1256');
    for (const [file, name, encoding] of [
      [le, 'حسن', undefined],
      [be, 'حسين', undefined],
      [win, 'خالد', 'windows1256'],
    ] as const) {
      const { view } = await importAndRun({ object: 'people', ...(encoding ? { encoding } : {}) }, file);
      expect(view.counts.created, JSON.stringify(view)).toBe(1);
      expect(await people({ field: 'firstName', op: 'eq', value: name })).toHaveLength(1);
    }
  });

  it('imports a HubSpot export with its header names, phones in the default country and companies by name or domain', async () => {
    const { view } = await importAndRun(
      { object: 'people' },
      readFileSync(path.join(FIXTURES, 'hubspot-contacts.csv')),
    );
    expect(view.mapping).toMatchObject({
      'First Name': 'firstName',
      Email: 'emails',
      'Phone Number': 'phones',
      'Company Name': 'company',
      'Job Title': 'jobTitle',
      City: 'address.city',
    });
    expect(view.counts.created).toBe(2);
    const [omar] = await people({ field: 'firstName', op: 'eq', value: 'Omar' });
    expect(omar).toMatchObject({ jobTitle: 'Buyer', lifecycleStage: 'lead', address: { city: 'Riyadh' } });
    const company = (await api('GET', `/objects/companies/${omar!.company}`)).json();
    expect(company).toMatchObject({ name: 'acme.sa', domains: ['acme.sa'] });
  });

  it('links relations by an external id held in a unique field of the target', async () => {
    const field = await api('POST', '/metadata/objects/companies/fields', {
      key: 'hubspotId',
      type: 'text',
      unique: true,
      labels: { en: 'HubSpot ID' },
    });
    expect(field.statusCode, field.body).toBe(201);
    const company = (
      await api('POST', '/objects/companies', { name: 'External Co', hubspotId: 'HS-42' })
    ).json();
    const csv = Buffer.from('First Name,Company ID\nLinked,HS-42\n');
    const { view } = await importAndRun(
      { object: 'people', mapping: JSON.stringify({ 'First Name': 'firstName', 'Company ID': 'company' }) },
      csv,
    );
    expect(view.counts).toMatchObject({ created: 1, rejected: 0 });
    const [linked] = await people({ field: 'firstName', op: 'eq', value: 'Linked' });
    expect(linked!.company).toBe(company.id);
  });

  it('matches duplicates by email: skip, update or create', async () => {
    const csv = (job: string) =>
      Buffer.from(`email,first name,job title\nsara@example.com,Sara,${job}\nnew@example.com,New,${job}\n`);
    const skip = await importAndRun({ object: 'people', matchBy: 'emails', onMatch: 'skip' }, csv('Skipped'));
    expect(skip.view.counts).toEqual({ created: 1, updated: 0, skipped: 1, rejected: 0 });
    const update = await importAndRun(
      { object: 'people', matchBy: 'emails', onMatch: 'update' },
      csv('Lead engineer'),
    );
    expect(update.view.counts).toEqual({ created: 0, updated: 2, skipped: 0, rejected: 0 });
    const sara = await people({ field: 'emails', op: 'hasAny', value: ['sara@example.com'] });
    expect(sara).toHaveLength(1);
    expect(sara[0]!.jobTitle).toBe('Lead engineer');
    const create = await importAndRun(
      { object: 'people', matchBy: 'emails', onMatch: 'create' },
      csv('Twin'),
    );
    expect(create.view.counts.created).toBe(2);
    // Duplicates inside one file: the second row sees the first one's record.
    const twice = Buffer.from('email,first name\nsame@example.com,One\nsame@example.com,Two\n');
    const dup = await importAndRun({ object: 'people', matchBy: 'emails', onMatch: 'update' }, twice);
    expect(dup.view.counts).toEqual({ created: 1, updated: 1, skipped: 0, rejected: 0 });
  });

  it('dry runs count what would happen and list the first rejects, writing nothing', async () => {
    const before = (await people()).length;
    const csv = Buffer.from(
      'first name,email,lifecycle stage\nDry,dry@example.com,customer\nBad,not-an-email,customer\nWorse,w@example.com,martian\n',
    );
    const { id, view } = await importAndRun({ object: 'people', dryRun: 'true' }, csv);
    expect(view).toMatchObject({ status: 'done', dryRun: true, counts: { created: 1, rejected: 2 } });
    expect(view.firstRejects).toHaveLength(2);
    expect(view.firstRejects[0]).toMatchObject({ row: 2 });
    expect(view.firstRejects[0].reason).toMatch(/email/i);
    expect(view.firstRejects[1].reason).toMatch(/option/);
    expect((await people()).length).toBe(before);
    const rejects = await api('GET', `/imports/${id}/rejects`);
    expect(rejects.statusCode).toBe(200);
    expect(rejects.headers['content-type']).toMatch(/text\/csv/);
    expect(rejects.body).toContain('row,first name,email,lifecycle stage,reason');
  });

  it('resumes after a crash from the last committed chunk without doubling rows', async () => {
    const lines = ['first name,email'];
    for (let i = 1; i <= 10; i++) lines.push(`Resume${i},resume${i}@example.com`);
    const res = await upload({ object: 'people' }, Buffer.from(lines.join('\n')));
    const { id } = res.json() as { id: string };
    await expect(
      runImport(t.handle.db, admin.workspaceId, id, { rowsPerChunk: 3, failAfterChunks: 2 }),
    ).rejects.toThrow('simulated crash');
    const mid = (await api('GET', `/imports/${id}`)).json();
    expect(mid).toMatchObject({ status: 'running', rowsDone: 6, counts: { created: 6 } });
    const startedAt = async () =>
      (await owner.query('select started_at from imports where id = $1', [id])).rows[0].started_at as Date;
    const firstStart = await startedAt();
    expect(firstStart).toBeInstanceOf(Date);
    // A second runner cannot take it while the first one's claim is fresh…
    expect(await runImport(t.handle.db, admin.workspaceId, id)).toBe('busy');
    // …but can once it has gone quiet.
    await owner.query(`update imports set heartbeat_at = now() - interval '5 minutes' where id = $1`, [id]);
    expect(await runImport(t.handle.db, admin.workspaceId, id, { rowsPerChunk: 3 })).toBe('done');
    const done = (await api('GET', `/imports/${id}`)).json();
    expect(done).toMatchObject({ status: 'done', rowsDone: 10, counts: { created: 10, rejected: 0 } });
    expect(done.rowsPerSecond).toBeGreaterThan(0);
    // The run that resumed it kept the first start.
    expect(await startedAt()).toEqual(firstStart);
    const found = await people({ field: 'firstName', op: 'startsWith', value: 'Resume' });
    expect(found).toHaveLength(10);
    // The stored file is gone once the import is over.
    const chunks = await owner.query('select count(*)::int as n from import_chunks where import_id = $1', [
      id,
    ]);
    expect(chunks.rows[0].n).toBe(0);
  });

  it('rejects ragged rows, huge cells and bad values row by row, and neutralises formulas in the report', async () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const csv = Buffer.from(
      `first name,last name\nGood,Row\nToo,Many,Cells\nShort\n${huge},Big\n=HYPERLINK("http://evil"),Formula\n`,
    );
    const { id, view } = await importAndRun({ object: 'people' }, csv);
    expect(view.status).toBe('done');
    expect(view.counts).toEqual({ created: 2, updated: 0, skipped: 0, rejected: 3 });
    expect(view.firstRejects.map((r: { row: number }) => r.row)).toEqual([2, 3, 4]);
    expect(view.firstRejects[0].reason).toMatch(/3 cells; the header has 2/);
    expect(view.firstRejects[2].reason).toMatch(/at most 200 characters/);
    const formula = await people({ field: 'lastName', op: 'eq', value: 'Formula' });
    expect(formula[0]!.firstName).toBe('=HYPERLINK("http://evil")');
    const rejects = (await api('GET', `/imports/${id}/rejects`)).body;
    expect(rejects).toContain('Too,Many,Cells');
    const exported = await api('GET', '/objects/people/export?format=csv&fields=firstName,lastName');
    expect(exported.body).toContain(`"'=HYPERLINK(""http://evil"")",Formula`);
  });

  it('refuses binary junk, empty files, unreadable XLSX and bad options with a clear 400, keeping nothing', async () => {
    const junk = Buffer.alloc(4096);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919) % 256;
    const cases: [Record<string, string>, Buffer, string, RegExp][] = [
      [{ object: 'people' }, junk, 'junk.csv', /binary/],
      [{ object: 'people' }, Buffer.alloc(0), 'empty.csv', /empty/],
      [{ object: 'people' }, Buffer.from('PK\u0003\u0004garbage'), 'broken.xlsx', /XLSX/],
      [{ object: 'people', onMatch: 'merge' }, Buffer.from('a\n1\n'), 'a.csv', /onMatch/],
      [
        { object: 'people', mapping: '{"nope":"firstName"}' },
        Buffer.from('a\n1\n'),
        'a.csv',
        /no column "nope"/,
      ],
      [{ object: 'people', mapping: '{"a":"createdAt"}' }, Buffer.from('a\n1\n'), 'a.csv', /read-only/],
      [
        { object: 'people', matchBy: 'jobTitle' },
        Buffer.from('first name\nA\n'),
        'a.csv',
        /No column is mapped/,
      ],
      [{ object: 'nothing' }, Buffer.from('a\n1\n'), 'a.csv', /no object/i],
      // Told the wrong encoding, the header reads as nonsense that maps to nothing.
      [
        { object: 'people', encoding: 'utf16le' },
        Buffer.from('First Name\nSara\n'),
        'a.csv',
        /No column is mapped/,
      ],
      [{ object: 'people', encoding: 'latin9' }, Buffer.from('First Name\nSara\n'), 'a.csv', /encoding/],
    ];
    const before = await owner.query('select count(*)::int as n from imports');
    for (const [fields, file, name, message] of cases) {
      const res = await upload(fields, file, name);
      expect([400, 404], `${name}: ${res.body}`).toContain(res.statusCode);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.json().detail).toMatch(message);
    }
    const after = await owner.query('select count(*)::int as n from imports');
    expect(after.rows[0].n).toBe(before.rows[0].n);
    const notMultipart = await api('POST', '/imports', { object: 'people' });
    expect(notMultipart.statusCode).toBeGreaterThanOrEqual(400);
    expect(notMultipart.statusCode).toBeLessThan(500);
  });

  it('fails an import whose CSV breaks midway before writing any row', async () => {
    const good = Array.from({ length: 50 }, (_, i) => `Half${i},x`).join('\n');
    const csv = Buffer.from(`first name,last name\n${good}\n"unterminated,quote\n`);
    const { view } = await importAndRun({ object: 'people' }, csv);
    // Either the parser reads the tail as one (rejected) row, or the whole file fails; never half written.
    if (view.status === 'failed') {
      expect(view.error).toMatch(/CSV/);
      expect(await people({ field: 'firstName', op: 'startsWith', value: 'Half' })).toHaveLength(0);
    } else {
      expect(view.counts.created + view.counts.rejected).toBe(view.rowsTotal);
    }
  });

  it('imports the first worksheet of an XLSX workbook, taking formula results, not formulas', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('People');
    sheet.addRow(['First Name', 'Last Name', 'Employees']);
    sheet.addRow(['Layla', 'Nasser', 3]);
    sheet.addRow([{ formula: 'CONCAT("Fo","rmula")', result: 'Formula' }, 'Result', 1]);
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
    const { view } = await importAndRun({ object: 'people' }, buffer, 'people.xlsx');
    expect(view).toMatchObject({ status: 'done', format: 'xlsx', counts: { created: 2 } });
    expect(await people({ field: 'lastName', op: 'eq', value: 'Result' })).toMatchObject([
      { firstName: 'Formula' },
    ]);
  });

  it('imports Salesforce accounts into companies with thousands separators', async () => {
    const { view } = await importAndRun(
      { object: 'companies' },
      readFileSync(path.join(FIXTURES, 'salesforce-accounts.csv')),
    );
    expect(view.mapping).toMatchObject({
      'Account Name': 'name',
      Website: 'domains',
      Employees: 'employees',
    });
    const [northwind] = (
      await api(
        'GET',
        `/objects/companies?filter=${encodeURIComponent('{"field":"name","op":"eq","value":"Northwind"}')}`,
      )
    ).json().data;
    expect(northwind).toMatchObject({ employees: 1200, industry: 'Retail', domains: ['northwind.example'] });
  });

  it('suggests mappings from English, Arabic, Persian and other CRMs’ headers', async () => {
    const res = await api('POST', '/imports/suggest-mapping', {
      object: 'people',
      headers: [
        'Emails / Primary Email',
        'Mailing City',
        'الاسم الأول',
        'اسم العائلة',
        'Mobile Phone',
        'Phone',
        'Unknown',
      ],
    });
    expect(res.json().mapping).toEqual({
      'Emails / Primary Email': 'emails',
      'Mailing City': 'address.city',
      'الاسم الأول': 'firstName',
      'اسم العائلة': 'lastName',
      'Mobile Phone': 'phones',
      Phone: 'phones',
      Unknown: '',
    });
  });

  it('saves mappings for next time, replaces them by name, and keeps them to the workspace', async () => {
    const mapping = { 'E-mail': 'emails', Nom: 'firstName', Skip: '' };
    const saved = await api('POST', '/imports/mappings', { object: 'people', name: 'Old CRM', mapping });
    expect(saved.statusCode, saved.body).toBe(201);
    const again = await api('POST', '/imports/mappings', {
      object: 'people',
      name: 'Old CRM',
      mapping: { ...mapping, Titre: 'jobTitle' },
    });
    expect(again.json().id).toBe(saved.json().id);
    const list = (await api('GET', '/imports/mappings?object=people')).json().data;
    expect(list).toHaveLength(1);
    expect(list[0].mapping).toMatchObject({ Titre: 'jobTitle' });
    const bad = await api('POST', '/imports/mappings', {
      object: 'people',
      name: 'Bad',
      mapping: { a: 'nope' },
    });
    expect(bad.statusCode).toBe(400);
    expect((await api('GET', '/imports/mappings', undefined, other.cookie)).json().data).toHaveLength(0);
    const theirs = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/imports/mappings/${saved.json().id}`,
      headers: { cookie: other.cookie },
    });
    expect(theirs.statusCode).toBe(404);
    const mine = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/imports/mappings/${saved.json().id}`,
      headers: { cookie: admin.cookie },
    });
    expect(mine.statusCode).toBe(204);
    expect((await api('GET', '/imports/mappings')).json().data).toHaveLength(0);
  });

  it('answers 404 for another workspace’s import, and cancels only what is still running', async () => {
    const res = await upload({ object: 'people' }, Buffer.from('first name\nCancelled\n'));
    const { id } = res.json() as { id: string };
    for (const url of [`/imports/${id}`, `/imports/${id}/rejects`]) {
      const r = await api('GET', url, undefined, other.cookie);
      expect(r.statusCode).toBe(404);
    }
    expect((await api('POST', `/imports/${id}/cancel`, undefined, other.cookie)).statusCode).toBe(404);
    const cancelled = await api('POST', `/imports/${id}/cancel`);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
    expect(await runImport(t.handle.db, admin.workspaceId, id)).toBe('busy');
    expect(await people({ field: 'firstName', op: 'eq', value: 'Cancelled' })).toHaveLength(0);
    expect((await api('POST', `/imports/${id}/cancel`)).statusCode).toBe(409);
    expect((await api('GET', '/imports/not-a-uuid')).statusCode).toBe(404);
  });

  it('checks the caller’s permissions: a viewer may not import, hidden fields cannot be mapped or exported', async () => {
    const key = await api('POST', '/api-keys', { name: 'viewer', role: 'viewer' });
    const viewer = `Bearer ${key.json().token}`;
    const body = form({ object: 'people' }, Buffer.from('first name\nNope\n'));
    const denied = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      payload: body.payload,
      headers: { ...body.headers, authorization: viewer },
    });
    expect(denied.statusCode).toBe(403);
    const hide = await api('PATCH', '/roles/member', {
      permissions: {
        actions: ['members.read'],
        objects: {
          '*': { read: true, create: true, update: true, delete: true, hiddenFields: ['jobTitle'] },
        },
      },
    });
    expect(hide.statusCode, hide.body).toBe(200);
    const memberKey = (await api('POST', '/api-keys', { name: 'member', role: 'member' })).json().token;
    const mapped = form({ object: 'people', mapping: '{"job":"jobTitle"}' }, Buffer.from('job\nSpy\n'));
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      payload: mapped.payload,
      headers: { ...mapped.headers, authorization: `Bearer ${memberKey}` },
    });
    expect(refused.statusCode).toBe(400);
    const exported = await t.app.inject({
      method: 'GET',
      url: '/api/v1/objects/people/export',
      headers: { authorization: `Bearer ${memberKey}` },
    });
    expect(exported.statusCode).toBe(200);
    const header = exported.body.replace(/^\uFEFF/, '').split('\n')[0]!;
    expect(header).toContain('firstName');
    expect(header).not.toContain('jobTitle');
    // An import made with a key is not visible to another key of the workspace.
    const res = await upload({ object: 'people' }, Buffer.from('first name\nMine\n'));
    const { id } = res.json() as { id: string };
    const peek = await t.app.inject({
      method: 'GET',
      url: `/api/v1/imports/${id}`,
      headers: { authorization: `Bearer ${memberKey}` },
    });
    expect(peek.statusCode).toBe(404);
    await sql`select 1`.execute(t.handle.db);
  });
});
