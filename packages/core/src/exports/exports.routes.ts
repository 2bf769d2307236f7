import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, recordSecurityEvent } from '../audit/audit.service.ts';
import { AppError } from '../errors/app-error.ts';
import { contextOf, type RouteDeps } from '../http/route-kit.ts';
import { EXPORT_FORMATS, exportRecords, toCsv, toIcs, toVcf, toXlsx } from './exports.service.ts';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function parseFilter(value: string | undefined): unknown {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new AppError('validation_failed', 'filter must be JSON.', {
      errors: [{ field: 'querystring.filter', message: 'Must be JSON.' }],
    });
  }
}

/** Exports: any object's records, filtered, as CSV or XLSX, streamed with no cap. */
export const exportsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/objects/:object/export',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['exports'],
        summary: 'Export records as CSV or XLSX, people as vCard, meetings and tasks as iCalendar (streamed)',
        params: z.object({ object: z.string().max(63) }),
        querystring: z.object({
          format: z.enum(EXPORT_FORMATS).default('csv'),
          filter: z.string().max(20_000).optional(),
          fields: z.string().max(4000).optional(),
        }),
        produces: ['text/csv', XLSX_TYPE, 'text/vcard', 'text/calendar'],
      },
    },
    async (request, reply) => {
      const { object } = request.params;
      const fields = request.query.fields
        ?.split(',')
        .map((f) => f.trim())
        .filter(Boolean);
      const format = request.query.format;
      if (format === 'vcf' && object !== 'people')
        throw new AppError('validation_failed', 'vCard export is for people.', {
          errors: [{ field: 'querystring.format', message: 'vcf is only for people.' }],
        });
      if (format === 'ics' && object !== 'activities' && object !== 'tasks')
        throw new AppError('validation_failed', 'iCalendar export is for meetings (activities) and tasks.', {
          errors: [{ field: 'querystring.format', message: 'ics is only for activities and tasks.' }],
        });
      const userFilter = parseFilter(request.query.filter);
      // Of activities, iCalendar carries the meetings.
      const filter =
        format === 'ics' && object === 'activities'
          ? { and: [{ field: 'type', op: 'eq', value: 'meeting' }, ...(userFilter ? [userFilter] : [])] }
          : userFilter;
      const ctx = contextOf(db, request);
      const { fields: columns, pages } = await exportRecords(ctx, object, {
        filter,
        fields: format === 'vcf' || format === 'ics' ? undefined : fields,
      });
      await recordSecurityEvent(db, {
        ...actorOf(ctx),
        kind: 'records.exported',
        subject: object,
        details: { format, fields: columns.map((f) => f.key), ...(filter ? { filter } : {}) },
      });
      const stamp = new Date().toISOString().slice(0, 10);
      if (format === 'vcf') {
        return reply
          .type('text/vcard; charset=utf-8')
          .header('content-disposition', `attachment; filename="${object}-${stamp}.vcf"`)
          .send(toVcf(ctx, pages));
      }
      if (format === 'ics') {
        return reply
          .type('text/calendar; charset=utf-8')
          .header('content-disposition', `attachment; filename="${object}-${stamp}.ics"`)
          .send(toIcs(object as 'activities' | 'tasks', pages));
      }
      if (format === 'xlsx') {
        return reply
          .type(XLSX_TYPE)
          .header('content-disposition', `attachment; filename="${object}-${stamp}.xlsx"`)
          .send(toXlsx(columns, pages, object));
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${object}-${stamp}.csv"`)
        .send(toCsv(columns, pages));
    },
  );
};
