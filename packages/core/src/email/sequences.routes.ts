import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import {
  deleteSequence,
  enrol,
  listEnrolments,
  listSequences,
  saveSequence,
  stopEnrolment,
} from './sequences.service.ts';

const tags = ['email'];
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const idParams = z.object({ id: z.string().max(64) });
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Must be HH:MM.');
const step = z
  .object({
    templateId: z.string().max(64),
    delayDays: z.number().int().min(0).max(365).describe('Business days after the previous step.'),
    asReply: z.boolean().default(true).describe('Sent as a reply in the thread of the previous step.'),
  })
  .strict();
const settings = z
  .object({
    window: z.object({ start: hhmm, end: hhmm }).strict().optional(),
    timeZone: z.string().max(64).optional(),
    weekend: z.enum(['fri', 'thu-fri', 'fri-sat', 'sat-sun']).optional(),
    dailyCap: z.number().int().min(1).max(10_000).optional(),
    stopOnCompanyReply: z.boolean().optional(),
  })
  .strict();
const body = z
  .object({
    name: z.string().trim().min(1).max(200),
    steps: z.array(step).min(1).max(30),
    settings: settings.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
const sequenceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    steps: z.array(z.object({ templateId: z.string(), delayDays: z.number(), asReply: z.boolean() })),
    settings,
    enabled: z.boolean(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'EmailSequence' });
const enrolmentSchema = z
  .object({
    id: z.string(),
    sequenceId: z.string(),
    personId: z.string(),
    dealId: z.string().nullable(),
    mailboxId: z.string(),
    status: z.enum(['active', 'sending', 'finished', 'stopped']),
    stopReason: z.string().nullable(),
    step: z.number(),
    nextAt: z.string().nullable(),
    pausedUntil: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'EmailEnrolment' });

/** Sequences: steps of templates sent over business days, and the people enrolled in them. */
export const emailSequencesRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/email/sequences',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'The workspace’s sequences',
        response: { 200: z.object({ data: z.array(sequenceSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listSequences(contextOf(db, request)) }),
  );
  app.post(
    '/email/sequences',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Create a sequence',
        description:
          'Each step sends a template after a delay in business days (weekends per the sequence, else the workspace’s country), inside a local send window (default 09:00–17:00), at most `dailyCap` a day per mailbox. An enrolment stops on a reply (from the person, or anyone at their company with `stopOnCompanyReply`), a hard bounce, an unsubscribe, its deal closing, or by hand; an auto-reply holds it three days.',
        body,
        response: { 201: sequenceSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await saveSequence(contextOf(db, request), undefined, request.body)),
  );
  app.put(
    '/email/sequences/:id',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Replace a sequence',
        params: idParams,
        body,
        response: { 200: sequenceSchema, ...problems },
      },
    },
    async (request) => saveSequence(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/email/sequences/:id',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Delete a sequence and stop its enrolments',
        params: idParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteSequence(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/email/sequences/:id/enrol',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Enrol people (one active enrolment a person and sequence)',
        params: idParams,
        body: z
          .object({
            personIds: z.array(z.string().max(64)).min(1).max(1000),
            mailboxId: z.string().max(64),
            dealId: z.string().max(64).optional(),
          })
          .strict(),
        response: {
          200: z.object({
            enrolled: z.array(enrolmentSchema),
            skipped: z.array(z.object({ personId: z.string(), reason: z.string() })),
          }),
          409: problemSchema,
          ...problems,
        },
      },
    },
    async (request) => enrol(contextOf(db, request), request.params.id, request.body),
  );
  app.get(
    '/email/sequences/:id/enrolments',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Enrolments of people the caller may read, newest first',
        params: idParams,
        response: { 200: z.object({ data: z.array(enrolmentSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listEnrolments(contextOf(db, request), request.params.id) }),
  );
  app.post(
    '/email/enrolments/:id/stop',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Stop an enrolment by hand',
        params: idParams,
        response: { 200: enrolmentSchema, ...problems },
      },
    },
    async (request) => stopEnrolment(contextOf(db, request), request.params.id),
  );
};
