import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, storableString } from '../http/route-kit.ts';
import { FISCAL_CALENDARS, PERIOD_KINDS } from './fiscal-periods.ts';
import {
  type ForecastView,
  forecastAccuracyReport,
  forecastDeals,
  forecastNumbers,
  forecastVelocity,
} from './forecast.numbers.ts';
import {
  adjustForecast,
  getForecastSettings,
  listPeriods,
  listQuotas,
  listSubmissions,
  MAX_AMOUNT,
  setForecastSettings,
  setQuota,
  submitForecast,
} from './forecast.service.ts';
import { ForecastCache } from './forecast-cache.ts';

const tags = ['sales'];
const auth = { auth: 'required' } as const;
const manage = { auth: 'required', permission: 'sales.forecast.manage' } as const;
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

const periodKey = z
  .string()
  .max(16)
  .regex(/^\d{4}(-(Q[1-4]|M(0[1-9]|1[0-2])))?$/)
  .describe(
    'A fiscal period: `1405` (year), `1405-Q3` (quarter), `1405-M07` (7th month of the fiscal year).',
  );
const amount = z.number().min(0).max(MAX_AMOUNT).describe('In the workspace’s currency.');
const note = storableString().max(2000);
const subjectKind = z.enum(['user', 'team']);
const category = z.enum(['commit', 'bestCase']);

const settingsBody = z.object({
  calendar: z.enum(FISCAL_CALENDARS),
  startMonth: z.number().int().min(1).max(12).describe('The fiscal year’s first month in that calendar.'),
  probability: z
    .enum(['stage', 'history'])
    .describe(
      'Weighted pipeline from the stage’s probability, or from the empirical win rate per stage and rep.',
    ),
});
const settingsSchema = settingsBody.extend({ currency: z.string() }).meta({ id: 'ForecastSettings' });
const periodSchema = z
  .object({
    key: z.string(),
    kind: z.enum(PERIOD_KINDS),
    fiscalYear: z.number().int(),
    number: z.number().int(),
    start: z.string(),
    end: z.string().describe('Exclusive.'),
  })
  .meta({ id: 'FiscalPeriod' });
const adjustmentSchema = z
  .object({
    category,
    amount: z.number().nullable(),
    note: z.string(),
    by: z.string().nullable(),
    at: z.string(),
  })
  .meta({ id: 'ForecastAdjustment' });
const rangeSchema = z.object({ p10: z.number(), p50: z.number(), p90: z.number() });
const rowSchema = z
  .object({
    kind: z.enum(['user', 'team', 'total']),
    id: z.string(),
    name: z.string(),
    parentTeamId: z.string().nullable(),
    closedWon: z.number(),
    commit: z.number().describe('Includes closed won.'),
    bestCase: z.number().describe('Includes commit and closed won.'),
    pipeline: z.number(),
    weightedPipeline: z.number(),
    range: rangeSchema.describe('P10/P50/P90 of closed won plus the open deals won in simulations.'),
    quota: z.number().nullable(),
    attainment: z.number().nullable().describe('closedWon ÷ quota.'),
    adjustment: adjustmentSchema.nullable(),
    adjustments: z.object({ commit: adjustmentSchema.nullable(), bestCase: adjustmentSchema.nullable() }),
    submission: z
      .object({ commit: z.number(), bestCase: z.number(), note: z.string(), at: z.string() })
      .nullable(),
    deals: z.number().int(),
  })
  .meta({ id: 'ForecastRow' });
const missingRateSchema = z.object({ currency: z.string(), date: z.string() });
const submissionSchema = z
  .object({
    id: z.string(),
    period: z.string(),
    userId: z.string(),
    commit: z.number(),
    bestCase: z.number(),
    note: z.string(),
    at: z.string(),
  })
  .meta({ id: 'ForecastSubmission' });
const quotaSchema = z
  .object({ subjectKind, subjectId: z.string(), amount: z.number() })
  .meta({ id: 'ForecastQuota' });
