import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { neutraliseCell } from './cells.ts';

describe('exports', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  const get = (url: string, cookie = admin.cookie) =>
    t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: { cookie } });

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    // 2,345 people: more than two pages of the export's keyset reads.
    for (let start = 0; start < 2345; start += 1000) {
      const records = Array.from({ length: Math.min(1000, 2345 - start) }, (_, i) => ({
        firstName: `P${start + i}`,
        lastName: start + i === 7 ? '+SUM(A1:A9)' : 'Export',
        emails: [`p${start + i}@example.com`],
        tags: start + i < 10 ? ['vip', 'early'] : [],
      }));
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/objects/people/batch',
        headers: { cookie: admin.cookie },
        payload: { records },
      });
      expect(res.statusCode).toBe(200);
    }
  });
  afterAll(() => t?.close());

  it('streams every record as CSV with a BOM, lists joined, formulas neutralised', async () => {
    const res = await get('/objects/people/export?format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="people-/);
    expect(res.body.startsWith('\uFEFF')).toBe(true);
    const rows = parse(res.body.slice(1), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2345);
    expect(new Set(rows.map((r) => r.id)).size).toBe(2345);
    const seven = rows.find((r) => r.firstName === 'P7')!;
    expect(seven.lastName).toBe("'+SUM(A1:A9)");
    expect(seven.emails).toBe('p7@example.com');
    expect(rows.find((r) => r.firstName === 'P1')!.tags).toBe('vip; early');
  });

  it('applies a filter and a field list, and streams XLSX that reads back', async () => {
    const filter = encodeURIComponent(JSON.stringify({ field: 'tags', op: 'hasAny', value: ['vip'] }));
    const res = await get(`/objects/people/export?format=xlsx&filter=${filter}&fields=firstName,tags`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/spreadsheetml/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.name).toBe('people');
    expect(sheet.getRow(1).values).toEqual([undefined, 'id', 'firstName', 'tags']);
    expect(sheet.rowCount).toBe(11);
  });

  it('refuses bad filters, unknown fields and objects with problem documents, and keeps tenants apart', async () => {
    expect((await get('/objects/people/export?filter=not-json')).statusCode).toBe(400);
    expect((await get('/objects/people/export?fields=nope')).statusCode).toBe(400);
    expect((await get('/objects/people/export?format=pdf')).statusCode).toBe(400);
    expect((await get('/objects/nothing/export')).statusCode).toBe(404);
    const theirs = await get('/objects/people/export', other.cookie);
    expect(theirs.statusCode).toBe(200);
    expect(
      theirs.body
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\n'),
    ).toHaveLength(1);
  });

  it('neutralises every formula lead character but keeps plain negative numbers', () => {
    for (const lead of ['=', '+', '-', '@', '\t', '\r'])
      expect(neutraliseCell(`${lead}cmd`)).toBe(`'${lead}cmd`);
    expect(neutraliseCell('-12.5')).toBe('-12.5');
    expect(neutraliseCell('plain')).toBe('plain');
  });
});
