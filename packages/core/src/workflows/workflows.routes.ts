import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { registry } from '../modules/registry.ts';
import { definition, RUN_STATUSES, settings } from './definition.ts';
import {
  cancelRun,
  createWorkflow,
  deleteWorkflow,
  getRun,
  getWorkflow,
  listRuns,
  listVersions,
  listWorkflows,
  publishWorkflow,
  restoreVersion,
  retryRun,
  runManually,
  testRun,
  updateWorkflow,
} from './workflows.service.ts';

const tags = ['workflows'];
const auth = { auth: 'required', permission: 'workflows.manage' } as const;
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
const idParams = z.object({ id: z.string().max(64) });

const workflowSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    enabled: z.boolean(),
    draft: definition,
    settings,
    ownerUserId: z.string().nullable(),
    currentVersion: z.number().int().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Workflow' });
const versionSchema = z
  .object({
    version: z.number().int(),
    definition,
    settings,
    publishedBy: z.string().nullable(),
    publishedAt: z.string(),
  })
  .meta({ id: 'WorkflowVersion' });
const runSchema = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    version: z.number().int(),
    status: z.enum(RUN_STATUSES),
    reason: z
      .string()
      .nullable()
      .describe(
        'Why a run was skipped (`loop`, `already enrolled`, `already running`), or why a queued one waits (`queued behind an earlier run`).',
      ),
    depth: z.number().int(),
    triggerObject: z.string().nullable(),
    triggerRecordId: z.string().nullable(),
    triggerRecordTitle: z
      .string()
      .nullable()
      .optional()
      .describe(
        'The record’s title as the caller may see it (null when they may not read it, or it is gone).',
      ),
    trigger: z.record(z.string(), z.unknown()),
    startedBy: z.string().nullable(),
    currentStep: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'WorkflowRun' });
const stepRunSchema = z
  .object({
    id: z.string(),
    sequence: z.number().int(),
    stepId: z.string(),
    type: z.string(),
    status: z.string(),
    attempt: z.number().int(),
    input: z.unknown(),
    output: z.unknown(),
    error: z.string().nullable(),
    idempotencyKey: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'WorkflowStepRun' });
const testStepSchema = z
  .object({
    stepId: z.string(),
    type: z.string(),
    input: z.unknown(),
    output: z.unknown(),
    error: z.string().nullable(),
  })
  .meta({ id: 'WorkflowTestStep' });

const editable = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).nullable(),
    draft: definition,
    settings,
    enabled: z.boolean(),
  })
  .partial();

/** Workflows, their versions and runs; managed by whoever holds `workflows.manage`. */
export const workflowsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/workflows',
    {
      config: auth,
      schema: {
        tags,
        summary: 'List workflows',
        response: { 200: z.object({ data: z.array(workflowSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listWorkflows(contextOf(db, request)) }),
  );
  app.get(
    '/workflows/events',
    {
      config: auth,
      schema: {
        tags,
        summary: 'List the module events a workflow can start on (a web form submitted, an email received)',
        response: {
          200: z.object({
            data: z.array(
              z
                .object({
                  key: z.string(),
                  object: z.string().nullable(),
                  payload: z.array(z.string()),
                })
                .meta({ id: 'WorkflowEvent' }),
            ),
          }),
          ...problems,
        },
      },
    },
    async () => ({
      data: [...registry().moduleEvents.values()].map((e) => ({
        key: e.key,
        object: e.object ?? null,
        payload: [...e.payload],
      })),
    }),
  );
  app.post(
    '/workflows',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Create a workflow (off and unpublished; its creator owns it)',
        body: editable.omit({ enabled: true }).required({ name: true }).strict(),
        response: { 201: workflowSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createWorkflow(contextOf(db, request), request.body)),
  );
  app.get(
    '/workflows/:id',
    {
      config: auth,
      schema: {
        tags,
        summary: 'One workflow',
        params: idParams,
        response: { 200: workflowSchema, ...problems },
      },
    },
    async (request) => getWorkflow(contextOf(db, request), request.params.id),
  );
  app.patch(
    '/workflows/:id',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Change a workflow’s name, description, draft, settings or whether it runs',
        params: idParams,
        body: editable.strict(),
        response: { 200: workflowSchema, ...problems },
      },
    },
    async (request) => updateWorkflow(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/workflows/:id',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Delete a workflow (its runs stay in the history)',
        params: idParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteWorkflow(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/workflows/:id/publish',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Check the draft and publish it as the next version',
        description: 'Problems name the step and the field (`steps.2.values.amount`).',
        params: idParams,
        response: { 200: workflowSchema, ...problems },
      },
    },
    async (request) => publishWorkflow(contextOf(db, request), request.params.id),
  );
  app.get(
    '/workflows/:id/versions',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Published versions, newest first',
        params: idParams,
        response: { 200: z.object({ data: z.array(versionSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listVersions(contextOf(db, request), request.params.id) }),
  );
  app.post(
    '/workflows/:id/versions/:version/restore',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Copy a published version into the draft',
        params: z.object({ id: z.string().max(64), version: z.coerce.number().int().min(1).max(1_000_000) }),
        response: { 200: workflowSchema, ...problems },
      },
    },
    async (request) => restoreVersion(contextOf(db, request), request.params.id, request.params.version),
  );
  app.post(
    '/workflows/:id/test-run',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Walk the draft against a record without side effects',
        description:
          'Each step’s evaluated input and what it would do; branches are evaluated, waits reported, nothing is written or sent.',
        params: idParams,
        body: z.object({ recordId: z.uuid().optional() }).strict(),
        response: { 200: z.object({ steps: z.array(testStepSchema) }), ...problems },
      },
    },
    async (request) => testRun(contextOf(db, request), request.params.id, request.body.recordId),
  );
  app.post(
    '/workflows/:id/run',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Start a manual workflow on records (one run each)',
        params: idParams,
        body: z.object({ recordIds: z.array(z.uuid()).min(1).max(500) }).strict(),
        response: { 202: z.object({ runIds: z.array(z.string()) }), ...problems },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(await runManually(contextOf(db, request), request.params.id, request.body.recordIds)),
  );
  app.get(
    '/workflow-runs',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Runs, newest first (keyset pages)',
        querystring: z.object({
          workflowId: z.string().max(64).optional(),
          recordId: z.string().max(64).optional(),
          status: z.enum(RUN_STATUSES).optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          cursor: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          200: z.object({ data: z.array(runSchema), nextCursor: z.string().nullable() }),
          ...problems,
        },
      },
    },
    async (request) => {
      const q = request.query;
      return listRuns(
        contextOf(db, request),
        {
          workflowId: q.workflowId,
          recordId: q.recordId,
          statuses: q.status ? [q.status] : undefined,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
        },
        { cursor: q.cursor, limit: q.limit },
      );
    },
  );
  app.get(
    '/workflow-runs/:id',
    {
      config: auth,
      schema: {
        tags,
        summary: 'One run with its step runs',
        params: idParams,
        response: { 200: runSchema.extend({ steps: z.array(stepRunSchema) }), ...problems },
      },
    },
    async (request) => getRun(contextOf(db, request), request.params.id),
  );
  app.post(
    '/workflow-runs/:id/retry',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Retry a failed run from its failed step',
        params: idParams,
        response: { 200: runSchema, ...problems },
      },
    },
    async (request) => retryRun(contextOf(db, request), request.params.id),
  );
  app.post(
    '/workflow-runs/:id/cancel',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Cancel a queued or waiting run',
        params: idParams,
        response: { 200: runSchema, ...problems },
      },
    },
    async (request) => cancelRun(contextOf(db, request), request.params.id),
  );
};
