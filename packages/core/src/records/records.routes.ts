import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { principalOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import {
  batchRecords,
  createRecord,
  deleteRecord,
  getRecord,
  listRecords,
  restoreRecord,
  updateRecord,
} from './records.service.ts';

const tags = ['records'];
const objectParams = z.object({ object: z.string().max(63) });
const recordParams = objectParams.extend({ id: z.string().max(64) });
const recordBody = z
  .record(z.string(), z.unknown())
  .describe('The record’s fields by key; see GET /metadata/objects.');
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const recordSchema = z.record(z.string(), z.unknown());
const listResponse = z.object({
  data: z.array(z.record(z.string(), z.unknown())),
  nextCursor: z.string().nullable(),
});

function parseFilterParam(value: string | undefined): unknown {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new AppError('validation_failed', 'filter must be JSON.', {
      errors: [{ field: 'querystring.filter', message: 'Must be JSON.' }],
    });
  }
}

const fieldsParam = (value: string | undefined) =>
  value
    ? value
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean)
    : undefined;

/** The records of every object, standard or custom, through one set of routes. */
export const recordsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/objects/:object',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'List records with a filter, sort and cursor',
        params: objectParams,
        querystring: z.object({
          filter: z.string().max(20_000).optional(),
          sort: z.string().max(500).optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
          cursor: z.string().max(4000).optional(),
          fields: z.string().max(4000).optional(),
        }),
        response: { 200: listResponse, ...problems },
      },
    },
    async (request) =>
      listRecords(db, principalOf(request), request.params.object, {
        filter: parseFilterParam(request.query.filter),
        sort: request.query.sort,
        limit: request.query.limit,
        cursor: request.query.cursor,
        fields: fieldsParam(request.query.fields),
      }),
  );

  app.post(
    '/objects/:object/query',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'List records (the filter in the body)',
        params: objectParams,
        body: z
          .object({
            filter: z.unknown().optional(),
            sort: z.string().max(500).optional(),
            limit: z.number().int().min(1).max(1000).optional(),
            cursor: z.string().max(4000).optional(),
            fields: z.array(z.string().max(63)).max(200).optional(),
          })
          .strict(),
        response: { 200: listResponse, ...problems },
      },
    },
    async (request) => listRecords(db, principalOf(request), request.params.object, request.body),
  );

  app.post(
    '/objects/:object',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Create a record',
        params: objectParams,
        body: recordBody,
        response: { 201: recordSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createRecord(db, principalOf(request), request.params.object, request.body)),
  );

  app.post(
    '/objects/:object/batch',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Create or upsert up to 1,000 records; each row succeeds or fails on its own',
        params: objectParams,
        body: z
          .object({ records: z.array(z.unknown()).min(1).max(1000), upsertBy: z.string().max(63).optional() })
          .strict(),
        response: {
          200: z.object({
            data: z.array(
              z.object({
                index: z.number(),
                id: z.string().optional(),
                created: z.boolean().optional(),
                error: z
                  .object({
                    code: z.string(),
                    message: z.string(),
                    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
                  })
                  .optional(),
              }),
            ),
          }),
          ...problems,
        },
      },
    },
    async (request) => ({
      data: await batchRecords(db, principalOf(request), request.params.object, request.body.records, {
        upsertBy: request.body.upsertBy,
      }),
    }),
  );

  app.get(
    '/objects/:object/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'One record',
        params: recordParams,
        querystring: z.object({ fields: z.string().max(4000).optional() }),
        response: { 200: recordSchema, ...problems },
      },
    },
    async (request) =>
      getRecord(
        db,
        principalOf(request),
        request.params.object,
        request.params.id,
        fieldsParam(request.query.fields),
      ),
  );

  app.patch(
    '/objects/:object/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Change some fields of a record',
        params: recordParams,
        body: recordBody,
        response: { 200: recordSchema, ...problems },
      },
    },
    async (request) =>
      updateRecord(db, principalOf(request), request.params.object, request.params.id, request.body),
  );

  app.delete(
    '/objects/:object/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Delete a record (it can be restored)',
        params: recordParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteRecord(db, principalOf(request), request.params.object, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/objects/:object/:id/restore',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Restore a deleted record',
        params: recordParams,
        response: { 200: recordSchema, ...problems },
      },
    },
    async (request) => restoreRecord(db, principalOf(request), request.params.object, request.params.id),
  );
};
