import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendAttachment } from '../http/attachment.ts';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import {
  dashboardExportFile,
  type ExportView,
  getDashboardExport,
  getReportExport,
  PDF_TYPE,
  reportExportFile,
  requestDashboardExport,
  requestReportExport,
} from './export.service.ts';
import { dashboardPrintBundle, reportPrintBundle } from './pdf-print.ts';
import { reportResultSchema } from './reports.routes.ts';

const tags = ['reports'];
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  429: problemSchema,
};
const idParams = z.object({ id: z.string().max(64) });
const exportParams = idParams.extend({ exportId: z.string().max(64) });

const exportSchema = z
  .object({
    id: z.string(),
    reportId: z.string(),
    format: z.enum(['pdf', 'xlsx', 'csv']),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    error: z.string().nullable(),
    download: z.string().nullable().describe('Where the file is fetched once the export is done.'),
    size: z.number().int().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    expiresAt: z.string().describe('When the export and its file are removed.'),
  })
  .meta({ id: 'ReportExport' });

const printBundleSchema = z
  .object({
    report: z.object({
      id: z.string(),
      name: z.string(),
      description: z.string().nullable(),
      definition: z.record(z.string(), z.unknown()),
    }),
    result: reportResultSchema,
    viewer: z.object({
      name: z.string(),
      locale: z.string(),
      calendar: z.string(),
      digits: z.string(),
      timeZone: z.string(),
    }),
    object: z.record(z.string(), z.unknown()).nullable(),
    members: z.array(z.object({ userId: z.string(), name: z.string() })),
    generatedAt: z.string(),
  })
  .meta({ id: 'ReportPrintBundle' });

const dashboardExportSchema = z
  .object({
    id: z.string(),
    dashboardId: z.string(),
    format: z.enum(['pdf']),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    error: z.string().nullable(),
    download: z.string().nullable().describe('Where the PDF is fetched once the export is done.'),
    size: z.number().int().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    expiresAt: z.string().describe('When the export and its file are removed.'),
  })
  .meta({ id: 'DashboardExport' });

const dashboardPrintBundleSchema = z
  .object({
    dashboard: z
      .record(z.string(), z.unknown())
      .describe('The dashboard, as `GET /dashboards/{id}` answers.'),
    runs: z
      .array(z.record(z.string(), z.unknown()))
      .describe(
        'Each widget’s run, as `POST /dashboards/{id}/widgets/{widgetId}/run` answers with its filters.',
      ),
    viewer: printBundleSchema.shape.viewer,
    objects: z
      .array(z.record(z.string(), z.unknown()))
      .describe('The objects as the viewer sees them, as `GET /metadata/objects` answers.'),
    members: z.array(z.object({ userId: z.string(), name: z.string() })),
    linked: z
      .array(z.object({ object: z.string(), id: z.string(), record: z.record(z.string(), z.unknown()) }))
      .describe(
        'Records the list widgets link to, with their title fields only, as the viewer may read them.',
      ),
    generatedAt: z.string(),
  })
  .meta({ id: 'DashboardPrintBundle' });

/** An export of a report, as its routes show it. */
const ofReport = (v: ExportView) => ({ ...v, reportId: v.reportId ?? '' });
/** An export of a dashboard (always a PDF), as its routes show it. */
const ofDashboard = (v: ExportView) => ({ ...v, dashboardId: v.dashboardId ?? '', format: 'pdf' as const });

/** Report exports in the background (PDF by the server's browser, spreadsheets), and the print view's data. */
export const reportExportRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.post(
    '/reports/:id/exports',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary:
          'Export a saved report as the caller, in the background: a PDF of its print view (rendered by the server’s browser), or XLSX/CSV',
        params: idParams,
        body: z.object({ format: z.enum(['pdf', 'xlsx', 'csv']) }).strict(),
        response: { 202: exportSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(
          ofReport(await requestReportExport(contextOf(db, request), request.params.id, request.body.format)),
        ),
  );
  app.get(
    '/reports/:id/exports/:exportId',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary:
          'One of the caller’s exports of the report: queued, running, done (with its download) or failed',
        params: exportParams,
        response: { 200: exportSchema, ...problems },
      },
    },
    async (request) =>
      ofReport(await getReportExport(contextOf(db, request), request.params.id, request.params.exportId)),
  );
  app.get(
    '/reports/:id/exports/:exportId/file',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'The file of one of the caller’s finished exports (until it expires)',
        params: exportParams,
        produces: [PDF_TYPE, 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      },
    },
    async (request, reply) => {
      const file = await reportExportFile(contextOf(db, request), request.params.id, request.params.exportId);
      return sendAttachment(reply, file);
    },
  );
  app.post(
    '/reports/print-view',
    {
      // The token is the credential: single use, a minute long, one report as one person (see pdf-print.ts).
      config: { auth: 'public' },
      schema: {
        tags,
        summary:
          'What a report’s print view draws, for the server’s browser: spends a single-use print token (never a session)',
        body: z.object({ token: z.string().max(200) }).strict(),
        response: { 200: printBundleSchema, ...problems },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return reportPrintBundle(db, request.body.token);
    },
  );
  app.post(
    '/dashboards/:id/exports',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary:
          'Export a dashboard as the caller, as a PDF of its print view rendered by the server’s browser, in the background',
        params: idParams,
        body: z.object({ format: z.enum(['pdf']) }).strict(),
        response: { 202: dashboardExportSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(
          ofDashboard(
            await requestDashboardExport(contextOf(db, request), request.params.id, request.body.format),
          ),
        ),
  );
  app.get(
    '/dashboards/:id/exports/:exportId',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary:
          'One of the caller’s exports of the dashboard: queued, running, done (with its download) or failed',
        params: exportParams,
        response: { 200: dashboardExportSchema, ...problems },
      },
    },
    async (request) =>
      ofDashboard(
        await getDashboardExport(contextOf(db, request), request.params.id, request.params.exportId),
      ),
  );
  app.get(
    '/dashboards/:id/exports/:exportId/file',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'The PDF of one of the caller’s finished exports of the dashboard (until it expires)',
        params: exportParams,
        produces: [PDF_TYPE],
      },
    },
    async (request, reply) => {
      const file = await dashboardExportFile(
        contextOf(db, request),
        request.params.id,
        request.params.exportId,
      );
      return sendAttachment(reply, file);
    },
  );
  app.post(
    '/dashboards/print-view',
    {
      // As the report's: the token is the credential, single use, a minute long, one dashboard as one person.
      config: { auth: 'public' },
      schema: {
        tags,
        summary:
          'What a dashboard’s print view draws, for the server’s browser: spends a single-use print token (never a session)',
        body: z.object({ token: z.string().max(200) }).strict(),
        response: { 200: dashboardPrintBundleSchema, ...problems },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const bundle = await dashboardPrintBundle(db, request.body.token);
      return { ...bundle, dashboard: { ...bundle.dashboard }, runs: bundle.runs.map((r) => ({ ...r })) };
    },
  );
};
