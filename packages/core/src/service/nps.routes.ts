import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, text, unstorableText } from '../http/route-kit.ts';
import {
  answerNps,
  createNpsCampaign,
  getNpsSettings,
  listNpsCampaigns,
  npsPage,
  npsReport,
  personNps,
  putNpsSettings,
  stopNpsCampaign,
} from './nps.service.ts';
import { surveyPages } from './survey-page.ts';

const tags = ['service'];
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const iso = z.string().nullable();
const settingsSchema = z
  .object({
    transactionalEnabled: z.boolean(),
    transactionalDelayMinutes: z.number().int().min(0).max(10_080),
    relationshipThrottleMonths: z.number().int().min(0).max(24),
    transactionalThrottleDays: z.number().int().min(0).max(365),
    expiryDays: z.number().int().min(1).max(90),
  })
  .meta({ id: 'NpsSettings' });

/** The first text in a JSON value PostgreSQL cannot store (a NUL, a lone surrogate), anywhere in it. */
function unstorableIn(value: unknown, depth = 0): string | undefined {
  if (depth > 20) return 'Nested too deep.';
  if (typeof value === 'string') return unstorableText(value);
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = unstorableIn(item, depth + 1);
      if (problem) return problem;
    }
  } else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      const problem = unstorableText(key) ?? unstorableIn(item, depth + 1);
      if (problem) return problem;
    }
  return undefined;
}

// The record engine's filter tree on people; its shape is checked by the engine when the campaign is made.
const filterSchema = z.unknown().superRefine((value, ctx) => {
  if (value === undefined || value === null) return;
  if (JSON.stringify(value).length > 20_000)
    ctx.addIssue({ code: 'custom', message: 'At most 20,000 characters.' });
  const problem = unstorableIn(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const campaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    filter: z.unknown(),
    ownerUserId: z.string(),
    firstRunAt: z.string(),
    repeatMonths: z.number().int().nullable(),
    nextRunAt: iso,
    active: z.boolean(),
    runs: z.number().int(),
    sent: z.number().int(),
    answered: z.number().int(),
    skipped: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'NpsCampaign' });

const kindReport = z
  .object({
    sent: z.number().int(),
    responses: z.number().int(),
    promoters: z.number().int(),
    passives: z.number().int(),
    detractors: z.number().int(),
    score: z.number().nullable(),
    responseRate: z.number().min(0).max(1).nullable(),
  })
  .meta({ id: 'NpsKindReport' });

/** Net promoter score surveys: settings, relationship campaigns, the report, and a person's answers. */
export const npsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/service/surveys/nps/settings',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Whether resolved tickets get an NPS survey, and how often one person may be surveyed',
        response: { 200: settingsSchema, ...problems },
      },
    },
    async (request) => getNpsSettings(contextOf(db, request)),
  );
  app.put(
    '/service/surveys/nps/settings',
    {
      config: { auth: 'required', permission: 'service.channels.manage' },
      schema: {
        tags,
        summary: 'Transactional NPS on or off, its delay, the throttle windows and how long links work',
        body: settingsSchema.strict(),
        response: { 200: settingsSchema, ...problems },
      },
    },
    async (request) => putNpsSettings(contextOf(db, request), request.body),
  );
  app.get(
    '/service/surveys/nps/campaigns',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Relationship NPS campaigns, newest first, with how their surveys went',
        response: { 200: z.object({ data: z.array(campaignSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listNpsCampaigns(contextOf(db, request)) }),
  );
  app.post(
    '/service/surveys/nps/campaigns',
    {
      config: { auth: 'required', permission: 'service.channels.manage' },
      schema: {
        tags,
        summary: 'Survey the people matching a filter at a time, and again every N months',
        body: z
          .object({
            name: text(200),
            filter: filterSchema.optional(),
            firstRunAt: z.iso.datetime({ offset: true }),
            repeatMonths: z.number().int().min(1).max(24).nullable().optional(),
          })
          .strict(),
        response: { 201: campaignSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createNpsCampaign(contextOf(db, request), request.body)),
  );
  app.delete(
    '/service/surveys/nps/campaigns/:id',
    {
      config: { auth: 'required', permission: 'service.channels.manage' },
      schema: {
        tags,
        summary: 'Stop a campaign: no further runs (surveys already sent can still be answered)',
        params: z.object({ id: z.uuid() }),
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await stopNpsCampaign(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/service/surveys/nps/report',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary:
          'NPS of the surveys sent in a period, per kind: % promoters (9–10) − % detractors (0–6), the counts and the response rate',
        querystring: z.object({
          from: z.iso.datetime({ offset: true }),
          to: z.iso.datetime({ offset: true }),
        }),
        response: {
          200: z
            .object({ from: z.string(), to: z.string(), relationship: kindReport, transactional: kindReport })
            .meta({ id: 'NpsReport' }),
          ...problems,
        },
      },
    },
    async (request) => npsReport(contextOf(db, request), request.query),
  );
  app.get(
    '/people/:id/nps',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'A person’s NPS surveys and answers, newest first',
        params: z.object({ id: z.uuid() }),
        response: {
          200: z.object({
            data: z.array(
              z
                .object({
                  id: z.string(),
                  kind: z.enum(['relationship', 'transactional']),
                  ticketId: z.string().nullable(),
                  status: z.enum(['scheduled', 'sent', 'answered', 'cancelled', 'skipped']),
                  reason: z.string().nullable(),
                  score: z.number().int().nullable(),
                  comment: z.string().nullable(),
                  sendAt: z.string(),
                  sentAt: iso,
                  expiresAt: iso,
                  answeredAt: iso,
                  followUpTaskId: z.string().nullable(),
                })
                .meta({ id: 'PersonNpsSurvey' }),
            ),
          }),
          ...problems,
        },
      },
    },
    async (request) => ({ data: await personNps(contextOf(db, request), request.params.id) }),
  );
};

/** The NPS survey's public page: 0–10, the score from the link chosen; only the form's POST records it. */
export const npsPages = surveyPages({
  path: '/s/nps/*',
  min: 0,
  max: 10,
  page: (db, box, token) => npsPage(db, box, token),
  answer: (db, box, token, answer) => answerNps(db, box, token, answer),
});
