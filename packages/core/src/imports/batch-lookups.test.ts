import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { runImport } from './imports.service.ts';

/** A multipart/form-data body: the text fields first, then the file. */
function form(fields: Record<string, string>, file: Buffer) {
  const boundary = `----rabita${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = Object.entries(fields).map(([name, value]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
  );
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="people.csv"\r\nContent-Type: text/csv\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** Every statement the app's database clients send while `counting` is on. */
const sent: string[] = [];
let counting = false;
const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
  if (counting) {
    const first = a[0] as string | { text?: string };
    sent.push(typeof first === 'string' ? first : (first?.text ?? ''));
  }
  return query.apply(this, a);
} as typeof pg.Client.prototype.query;

/** Statements that look records up by a field's values (matching, relation linking). */
const lookups = () => sent.filter((s) => /\bas rank\b|rabita_match_list|\bk from\b/.test(s));
/** Statements that read or write one record by its id (the per-row update path). */
const perRecord = () => sent.filter((s) => /^select \* from "people" as "t" where/.test(s.trim()));

describe('imports look records up a batch at a time', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const api = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  const importAndRun = async (fields: Record<string, string>, csv: string, rowsPerChunk?: number) => {
    const body = form(fields, Buffer.from(csv));
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      payload: body.payload,
      headers: { ...body.headers, cookie: admin.cookie },
    });
    expect(res.statusCode, res.body).toBe(202);
    const { id } = res.json() as { id: string };
    sent.length = 0;
    counting = true;
    try {
      expect(await runImport(t.handle.db, admin.workspaceId, id, rowsPerChunk ? { rowsPerChunk } : {})).toBe(
        'done',
      );
    } finally {
      counting = false;
    }
    return (await api('GET', `/imports/${id}`)).json();
  };
  const person = async (email: string) => {
    const filter = { field: 'emails', op: 'hasAny', value: [email] };
    const res = await api('GET', `/objects/people?filter=${encodeURIComponent(JSON.stringify(filter))}`);
    return res.json().data as Record<string, unknown>[];
  };
  const companyNamed = async (name: string) => {
    const filter = { field: 'name', op: 'eq', value: name };
    const res = await api('GET', `/objects/companies?filter=${encodeURIComponent(JSON.stringify(filter))}`);
    return res.json().data as Record<string, unknown>[];
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    expect((await api('PATCH', '/workspace', { defaultCountry: 'IR' })).statusCode).toBe(200);
    // The workspace before: 500 people (even numbers) and ten companies, one known by its web address.
    const lines = ['First Name,Email,Job Title'];
    for (let i = 0; i < 1000; i += 2) lines.push(`Old${i},Person${i}@Batch.example,Old title`);
    const seeded = await importAndRun({ object: 'people' }, lines.join('\n'));
    expect(seeded.counts).toMatchObject({ created: 500, rejected: 0 });
    for (let c = 0; c < 10; c++)
      expect(
        (
          await api('POST', '/objects/companies', {
            name: `Known ${c}`,
            ...(c === 0 ? { domains: ['known0.example'] } : {}),
          })
        ).statusCode,
      ).toBe(201);
  });
  afterEach(() => {
    counting = false;
  });
  afterAll(async () => {
    pg.Client.prototype.query = query as typeof pg.Client.prototype.query;
    await t?.close();
  });

  /** 1,000 rows: odd ones new, even ones already there; companies known, new, or by web address; two bad rows. */
  function file(jobTitle: string) {
    const lines = ['First Name,Email,Phone Number,Job Title,Company Name'];
    for (let i = 0; i < 1000; i++) {
      const company =
        i === 7 ? 'https://www.known0.example/about' : i % 10 === 3 ? `Fresh ${i % 4}` : `Known ${i % 10}`;
      const email = i === 11 ? 'not-an-email' : `person${i}@batch.example`;
      const phone = i % 3 === 0 ? `۰۹۱۲ ۳۴۵ ${String(1000 + i).padStart(4, '0')}` : `0912 345 ${1000 + i}`;
      lines.push(`New${i},${email},${i === 13 ? 'no phone' : phone},${jobTitle},${company}`);
    }
    return lines.join('\n');
  }

  it('matches and links 1,000 rows with one lookup statement each, updating matches and creating the rest', async () => {
    const view = await importAndRun(
      { object: 'people', matchBy: 'emails', onMatch: 'update' },
      file('Updated title'),
      1000,
    );
    // One statement links the companies (by web address, email, external ids and name at once), one matches.
    expect(lookups()).toHaveLength(2);
    expect(view.counts).toEqual({ created: 498, updated: 500, skipped: 0, rejected: 2 });
    // The 500 matches are locked and read by one statement and updated by another, not one by one.
    expect(sent.filter((q) => /^update "people" as t set/.test(q.trim()))).toHaveLength(1);
    expect(
      sent.filter((q) => /^select \* from "people" as "t"\s+where .* = any\(/s.test(q.trim())),
    ).toHaveLength(1);
    expect(perRecord().filter((q) => !/= any\(/.test(q))).toHaveLength(0);
    expect(sent.length).toBeLessThan(100);
    expect(view.firstRejects.map((r: { row: number }) => r.row)).toEqual([12, 14]);
    expect(view.firstRejects[0].reason).toMatch(/email/i);
    expect(view.firstRejects[1].reason).toMatch(/phone/i);
    // Matched by email whatever its case: updated in place, not doubled.
    const [old] = await person('person2@batch.example');
    expect(old).toMatchObject({ firstName: 'New2', jobTitle: 'Updated title' });
    expect(await person('person2@batch.example')).toHaveLength(1);
    // Unmatched: created, with its phone read in the workspace's country (Persian digits too).
    const [fresh] = await person('person3@batch.example');
    expect(fresh).toMatchObject({ firstName: 'New3', phones: [{ e164: '+989123451003' }] });
    // Companies: known ones linked, new names created once each, the web address found by domain.
    const known4 = await companyNamed('Known 4');
    expect((await person('person4@batch.example'))[0]!.company).toBe(known4[0]!.id);
    const fresh3 = await companyNamed('Fresh 3');
    expect(fresh3).toHaveLength(1);
    expect(fresh).toMatchObject({ company: fresh3[0]!.id });
    expect((await person('person23@batch.example'))[0]!.company).toBe(fresh3[0]!.id);
    const known0 = await companyNamed('Known 0');
    expect((await person('person7@batch.example'))[0]!.company).toBe(known0[0]!.id);
  }, 120_000);

  it('issues the same number of lookups for 1,000 rows as for 10, and skips matches in a dry run without writing', async () => {
    const small = ['First Name,Email,Company Name'];
    for (let i = 0; i < 10; i++) small.push(`Small${i},person${i}@batch.example,Known ${i}`);
    const ten = await importAndRun(
      { object: 'people', matchBy: 'emails', onMatch: 'skip' },
      small.join('\n'),
    );
    expect(ten.counts).toEqual({ created: 0, updated: 0, skipped: 10, rejected: 0 });
    const tenLookups = lookups().length;
    expect(tenLookups).toBe(2);

    const dry = await importAndRun(
      { object: 'people', matchBy: 'emails', onMatch: 'skip', dryRun: 'true' },
      file('Dry title'),
      1000,
    );
    expect(lookups()).toHaveLength(tenLookups);
    // Every row of the file now exists but the two bad ones (odd rows were created by the test before).
    expect(dry.counts).toEqual({ created: 0, updated: 0, skipped: 998, rejected: 2 });
    // Nothing per row: no record is read back one at a time, and the whole chunk is a few dozen statements.
    expect(perRecord()).toHaveLength(0);
    expect(sent.length).toBeLessThan(60);
    expect((await person('person2@batch.example'))[0]).toMatchObject({ jobTitle: 'Updated title' });
  });

  it('a dry run that would create companies and people writes none of them and no audit rows, creating each company once', async () => {
    const lines = ['First Name,Email,Company Name'];
    for (let i = 0; i < 300; i++) lines.push(`Dry${i},dry${i}@batch.example,Dry company ${i % 3}`);
    const dry = await importAndRun(
      { object: 'people', matchBy: 'emails', onMatch: 'update', dryRun: 'true' },
      lines.join('\n'),
      100,
    );
    expect(dry).toMatchObject({ status: 'done', dryRun: true, counts: { created: 300, rejected: 0 } });
    expect(sent.some((s) => /insert into record_changes/.test(s))).toBe(false);
    // The three new companies are created (and rolled back) by the first chunk only; later chunks count on them.
    expect(sent.filter((s) => /^\s*insert into "companies"/.test(s))).toHaveLength(1);
    expect(await person('dry1@batch.example')).toHaveLength(0);
    expect(await companyNamed('Dry company 1')).toHaveLength(0);
  });
});
