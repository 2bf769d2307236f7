// Browser test: a saved report exported as PDF by the server's own browser (the report's print view, opened with a
// single-use print token as its viewer), in Persian and in Arabic. `pdftotext` reads the title and a stage name
// back whole and in logical order (shaped, selectable text, not a picture), `pdftoppm` turns the first page into a
// picture in the screenshot folder; a hostile name prints as text; a report of 1,800 days is bounded in pages and
// time.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReportExport } from '../packages/core/src/reports/export.service.ts';
import { apiCaller, signUp } from '../test/harness.ts';
import { PERSIAN_IN_TEHRAN, serveTestApp } from './desk.ts';

const run = promisify(execFile);
const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');
/** Bidirectional controls pdftotext may keep around isolated names. */
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

describe('report PDFs rendered by the server’s browser', () => {
  let t: Awaited<ReturnType<typeof serveTestApp>>['t'];
  let base: string;
  let work: string;

  beforeAll(async () => {
    const webDist = process.env.RABITA_TEST_WEB_DIST;
    ({ t, base } = await serveTestApp({ RABITA_OPEN_SIGNUP: 'true' }, webDist ? { webDist } : {}));
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'rabita-report-pdf-'));
    await fs.mkdir(SHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  /** A new workspace whose person reads in the language given, with deals in a stage named in it. */
  async function workspaceIn(prefs: Record<string, unknown>, stageName: string) {
    const who = await signUp(t.app);
    const call = apiCaller(
      () => t.app,
      () => who.cookie,
    );
    expect((await call('PATCH', '/me', prefs)).statusCode).toBe(200);
    const pipeline = (await call('POST', '/objects/pipelines', { name: 'P', currency: 'USD' })).json();
    const stage = await call('POST', '/objects/stages', {
      name: stageName,
      pipeline: pipeline.id,
      position: 1,
    });
    expect(stage.statusCode, stage.body).toBe(201);
    for (const [i, date] of ['2025-03-01', '2025-03-20', '2025-04-25'].entries()) {
      const deal = await call('POST', '/objects/deals', {
        name: `D${i}`,
        stage: stage.json().id,
        expectedCloseDate: date,
      });
      expect(deal.statusCode, deal.body).toBe(201);
    }
    return { who, call };
  }

  /** Exports a saved report as PDF through the API and the export job; its file, text and pages. */
  async function exportPdf(
    call: ReturnType<typeof apiCaller>,
    workspaceId: string,
    reportId: string,
    name: string,
  ) {
    const queued = await call('POST', `/reports/${reportId}/exports`, { format: 'pdf' });
    expect(queued.statusCode, queued.body).toBe(202);
    expect(queued.json().status).toBe('queued');
    await runReportExport({ db: t.handle.db, baseUrl: base }, { workspaceId, exportId: queued.json().id });
    const status = await call('GET', `/reports/${reportId}/exports/${queued.json().id}`);
    expect(status.json().error).toBeNull();
    expect(status.json().status).toBe('done');
    const file = await call('GET', status.json().download.replace('/api/v1', ''));
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    const pdf = file.rawPayload;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const at = path.join(work, `${name}.pdf`);
    await fs.writeFile(at, pdf);
    const text = (await run('pdftotext', ['-layout', at, '-'])).stdout.replace(BIDI_CONTROLS, '');
    const pages = Number(/Pages:\s+(\d+)/.exec((await run('pdfinfo', [at])).stdout)?.[1]);
    return { at, text, pages };
  }

  it('prints a Persian report whose title and stage read back in logical order', async () => {
    const { who, call } = await workspaceIn(PERSIAN_IN_TEHRAN, 'مذاکره نهایی');
    const title = 'گزارش فروش فصلی';
    const saved = await call('POST', '/reports', {
      name: title,
      definition: {
        object: 'deals',
        groupBy: [{ field: 'stage' }],
        measures: [{ fn: 'count' }],
        chart: 'bar',
      },
    });
    expect(saved.statusCode, saved.body).toBe(201);
    const { at, text } = await exportPdf(call, who.workspaceId, saved.json().id, 'report-fa');
    expect(text).toContain(title);
    expect(text).toContain('مذاکره نهایی');
    // Persian digits for the count, and the page is right to left: the title's words in their own order.
    expect(text).toMatch(/۳/);
    await run('pdftoppm', [
      '-png',
      '-r',
      '60',
      '-f',
      '1',
      '-l',
      '1',
      '-singlefile',
      at,
      path.join(SHOTS, 'reports-pdf-fa'),
    ]);
    expect((await fs.stat(path.join(SHOTS, 'reports-pdf-fa.png'))).size).toBeGreaterThan(2_000);
  }, 120_000);

  it('prints an Arabic report by Hijri month, and a hostile name as plain text', async () => {
    const { who, call } = await workspaceIn(
      { locale: 'ar', calendar: 'islamic-umalqura', digits: 'arab', timeZone: 'Asia/Riyadh' },
      'التفاوض',
    );
    const title = 'تقرير المبيعات <script>document.title="pwned"</script>';
    const saved = await call('POST', '/reports', {
      name: title,
      definition: {
        object: 'deals',
        groupBy: [{ field: 'stage' }, { field: 'expectedCloseDate', bucket: 'month' }],
        measures: [{ fn: 'count' }],
        chart: 'barStacked',
      },
    });
    expect(saved.statusCode, saved.body).toBe(201);
    const { at, text } = await exportPdf(call, who.workspaceId, saved.json().id, 'report-ar');
    expect(text).toContain('تقرير المبيعات');
    // Printed as text (pdftotext's layout may move the first `<` across the right-to-left run), never run.
    expect(text).toContain('script>document.title="pwned"</script');
    expect(text).toContain('التفاوض');
    expect(text).toContain('رمضان');
    await run('pdftoppm', [
      '-png',
      '-r',
      '60',
      '-f',
      '1',
      '-l',
      '1',
      '-singlefile',
      at,
      path.join(SHOTS, 'reports-pdf-ar'),
    ]);
    // A name PostgreSQL cannot store is refused before anything is printed.
    for (const name of ['bad\u0000name', 'bad\ud800name']) {
      const bad = await call('POST', '/reports', {
        name,
        definition: { object: 'deals', measures: [{ fn: 'count' }] },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.headers['content-type']).toContain('application/problem+json');
    }
  }, 120_000);

  it('bounds a report of 1,800 days to its first groups and 40 pages', async () => {
    const { who, call } = await workspaceIn({ locale: 'en' }, 'Negotiation');
    const saved = await call('POST', '/reports', {
      name: 'Every day for five years',
      definition: {
        object: 'deals',
        groupBy: [{ field: 'expectedCloseDate', bucket: 'day' }],
        measures: [{ fn: 'count' }],
        range: { from: '2021-01-01', to: '2025-12-01' },
        chart: 'line',
      },
    });
    expect(saved.statusCode, saved.body).toBe(201);
    const { text, pages } = await exportPdf(call, who.workspaceId, saved.json().id, 'report-huge');
    expect(pages).toBeGreaterThan(1);
    expect(pages).toBeLessThanOrEqual(40);
    expect(text).toContain('The first 400 of');
  }, 120_000);
});
