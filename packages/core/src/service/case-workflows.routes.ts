import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { getCaseWorkflows, putCaseWorkflows } from './case-workflows.service.ts';

const tags = ['service'];
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const caseWorkflowsSchema = z
  .object({
    complaint: z.uuid().nullable().describe('Started when a complaint is opened from a call.'),
    return: z.uuid().nullable().describe('Started when a return is opened from a call.'),
  })
  .meta({ id: 'CaseWorkflows' });

/** The workflow each case type starts when it is opened from a call. */
export const caseWorkflowsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/service/case-workflows',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'The manual workflow each case type starts when opened from a call',
        response: { 200: caseWorkflowsSchema, ...problems },
      },
    },
    async (request) => getCaseWorkflows(contextOf(db, request)),
  );
  app.put(
    '/service/case-workflows',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary:
          'Choose the workflows (service.cases.manage); null chooses none, a missing key keeps its choice',
        body: caseWorkflowsSchema.partial().strict(),
        response: { 200: caseWorkflowsSchema, ...problems },
      },
    },
    async (request) => putCaseWorkflows(contextOf(db, request), request.body),
  );
};
