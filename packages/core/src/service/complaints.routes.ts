import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { getCaseSettings, getComplaint, putCaseSettings, putComplaint } from './complaints.service.ts';

const tags = ['service'];
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const list = z.array(text(100)).max(50);
const settingsSchema = z
  .object({
    ackDays: z
      .number()
      .int()
      .min(0)
      .max(365)
      .describe('Acknowledge a complaint within this many calendar days.'),
    responseDays: z
      .number()
      .int()
      .min(0)
      .max(365)
      .describe('Answer a complaint finally within this many days.'),
    timeZone: z.string().min(1).max(64).describe('The IANA time zone whose calendar days count.'),
    categories: list.describe('Complaint categories.'),
    rootCauses: list.describe('Complaint root causes.'),
    reasonCodes: list.describe('Return reason codes (any reason is taken while empty).'),
  })
  .meta({ id: 'CaseSettings' });
const deadlineSchema = z
  .object({
    dueAt: z.string().nullable(),
    doneAt: z.string().nullable(),
    state: z.enum(['pending', 'met', 'breached']).nullable(),
  })
  .meta({ id: 'ComplaintDeadline' });
const detailsSchema = z.object({
  category: text(100).nullable(),
  rootCause: text(100).nullable(),
  compensationAmount: z
    .string()
    .regex(/^\d{1,12}(\.\d{1,2})?$/, 'An amount such as 25 or 25.50.')
    .nullable(),
  compensationCurrency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'A three-letter currency code such as IRR.')
    .nullable(),
  compensationNote: text(2000).nullable(),
});
const complaintSchema = detailsSchema
  .extend({
    ticketId: z.string(),
    isComplaint: z.boolean(),
    category: z.string().nullable(),
    rootCause: z.string().nullable(),
    compensationAmount: z.string().nullable(),
    compensationCurrency: z.string().nullable(),
    compensationNote: z.string().nullable(),
    updatedAt: z.string().nullable(),
    acknowledgement: deadlineSchema.describe('Met by the first public reply.'),
    finalResponse: deadlineSchema.describe('Met by resolving the ticket.'),
  })
  .meta({ id: 'Complaint' });
const params = z.object({ id: z.uuid() });

/** Complaints: the desk's case settings, a ticket's complaint details and deadlines. */
export const complaintsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/service/cases/settings',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary:
          'Complaint categories and root causes, return reason codes, and the complaint deadlines in days',
        response: { 200: settingsSchema, ...problems },
      },
    },
    async (request) => getCaseSettings(contextOf(db, request)),
  );
  app.put(
    '/service/cases/settings',
    {
      config: { auth: 'required', permission: 'service.cases.manage' },
      schema: {
        tags,
        summary: 'Change the case settings (new deadlines apply to complaints opened from now on)',
        body: settingsSchema.strict(),
        response: { 200: settingsSchema, ...problems },
      },
    },
    async (request) => putCaseSettings(contextOf(db, request), request.body),
  );
  app.get(
    '/tickets/:id/complaint',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary:
          'A ticket’s complaint: category, root cause, compensation, and its two deadlines met or breached',
        params,
        response: { 200: complaintSchema, ...problems },
      },
    },
    async (request) => getComplaint(contextOf(db, request), request.params.id),
  );
  app.put(
    '/tickets/:id/complaint',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Set a complaint’s category, root cause and compensation (needs update on tickets)',
        params,
        body: detailsSchema.strict(),
        response: { 200: complaintSchema, 409: problemSchema, ...problems },
      },
    },
    async (request) => putComplaint(contextOf(db, request), request.params.id, request.body),
  );
};
