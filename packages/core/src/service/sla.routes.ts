import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { calendarDefinitionBody, calendarSchema, generatedHoliday } from './calendar.schemas.ts';
import {
  createCalendar,
  createPolicy,
  deleteCalendar,
  deletePolicy,
  generateCalendarHolidays,
  getCalendar,
  getCalendars,
  getPolicies,
  getPolicy,
  getTicketSla,
  importCalendarHolidays,
  MAX_TARGET_MINUTES,
  updateCalendar,
  updatePolicy,
} from './sla.service.ts';
import { SLA_METRICS } from './sla-clocks.ts';

const tags = ['service'];
const read = { auth: 'required' } as const;
const manage = { auth: 'required', permission: 'service.sla.manage' } as const;
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
const params = z.object({ id: z.uuid() });
const iso = z.string().nullable();

const minutes = z.number().int().min(0).max(MAX_TARGET_MINUTES);
const targets = z
  .record(
    z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9_]+$/, 'A priority value, such as urgent.'),
    z
      .object({
        first_response: minutes.optional(),
        next_response: minutes.optional(),
        resolution: minutes.optional(),
      })
      .strict(),
  )
  .refine((t) => Object.keys(t).length <= 20, 'At most 20 priorities.')
  .describe('Minutes per ticket priority and metric (first_response, next_response, resolution).');
const warn = z
  .object({
    percent: z.number().int().min(1).max(99).optional(),
    minutes: z.number().int().min(1).max(MAX_TARGET_MINUTES).optional(),
  })
  .strict()
  .describe('Warn once this percentage of the target is used, or this many minutes before the deadline.');
const condition = z
  .record(z.string(), z.unknown())
  .nullable()
  .describe('A filter tree on the ticket (the lists’ filter language); null for every ticket.');
const policySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    position: z.number().int(),
    enabled: z.boolean(),
    condition: z.unknown(),
    calendarId: z.string().nullable(),
    businessTime: z.boolean(),
    targets: z.record(z.string(), z.record(z.string(), z.number())),
    pauseStatuses: z.array(z.string()),
    warn: z.object({ percent: z.number().optional(), minutes: z.number().optional() }),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'SlaPolicy' });
const policyBody = {
  name: text(200),
  enabled: z.boolean().optional(),
  condition: condition.optional(),
  calendarId: z.uuid().nullable().optional(),
  businessTime: z.boolean().optional(),
  targets,
  pauseStatuses: z.array(z.string().max(64)).max(20).optional(),
  warn: warn.optional(),
};
const clockSchema = z
  .object({
    metric: z.enum(SLA_METRICS as [string, ...string[]]),
    policyId: z.string(),
    state: z.enum(['running', 'paused', 'met', 'stopped', 'cancelled']),
    consumedMs: z.number(),
    targetMs: z.number(),
    remainingMs: z
      .number()
      .nullable()
      .describe('Target minus consumed (business time when the policy says so).'),
    deadline: iso,
    warnAt: iso,
    warnedAt: iso,
    breachedAt: iso,
    breachReason: z.enum(['deadline', 'targetLowered']).nullable(),
    metAt: iso,
    cycle: z.number().int(),
  })
  .meta({ id: 'SlaClock' });

const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'A date is YYYY-MM-DD.');
const span = z
  .union([z.number().int().min(1900).max(2200), z.object({ from: localDate, to: localDate }).strict()])
  .describe('A Gregorian year, or local dates from and to (both included), at most about ten years.');
const days = z.number().int().min(0).max(10);
const holidayChoice = z
  .object({
    nowruz: z.boolean().optional(),
    islamicRepublicDay: z.boolean().optional(),
    sizdahBedar: z.boolean().optional(),
    eidAlFitrDays: days.optional(),
    arafat: z.boolean().optional(),
    eidAlAdhaDays: days.optional(),
    islamicNewYear: z.boolean().optional(),
    tasua: z.boolean().optional(),
    ashura: z.boolean().optional(),
    mawlid: z.union([z.literal(12), z.literal(17), z.literal(false)]).optional(),
  })
  .strict()
  .describe(
    'Which holidays to generate; each is off unless chosen. Hijri days are estimated (moon sighting).',
  );

const isoOf = (d: Date | null) => d?.toISOString() ?? null;

