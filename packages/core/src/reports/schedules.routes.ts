import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { recurrenceSchema } from './schedule-recurrence.ts';
import {
  createSchedule,
  deleteSchedule,
  listSchedules,
  MAX_FAILED_SENDS,
  resumeSchedule,
  scheduleInputSchema,
  updateSchedule,
} from './schedules.service.ts';

const tags = ['reports'];
const auth = { auth: 'required' } as const;
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const idParams = z.object({ id: z.string().max(64) });
const scheduleParams = idParams.extend({ scheduleId: z.string().max(64) });

const scheduleSchema = z
  .object({
    id: z.string(),
    reportId: z.string(),
    ownerId: z.string(),
    mailboxId: z.string(),
    format: z.enum(['pdf', 'xlsx', 'csv']),
    recurrence: recurrenceSchema,
    memberIds: z.array(z.string()),
    addresses: z.array(z.string()),
    enabled: z.boolean(),
    nextRunAt: z.string().nullable(),
    lastRunAt: z.string().nullable(),
    lastError: z.string().nullable(),
    failures: z.number().int().describe('Sends that failed in a row (0 after one that went out).'),
    paused: z
      .object({ at: z.string(), reason: z.string().nullable() })
      .nullable()
      .describe(
        `Set when the schedule paused itself after ${MAX_FAILED_SENDS} failed sends in a row: when, and the last error. Resume it (or change it) to send again.`,
      ),
  })
  .meta({ id: 'ReportSchedule' });

/** Scheduled reports by email: a saved report sent on a recurrence in its owner's calendar and time zone. */
export const reportScheduleRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/reports/:id/schedules',
    {
      config: auth,
      schema: {
        tags,
        summary: 'The caller’s schedules of a saved report (everyone’s for reports.manage)',
        params: idParams,
        response: { 200: z.object({ data: z.array(scheduleSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listSchedules(contextOf(db, request), request.params.id) }),
  );
  app.post(
    '/reports/:id/schedules',
    {
      config: { ...auth, sessionOnly: true },
      schema: {
        tags,
        summary:
          'Send a saved report by email on a recurrence (run as the caller at each run; the chart in the body, the file attached)',
        params: idParams,
        body: scheduleInputSchema,
        response: { 201: scheduleSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createSchedule(contextOf(db, request), request.params.id, request.body)),
  );
  app.put(
    '/reports/:id/schedules/:scheduleId',
    {
      config: { ...auth, sessionOnly: true },
      schema: {
        tags,
        summary: 'Change a schedule (its owner, or reports.manage); its next run moves with it',
        params: scheduleParams,
        body: scheduleInputSchema,
        response: { 200: scheduleSchema, ...problems },
      },
    },
    async (request) =>
      updateSchedule(contextOf(db, request), request.params.id, request.params.scheduleId, request.body),
  );
  app.post(
    '/reports/:id/schedules/:scheduleId/resume',
    {
      config: { ...auth, sessionOnly: true },
      schema: {
        tags,
        summary:
          'Resume a schedule that paused itself after failed sends (its owner, or reports.manage): its count of failures back to 0, its next run queued',
        params: scheduleParams,
        response: { 200: scheduleSchema, ...problems },
      },
    },
    async (request) => resumeSchedule(contextOf(db, request), request.params.id, request.params.scheduleId),
  );
  app.delete(
    '/reports/:id/schedules/:scheduleId',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Remove a schedule and its queued run (its owner, or reports.manage)',
        params: scheduleParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteSchedule(contextOf(db, request), request.params.id, request.params.scheduleId);
      return reply.code(204).send(null);
    },
  );
};
