import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { dealMoneyTotals, deleteRate, importRatesCsv, listRates, setRate } from './exchange-rates.service.ts';

const tags = ['sales'];
const auth = { auth: 'required' } as const;
const manage = { auth: 'required', permission: 'sales.rates.manage' } as const;
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const decimalInput = z
  .union([z.string().max(64), z.number()])
  .describe('An exact decimal, best as a string ("3.75").');
const rateSchema = z
  .object({
    currency: z.string(),
    date: z.string(),
    rate: z.string().describe('One unit of `currency` in the workspace’s currency, exact.'),
  })
  .meta({ id: 'ExchangeRate' });
const totalSchema = z
  .object({
    key: z.string().nullable(),
    deals: z.number().int(),
    total: z.string().nullable().describe('In the workspace’s currency; null when a rate is missing.'),
    byCurrency: z.array(
      z.object({
        currency: z.string(),
        deals: z.number().int(),
        amount: z.string(),
        converted: z.string().nullable(),
      }),
    ),
    missingRates: z.array(z.object({ currency: z.string(), onOrBefore: z.string() })),
  })
  .meta({ id: 'DealMoneyTotal' });

/** Exchange rates per day (to the workspace's currency) and deals' money totals converted with them. */
export const exchangeRatesRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/exchange-rates',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Exchange rates to the workspace’s currency, newest first',
        querystring: z.object({
          currency: z
            .string()
            .regex(/^[A-Z]{3}$/)
            .optional(),
          limit: z.coerce.number().int().min(1).max(5000).optional(),
        }),
        response: {
          200: z.object({ currency: z.string(), data: z.array(rateSchema) }),
          ...problems,
        },
      },
    },
    async (request) => listRates(contextOf(db, request), request.query),
  );
  app.put(
    '/exchange-rates',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Set (or replace) one currency’s rate on one day',
        body: z
          .object({ currency: z.string().max(8), date: z.string().max(16), rate: decimalInput })
          .strict(),
        response: { 200: rateSchema, ...problems },
      },
    },
    async (request) => setRate(contextOf(db, request), request.body),
  );
  app.delete(
    '/exchange-rates/:currency/:date',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Remove one day’s rate of a currency',
        params: z.object({ currency: z.string().max(8), date: z.string().max(16) }),
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteRate(contextOf(db, request), request.params.currency, request.params.date);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/exchange-rates/import',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Import rates from CSV text (`date,currency,rate`); any bad row refuses the file, by line',
        body: z.object({ csv: z.string().max(900_000) }).strict(),
        response: { 200: z.object({ imported: z.number().int() }), ...problems },
      },
    },
    async (request) => importRatesCsv(contextOf(db, request), request.body.csv),
  );
  app.get(
    '/sales/deal-totals',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'Deals’ amounts per stage, owner or pipeline, converted into the workspace’s currency at each deal’s rate',
        querystring: z.object({
          groupBy: z.enum(['stage', 'owner', 'pipeline']).default('stage'),
          pipelineId: z.uuid().optional(),
        }),
        response: {
          200: z.object({ currency: z.string(), groups: z.array(totalSchema) }),
          ...problems,
        },
      },
    },
    async (request) => dealMoneyTotals(contextOf(db, request), request.query),
  );
};