/** Business calendars, SLA policies, and a ticket's SLA clocks. */
export const slaRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/service/calendars',
    {
      config: read,
      schema: {
        tags,
        summary: 'Business calendars',
        response: { 200: z.object({ data: z.array(calendarSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await getCalendars(contextOf(db, request)) }),
  );
  app.get(
    '/service/calendars/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'A business calendar',
        params,
        response: { 200: calendarSchema, ...problems },
      },
    },
    async (request) => getCalendar(contextOf(db, request), request.params.id),
  );
  app.post(
    '/service/calendars',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add a business calendar',
        body: z.object({ name: text(200), definition: calendarDefinitionBody }).strict(),
        response: { 201: calendarSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createCalendar(contextOf(db, request), request.body)),
  );
  app.patch(
    '/service/calendars/:id',
    {
      config: manage,
      schema: {
        tags,
        summary:
          'Change a business calendar (open deadlines of its policies’ tickets move; consumed time stays)',
        params,
        body: z
          .object({ name: text(200).optional(), definition: calendarDefinitionBody.optional() })
          .strict(),
        response: { 200: calendarSchema, ...problems },
      },
    },
    async (request) => updateCalendar(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/service/calendars/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Remove a business calendar no policy uses',
        params,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteCalendar(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/service/calendars/:id/holidays/generate',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add generated Jalali and Hijri holidays (Nowruz, Eids, Ashura, …) to a calendar',
        params,
        body: z.object({ span, choice: holidayChoice }).strict(),
        response: {
          200: z.object({ calendar: calendarSchema, holidays: z.array(generatedHoliday) }),
          ...problems,
        },
      },
    },
    async (request) => generateCalendarHolidays(contextOf(db, request), request.params.id, request.body),
  );
  app.post(
    '/service/calendars/:id/holidays/import',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add the all-day events of an iCalendar file within a span to a calendar’s holidays',
        params,
        body: z.object({ ics: z.string().max(1_048_576), from: localDate, to: localDate }).strict(),
        response: {
          200: z.object({
            calendar: calendarSchema,
            holidays: z.array(z.object({ date: z.string(), name: z.string() })),
            skipped: z.number().int(),
          }),
          ...problems,
        },
      },
    },
    async (request) => importCalendarHolidays(contextOf(db, request), request.params.id, request.body),
  );

  app.get(
    '/service/sla-policies',
    {
      config: read,
      schema: {
        tags,
        summary: 'SLA policies, in the order tickets are matched against them',
        response: { 200: z.object({ data: z.array(policySchema) }), ...problems },
      },
    },
    async (request) => ({ data: await getPolicies(contextOf(db, request)) }),
  );
  app.get(
    '/service/sla-policies/:id',
    {
      config: read,
      schema: { tags, summary: 'An SLA policy', params, response: { 200: policySchema, ...problems } },
    },
    async (request) => getPolicy(contextOf(db, request), request.params.id),
  );
  app.post(
    '/service/sla-policies',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add an SLA policy (matched after the others)',
        body: z.object(policyBody).strict(),
        response: { 201: policySchema, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createPolicy(contextOf(db, request), request.body)),
  );
  app.patch(
    '/service/sla-policies/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Change an SLA policy: a new version, applied to its tickets with their consumed time',
        params,
        body: z
          .object({
            ...policyBody,
            name: text(200).optional(),
            targets: targets.optional(),
            position: z.number().int().min(0).max(1_000_000).optional(),
          })
          .strict(),
        response: { 200: policySchema, ...problems },
      },
    },
    async (request) => updatePolicy(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/service/sla-policies/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Remove an SLA policy (its tickets’ clocks are cancelled)',
        params,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deletePolicy(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/tickets/:id/sla',
    {
      config: read,
      schema: {
        tags,
        summary: "A ticket's SLA clocks as of now, with the time left on each",
        params,
        response: {
          200: z.object({ status: z.string(), dueAt: iso, clocks: z.array(clockSchema) }),
          ...problems,
        },
      },
    },
    async (request) => {
      const sla = await getTicketSla(contextOf(db, request), request.params.id);
      return {
        ...sla,
        clocks: sla.clocks.map((c) => ({
          ...c,
          deadline: isoOf(c.deadline),
          warnAt: isoOf(c.warnAt),
          warnedAt: isoOf(c.warnedAt),
          breachedAt: isoOf(c.breachedAt),
          metAt: isoOf(c.metAt),
        })),
      };
    },
  );
};
