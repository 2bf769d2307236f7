import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { getLeadAssignment } from './assignment.service.ts';
import { conversionMatches, convertLead, getLeadConversion } from './leads-conversion.service.ts';

const tags = ['leads'];
const auth = { auth: 'required' } as const;
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
const idParams = z.object({ id: z.string().max(64) });
const fields = z
  .record(z.string().max(63), z.unknown())
  .describe('Field values, as a record write takes them.');
const target = z.union([z.object({ create: fields }).strict(), z.object({ attachTo: z.uuid() }).strict()]);
const made = z.object({ id: z.string(), created: z.boolean() }).nullable();
const conversionSchema = z
  .object({ leadId: z.string(), person: made, company: made, deal: made, convertedAt: z.string() })
  .meta({ id: 'LeadConversion' });
const matchSchema = z
  .object({ id: z.string(), title: z.string().nullable(), by: z.array(z.string()) })
  .meta({ id: 'LeadMatch' });
const assignmentSchema = z
  .object({
    leadId: z.string(),
    ruleId: z.string().nullable(),
    ownerId: z.string().nullable(),
    reason: z.string(),
    detail: z.record(z.string(), z.unknown()),
    assignedAt: z.string(),
    reassignDueAt: z
      .string()
      .nullable()
      .describe('When the rule gives the lead to its next member unless the owner touches it first.'),
    touchedAt: z.string().nullable().describe('When the owner first touched the lead after this assignment.'),
  })
  .meta({ id: 'LeadAssignment' });

/** Leads: conversion in one step (with the matches offered first), what a lead became, and why it has its owner. */
export const leadsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/leads/:id/conversion-matches',
    {
      config: auth,
      schema: {
        tags,
        summary: 'People and companies the lead may become (by email, phone, web domain and folded name)',
        params: idParams,
        response: {
          200: z.object({ people: z.array(matchSchema), companies: z.array(matchSchema) }),
          ...problems,
        },
      },
    },
    async (request) => conversionMatches(contextOf(db, request), request.params.id),
  );
  app.post(
    '/leads/:id/convert',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Convert a lead into a person, a company and a deal (each optional) in one transaction',
        params: idParams,
        body: z
          .object({
            person: target.optional(),
            company: target.optional(),
            deal: z.object({ create: fields }).strict().optional(),
          })
          .strict(),
        response: { 200: conversionSchema, ...problems },
      },
    },
    async (request) => convertLead(contextOf(db, request), request.params.id, request.body),
  );
  app.get(
    '/leads/:id/conversion',
    {
      config: auth,
      schema: {
        tags,
        summary: 'What a converted lead became (null while it is not converted)',
        params: idParams,
        response: {
          200: z.object({
            conversion: z
              .object({
                leadId: z.string(),
                personId: z.string().nullable(),
                companyId: z.string().nullable(),
                dealId: z.string().nullable(),
                convertedBy: z.string().nullable(),
                convertedAt: z.string(),
              })
              .nullable(),
          }),
          ...problems,
        },
      },
    },
    async (request) => ({ conversion: await getLeadConversion(contextOf(db, request), request.params.id) }),
  );
  app.get(
    '/leads/:id/assignment',
    {
      config: auth,
      schema: {
        tags,
        summary: 'The rule that assigned the lead, its owner and the reason (null when no rule did)',
        params: idParams,
        response: { 200: z.object({ assignment: assignmentSchema.nullable() }), ...problems },
      },
    },
    async (request) => ({ assignment: await getLeadAssignment(contextOf(db, request), request.params.id) }),
  );
};
