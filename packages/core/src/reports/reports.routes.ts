import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendAttachment } from '../http/attachment.ts';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { reportDefinitionSchema } from './report-definition.ts';
import { runReport } from './run-report.ts';
import {
  createSavedReport,
  deleteSavedReport,
  exportSavedReport,
  getSavedReport,
  listSavedReports,
  runSavedReport,
  updateSavedReport,
} from './saved-reports.service.ts';

const tags = ['reports'];
const auth = { auth: 'required' } as const;
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  503: problemSchema,
};

const idParams = z.object({ id: z.string().max(64) });
const shareSchema = z
  .object({ kind: z.enum(['user', 'team', 'role']), id: z.string().max(64) })
  .strict()
  .describe('A person (user id), a team (team id) or a role (role id) the report is shared with.');
const savedReportSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    ownerId: z.string().nullable(),
    definition: z.record(z.string(), z.unknown()),
    shares: z.array(z.object({ kind: z.enum(['user', 'team', 'role']), id: z.string() })),
    editable: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'SavedReport' });
const description = text(2000).nullable().optional();

export const reportResultSchema = z
  .object({
    object: z.string(),
    calendar: z.string(),
    timeZone: z.string(),
    dimensions: z.array(
      z.object({
        field: z.string(),
        type: z.string(),
        bucket: z.string().nullable(),
        weekStart: z.string().nullable(),
        step: z.number().nullable().describe('For a number grouped into ranges: their width.'),
        by: z
          .enum(['team'])
          .nullable()
          .describe(
            'team: a person field grouped by that person’s teams (keys are team ids; null: no team).',
          ),
        since: z
          .string()
          .nullable()
          .describe(
            'The date field periods are counted from: keys are how many `bucket` periods later the field falls (0, 1, 2…).',
          ),
      }),
    ),
    measures: z.array(
      z.object({
        fn: z.string(),
        field: z.string().nullable(),
        type: z.string().nullable().describe('number for days between dates and for a formula.'),
        since: z
          .string()
          .optional()
          .describe('Days (or hours, `unit`) counted from this date field to `field`.'),
        unit: z.enum(['days', 'hours']).optional(),
        expression: z.string().optional().describe('A formula’s expression over m0…m9.'),
        label: z.string().optional().describe('The name the definition gave the measure.'),
      }),
    ),
    buckets: z
      .array(
        z.object({
          key: z.string().describe('The bucket’s first day (YYYY-MM-DD), as the rows’ key names it.'),
          from: z.string().describe('First civil day of the bucket.'),
          to: z.string().describe('Last civil day of the bucket (inclusive).'),
          year: z.number().int().nullable(),
          period: z.number().int().nullable(),
        }),
      )
      .describe('Every bucket of the date dimension in order, empty ones included.'),
    rows: z.array(
      z.object({
        keys: z.array(z.string().nullable()),
        others: z.array(z.boolean()),
        currency: z.string().nullable().optional(),
        values: z.array(z.union([z.number(), z.string(), z.null()])),
        unconverted: z
          .number()
          .int()
          .optional()
          .describe('Records whose money had no exchange rate on their day; their money measures are null.'),
      }),
    ),
    currency: z
      .string()
      .nullable()
      .describe('The workspace’s currency when money measures were converted into it.'),
    labels: z
      .record(z.string(), z.string().nullable())
      .describe(
        'Names of the keys that are ids: related records’ titles as the viewer may see them, and team names (for a viewer with members.read).',
      ),
    truncated: z.boolean(),
    fiscal: z
      .object({ calendar: z.string(), startMonth: z.number().int() })
      .nullable()
      .describe(
        'The workspace’s fiscal year (its calendar and first month) when a dimension is bucketed by fiscal quarter or year.',
      ),
  })
  .meta({ id: 'ReportResult' });

/** Reports: run a definition; saved reports (created, shared, run as the viewer). */
export const reportsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.post(
    '/reports/run',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Run a report definition as the caller (grouped, in their calendar and time zone)',
        body: reportDefinitionSchema,
        response: { 200: reportResultSchema, ...problems },
      },
    },
    async (request) => runReport(contextOf(db, request), request.body),
  );
  app.get(
    '/reports',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'Saved reports the caller may run (own, or shared with them, a team of theirs or their role)',
        querystring: z.object({
          after: z.string().max(1000).optional().describe('`nextCursor` of the previous page.'),
          limit: z.coerce.number().int().min(1).max(200).optional(),
        }),
        response: {
          200: z.object({ data: z.array(savedReportSchema), nextCursor: z.string().nullable() }),
          ...problems,
        },
      },
    },
    async (request) => listSavedReports(contextOf(db, request), request.query),
  );
  app.post(
    '/reports',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Save a report (checked against the caller’s role) and share it',
        body: z
          .object({
            name: text(200),
            description,
            definition: reportDefinitionSchema,
            shares: z.array(shareSchema).max(200).optional(),
          })
          .strict(),
        response: { 201: savedReportSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createSavedReport(contextOf(db, request), request.body)),
  );
  app.get(
    '/reports/:id',
    {
      config: auth,
      schema: {
        tags,
        summary: 'One saved report the caller may run',
        params: idParams,
        response: { 200: savedReportSchema, ...problems },
      },
    },
    async (request) => getSavedReport(contextOf(db, request), request.params.id),
  );
  app.patch(
    '/reports/:id',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Change a saved report (its owner, or reports.manage)',
        params: idParams,
        body: z
          .object({
            name: text(200).optional(),
            description,
            definition: reportDefinitionSchema.optional(),
            shares: z.array(shareSchema).max(200).optional(),
          })
          .strict(),
        response: { 200: savedReportSchema, ...problems },
      },
    },
    async (request) => updateSavedReport(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/reports/:id',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Delete a saved report (its owner, or reports.manage)',
        params: idParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteSavedReport(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/reports/:id/run',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Run a saved report as the caller (their role’s rules, not the owner’s)',
        params: idParams,
        body: reportDefinitionSchema
          .pick({ range: true, calendar: true, timeZone: true, filter: true })
          .strict()
          .nullish()
          .describe(
            'For this run only: a range, calendar or time zone replacing the saved one; a filter narrowing it.',
          ),
        response: {
          200: z.object({ report: savedReportSchema, result: reportResultSchema }),
          ...problems,
        },
      },
    },
    async (request) => runSavedReport(contextOf(db, request), request.params.id, request.body ?? {}),
  );
  app.get(
    '/reports/:id/export.:format',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'A saved report run as the caller, as CSV (UTF-8 with a byte-order mark) or XLSX (right to left in ar/fa); formulas neutralised',
        params: idParams.extend({ format: z.enum(['csv', 'xlsx']) }),
        produces: ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      },
    },
    async (request, reply) => {
      const file = await exportSavedReport(contextOf(db, request), request.params.id, request.params.format);
      return sendAttachment(reply, { file: file.body, filename: file.filename, contentType: file.type });
    },
  );
};