const dealSchema = z
  .object({
    id: z.string(),
    title: z.string().nullable(),
    amount: z.number().nullable(),
    currency: z.string().nullable(),
    amountBase: z.number().nullable(),
    closeDate: z.string(),
    stage: z.string().nullable(),
    stageId: z.string().nullable(),
    forecastCategory: z.string(),
    status: z.enum(['open', 'won']),
    probability: z.number(),
    ownerId: z.string().nullable(),
  })
  .meta({ id: 'ForecastDeal' });

/** The sales forecast: fiscal periods, numbers per person and team, quotas, adjustments, submissions, drill-down. */
export const forecastRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, pool }) => {
  // Computed forecasts are kept until something they are made of changes (see ForecastCache).
  const cache = new ForecastCache<ForecastView>(pool.options);
  app.addHook('onClose', () => cache.close());
  app.get(
    '/sales/forecast/settings',
    {
      config: auth,
      schema: {
        tags,
        summary: 'The forecast’s fiscal calendar, its first month and where probabilities come from',
        response: { 200: settingsSchema, ...problems },
      },
    },
    async (request) => getForecastSettings(contextOf(db, request)),
  );
  app.put(
    '/sales/forecast/settings',
    {
      config: manage,
      schema: {
        tags,
        summary:
          'Set the fiscal calendar (Gregorian, Jalali or Hijri), its first month and the probability source',
        body: settingsBody.strict(),
        response: { 200: settingsSchema, ...problems },
      },
    },
    async (request) => setForecastSettings(contextOf(db, request), request.body),
  );
  app.get(
    '/sales/forecast/periods',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Fiscal periods (years, quarters or months) around a day, and the one holding it',
        querystring: z.object({
          kind: z.enum(PERIOD_KINDS).default('quarter'),
          around: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}$/)
            .optional()
            .describe('YYYY-MM-DD; today by default.'),
          count: z.coerce.number().int().min(1).max(60).optional(),
        }),
        response: {
          200: z.object({ data: z.array(periodSchema), current: z.string() }),
          ...problems,
        },
      },
    },
    async (request) => listPeriods(contextOf(db, request), request.query),
  );
  app.get(
    '/sales/forecast',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'The forecast of a period per person and team: closed won, commit, best case, pipeline, weighted, range, quota',
        querystring: z.object({ period: periodKey, team: z.uuid().optional() }),
        response: {
          200: z.object({
            period: periodSchema,
            currency: z.string(),
            probability: z.enum(['stage', 'history']),
            rows: z.array(rowSchema),
            missingRates: z.array(missingRateSchema),
          }),
          ...problems,
        },
      },
    },
    async (request) => forecastNumbers(contextOf(db, request), request.query, cache),
  );
  app.get(
    '/sales/forecast/quotas',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Quotas of a period, per person and team',
        querystring: z.object({ period: periodKey }),
        response: { 200: z.object({ data: z.array(quotaSchema) }), ...problems },
      },
    },
    async (request) => listQuotas(contextOf(db, request), request.query.period),
  );
  app.put(
    '/sales/forecast/quotas',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Set (or, with a null amount, remove) a person’s or team’s quota for a period',
        body: z
          .object({ period: periodKey, subjectKind, subjectId: z.uuid(), amount: amount.nullable() })
          .strict(),
        response: { 200: z.object({ quota: quotaSchema.nullable() }), ...problems },
      },
    },
    async (request) => ({ quota: await setQuota(contextOf(db, request), request.body) }),
  );
  app.put(
    '/sales/forecast/adjustments',
    {
      config: manage,
      schema: {
        tags,
        summary: 'A manager’s adjustment of a person’s or team’s commit or best case, kept as history',
        body: z
          .object({
            period: periodKey,
            subjectKind,
            subjectId: z.uuid(),
            category,
            amount: amount.nullable().describe('Null removes the adjustment of this category.'),
            note: note.optional(),
          })
          .strict(),
        response: {
          200: adjustmentSchema.extend({ period: z.string(), subjectKind, subjectId: z.string() }),
          ...problems,
        },
      },
    },
    async (request) => adjustForecast(contextOf(db, request), request.body),
  );
  app.post(
    '/sales/forecast/submissions',
    {
      config: { ...auth, sessionOnly: true },
      schema: {
        tags,
        summary: 'Submit one’s own commit and best case for a period (kept with its time, never rewritten)',
        body: z
          .object({ period: periodKey, commit: amount, bestCase: amount, note: note.optional() })
          .strict(),
        response: { 201: submissionSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await submitForecast(contextOf(db, request), request.body)),
  );
  app.get(
    '/sales/forecast/submissions',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Forecast submissions, newest first, of a period and/or a person',
        querystring: z.object({
          period: periodKey.optional(),
          userId: z.uuid().optional(),
          limit: z.coerce.number().int().min(1).max(500).optional(),
        }),
        response: { 200: z.object({ data: z.array(submissionSchema) }), ...problems },
      },
    },
    async (request) => listSubmissions(contextOf(db, request), request.query),
  );
  app.get(
    '/sales/forecast/deals',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'The deals behind a forecast number (a period, an owner or team, a category), a page at a time',
        querystring: z.object({
          period: periodKey,
          owner: z.uuid().optional(),
          team: z.uuid().optional(),
          category: z.enum(['closed', 'commit', 'bestCase', 'pipeline']),
          after: z
            .string()
            .max(200)
            .regex(/^[A-Za-z0-9_-]+$/)
            .optional()
            .describe('`next` of the previous page.'),
          limit: z.coerce.number().int().min(1).max(200).optional(),
        }),
        response: {
          200: z.object({ data: z.array(dealSchema), next: z.string().nullable() }),
          ...problems,
        },
      },
    },
    async (request) => forecastDeals(contextOf(db, request), request.query),
  );
  app.get(
    '/sales/forecast/accuracy',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'Forecast accuracy per person over past periods: the commit as it stood when each began, and the first submission, against closed won; bias and error',
        querystring: z.object({
          kind: z.enum(PERIOD_KINDS).default('quarter'),
          count: z.coerce.number().int().min(1).max(24).optional(),
          team: z.uuid().optional(),
        }),
        response: {
          200: z.object({
            data: z.array(
              z.object({
                userId: z.string(),
                name: z.string(),
                periods: z.array(
                  z.object({
                    key: z.string(),
                    forecast: z
                      .number()
                      .nullable()
                      .describe(
                        'Closed won and commit as they stood when the period began, from the deal history; null when the history does not reach back that far.',
                      ),
                    submitted: z.number().nullable().describe("The commit of the person's first submission."),
                    actual: z.number().describe('Won deals closing in the period.'),
                  }),
                ),
                bias: z.number().nullable().describe('mean(forecast − actual) ÷ mean(actual).'),
                error: z.number().nullable().describe('Mean absolute percentage error (0.1 = 10%).'),
                submittedBias: z.number().nullable().describe('The bias of the first submissions.'),
                submittedError: z.number().nullable().describe('The error of the first submissions.'),
              }),
            ),
            periods: z.array(periodSchema),
            missingRates: z.array(missingRateSchema),
          }),
          ...problems,
        },
      },
    },
    async (request) => forecastAccuracyReport(contextOf(db, request), request.query),
  );
  app.get(
    '/sales/forecast/velocity',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Sales velocity and average cycle length per pipeline and owner',
        querystring: z.object({ period: periodKey }),
        response: {
          200: z.object({
            data: z.array(
              z.object({
                pipelineId: z.string().nullable(),
                ownerId: z.string().nullable().describe('Null: the pipeline over every owner.'),
                openDeals: z.number().int(),
                winRate: z.number().nullable(),
                averageWon: z.number().nullable(),
                cycleDays: z.number().nullable(),
                velocityPerDay: z.number().nullable(),
                unconverted: z.number().int(),
              }),
            ),
            currency: z.string(),
            period: periodSchema,
          }),
          ...problems,
        },
      },
    },
    async (request) => forecastVelocity(contextOf(db, request), request.query),
  );
};
