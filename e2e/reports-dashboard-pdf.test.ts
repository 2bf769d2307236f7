// Browser test: a Persian dashboard exported as PDF by the server's own browser — its print view
// (`/print/dashboards/<id>`) opened with a single-use print token as its viewer (`POST /dashboards/print-view`), no
// session — through the same export job as a report's. `pdftotext` reads the dashboard's name, the widgets' titles
// and a stage name back in logical order; a widget the viewer may not see prints as refused, never with its data.
// The export and print-view routes refuse what they should.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReportExport } from '../packages/core/src/reports/export.service.ts';
import { issuePrintToken } from '../packages/core/src/reports/pdf-print.ts';
import { apiCaller, joinByInvitation, signUp } from '../test/harness.ts';
import { PERSIAN_IN_TEHRAN, serveTestApp } from './desk.ts';

const run = promisify(execFile);
const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');
/** Bidirectional controls pdftotext may keep around isolated names. */
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAME = 'داشبورد فروش ماهانه';
const TITLES = ['معامله‌ها به تفکیک مرحله', 'شمار معامله‌ها', 'فهرست معامله‌ها'];
const STAGE = 'مذاکره نهایی';

describe('dashboard PDFs rendered by the server’s browser', () => {
  let t: Awaited<ReturnType<typeof serveTestApp>>['t'];
  let base: string;
  let work: string;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let dashboardId: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  /** Exports a dashboard as PDF through the API and the export job; the file's text and where it was written. */
  async function exportPdf(id: string, cookie: string, workspaceId: string, name: string) {
    const queued = await call('POST', `/dashboards/${id}/exports`, { format: 'pdf' }, cookie);
    expect(queued.statusCode, queued.body).toBe(202);
    expect(queued.json()).toMatchObject({ dashboardId: id, format: 'pdf', status: 'queued', download: null });
    await runReportExport({ db: t.handle.db, baseUrl: base }, { workspaceId, exportId: queued.json().id });
    const status = await call('GET', `/dashboards/${id}/exports/${queued.json().id}`, undefined, cookie);
    expect(status.json().error).toBeNull();
    expect(status.json().status).toBe('done');
    expect(status.json().download).toBe(`/api/v1/dashboards/${id}/exports/${queued.json().id}/file`);
    const file = await call('GET', status.json().download.replace('/api/v1', ''), undefined, cookie);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    const pdf = file.rawPayload;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const at = path.join(work, `${name}.pdf`);
    await fs.writeFile(at, pdf);
    const text = (await run('pdftotext', ['-layout', at, '-'])).stdout.replace(BIDI_CONTROLS, '');
    const info = (await run('pdfinfo', [at])).stdout;
    return { at, text, info, exportId: queued.json().id as string };
  }

  beforeAll(async () => {
    const webDist = process.env.RABITA_TEST_WEB_DIST;
    ({ t, base } = await serveTestApp({ RABITA_OPEN_SIGNUP: 'true' }, webDist ? { webDist } : {}));
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'rabita-dashboard-pdf-'));
    await fs.mkdir(SHOTS, { recursive: true });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    expect((await call('PATCH', '/me', PERSIAN_IN_TEHRAN)).statusCode).toBe(200);
    const pipeline = (await call('POST', '/objects/pipelines', { name: 'P', currency: 'USD' })).json();
    const stage = await call('POST', '/objects/stages', { name: STAGE, pipeline: pipeline.id, position: 1 });
    expect(stage.statusCode, stage.body).toBe(201);
    for (const name of ['معامله الف', 'معامله ب', 'معامله پ'])
      expect((await call('POST', '/objects/deals', { name, stage: stage.json().id })).statusCode).toBe(201);
    const dashboard = await call('POST', '/dashboards', {
      name: NAME,
      layout: [
        {
          id: 'byStage',
          title: TITLES[0],
          kind: 'report',
          x: 0,
          y: 0,
          w: 6,
          h: 4,
          definition: {
            object: 'deals',
            groupBy: [{ field: 'stage' }],
            measures: [{ fn: 'count' }],
            chart: 'bar',
          },
        },
        {
          id: 'count',
          title: TITLES[1],
          kind: 'kpi',
          x: 6,
          y: 0,
          w: 3,
          h: 2,
          kpi: { object: 'deals', measure: { fn: 'count' } },
        },
        {
          id: 'list',
          title: TITLES[2],
          kind: 'list',
          x: 0,
          y: 4,
          w: 6,
          h: 4,
          list: { object: 'deals', fields: ['name', 'stage'], limit: 10 },
        },
      ],
    });
    expect(dashboard.statusCode, dashboard.body).toBe(201);
    dashboardId = dashboard.json().id;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('prints a Persian dashboard whose name, widget titles and stage read back', async () => {
    const { at, text, info } = await exportPdf(dashboardId, admin.cookie, admin.workspaceId, 'dashboard-fa');
    expect(text).toContain(NAME);
    for (const title of TITLES) expect(text).toContain(title);
    expect(text).toContain(STAGE);
    expect(text).toContain('معامله الف');
    // The list's stage column names each stage (no "…" waiting for a request the page cannot make), and its labels
    // are Persian ("Data as of" in the viewer's language, not English).
    expect(text).not.toContain('…');
    expect(text).toContain('داده‌ها تا');
    expect(text).not.toContain('Data as of');
    // The count in Persian digits, on an A4 page on its side.
    expect(text).toMatch(/۳/);
    expect(info).toMatch(/Page size:\s+84\d\.\d+ x 59\d\.\d+ pts \(A4\)/);
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
      path.join(SHOTS, 'dashboard-pdf-fa'),
    ]);
    expect((await fs.stat(path.join(SHOTS, 'dashboard-pdf-fa.png'))).size).toBeGreaterThan(2_000);
  }, 120_000);

  it('prints what a colleague may see: a widget over an object their role cannot read is refused', async () => {
    const roles = (await call('GET', '/roles')).json().data as { key: string }[];
    expect(roles.map((r) => r.key)).toContain('member');
    const made = await call('POST', '/roles', {
      key: 'nodeals',
      name: 'No deals',
      permissions: {
        actions: [],
        objects: {
          '*': { read: true, create: false, update: false, delete: false },
          deals: { read: false, create: false, update: false, delete: false },
        },
      },
    });
    expect(made.statusCode, made.body).toBe(201);
    const colleague = await joinByInvitation(t.app, admin.cookie, {
      email: 'colleague@dashboards.example',
      role: 'nodeals',
      name: 'همکار',
    });
    const shared = await call('PATCH', `/dashboards/${dashboardId}`, {
      shares: [{ kind: 'user', id: colleague.userId }],
    });
    expect(shared.statusCode, shared.body).toBe(200);
    const { text } = await exportPdf(dashboardId, colleague.cookie, admin.workspaceId, 'dashboard-colleague');
    for (const title of TITLES) expect(text).toContain(title);
    expect(text).not.toContain(STAGE);
    expect(text).not.toContain('معامله الف');
  }, 120_000);

  it('spends a dashboard print token once, and only for a dashboard', async () => {
    const issue = (target: string, targetId = dashboardId, ttlMs?: number) =>
      issuePrintToken(t.handle.db, {
        workspaceId: admin.workspaceId,
        userId: admin.userId,
        target,
        targetId,
        ...(ttlMs === undefined ? {} : { ttlMs }),
      });
    const printView = (token: unknown) => call('POST', '/dashboards/print-view', { token }, '');
    const { token } = await issue('dashboard');
    const first = await printView(token);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(first.headers['cache-control']).toBe('no-store');
    const bundle = first.json();
    expect(bundle.dashboard.name).toBe(NAME);
    expect(bundle.runs.map((r: { widgetId: string; status: string }) => [r.widgetId, r.status])).toEqual([
      ['byStage', 'ok'],
      ['count', 'ok'],
      ['list', 'ok'],
    ]);
    expect(bundle.viewer.locale).toBe('fa');
    // Objects as the metadata route shows them: no table or column names.
    expect(JSON.stringify(bundle.objects)).not.toMatch(/"(table|column|sortTies|rank)"/);
    expect((await printView(token)).statusCode).toBe(401);
    // A report's token, an expired one, a revoked one and another workspace's id open nothing here.
    const report = await call('POST', '/reports', {
      name: 'R',
      definition: { object: 'deals', measures: [{ fn: 'count' }] },
    });
    const reportToken = await issue('report', report.json().id);
    expect((await printView(reportToken.token)).statusCode).toBe(401);
    // …and a dashboard's token opens no report.
    const dashboardToken = await issue('dashboard');
    expect((await call('POST', '/reports/print-view', { token: dashboardToken.token }, '')).statusCode).toBe(
      401,
    );
    expect((await printView((await issue('dashboard', dashboardId, -1000)).token)).statusCode).toBe(401);
    const revoked = await issue('dashboard');
    await revoked.revoke();
    expect((await printView(revoked.token)).statusCode).toBe(401);
    const live = await issue('dashboard');
    const forged = `${other.workspaceId}.${live.token.split('.')[1]}`;
    for (const value of [
      forged,
      '',
      'x',
      `${admin.workspaceId}.\u0000`,
      '\ud800',
      'a'.repeat(200),
      7,
      null,
    ]) {
      const res = await printView(value);
      expect(res.statusCode, String(value)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await printView('a'.repeat(201))).statusCode).toBe(400);
    expect((await printView(live.token)).statusCode).toBe(200);
  });

  it('refuses bad dashboard exports, others’ dashboards and others’ exports', async () => {
    for (const body of [{}, { format: 'csv' }, { format: 'pdf', extra: 1 }, { format: '\u0000' }, null])
      expect((await call('POST', `/dashboards/${dashboardId}/exports`, body)).statusCode).toBe(400);
    expect((await call('POST', '/dashboards/home/exports', { format: 'pdf' })).statusCode).toBe(400);
    // Not an id, a NUL, a lone surrogate's bytes, nobody's id.
    for (const id of ['not-an-id', '%00', '%ED%A0%80', '00000000-0000-4000-8000-000000000000'])
      expect([400, 404], id).toContain(
        (await call('POST', `/dashboards/${id}/exports`, { format: 'pdf' })).statusCode,
      );
    // Another workspace's person: not their dashboard, not their export.
    expect(
      (await call('POST', `/dashboards/${dashboardId}/exports`, { format: 'pdf' }, other.cookie)).statusCode,
    ).toBe(404);
    const queued = await call('POST', `/dashboards/${dashboardId}/exports`, { format: 'pdf' });
    const id = queued.json().id as string;
    for (const url of [
      `/dashboards/${dashboardId}/exports/${id}`,
      `/dashboards/${dashboardId}/exports/${id}/file`,
    ])
      expect((await call('GET', url, undefined, other.cookie)).statusCode).toBe(404);
    // A dashboard's export is not found under a report's routes, nor under another dashboard's id.
    expect((await call('GET', `/reports/${dashboardId}/exports/${id}`)).statusCode).toBe(404);
    // Not done yet: no file.
    expect((await call('GET', `/dashboards/${dashboardId}/exports/${id}/file`)).statusCode).toBe(404);
    // Deleting the dashboard removes its exports.
    const copy = await call('POST', '/dashboards', { name: 'Copy', layout: [] });
    const copied = await call('POST', `/dashboards/${copy.json().id}/exports`, { format: 'pdf' });
    expect(copied.statusCode, copied.body).toBe(202);
    expect((await call('DELETE', `/dashboards/${copy.json().id}`)).statusCode).toBe(204);
    expect((await call('GET', `/dashboards/${copy.json().id}/exports/${copied.json().id}`)).statusCode).toBe(
      404,
    );
  });
});
