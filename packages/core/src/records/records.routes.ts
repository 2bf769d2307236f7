import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { presentedResponse } from '../http/presented-response.ts';
import { contextOf, principalOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { batchRecords } from './batch-records.ts';
import { countRecords } from './count-estimate.ts';
import { createRecord } from './create-record.ts';
import { deleteRecord, restoreRecord } from './delete-record.ts';
import { parseExpandParam } from './expand-relations.ts';
import { getRecordExpanded } from './get-record.ts';
import { createRecordOnce } from './idempotency.ts';
import { keyAtPosition } from './key-at-position.ts';
import { listRecordsExpanded } from './list-records.ts';
import { parseSeekParam } from './seek.ts';
import { updateRecord } from './update-record.ts';

const tags = ['records'];
const objectParams = z.object({ object: z.string().max(63) });
const recordParams = objectParams.extend({ id: z.string().max(64) });
const recordBody = z
  .record(z.string(), z.unknown())
  .describe('The record’s fields by key; see GET /metadata/objects.');
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const recordSchema = z.record(z.string(), z.unknown());
const listResponse = presentedResponse(
  z.object({
    data: z.array(z.record(z.string(), z.unknown())),
    nextCursor: z.string().nullable(),
    backCursor: z
      .string()
      .nullable()
      .optional()
      .describe(
        'Reads the other way from the page’s first row (with the opposite `reverse`): the rows before it.',
      ),
  }),
);
const seekDescription =
  'Start at the first row whose first sort key is at or after this value in the sort’s order (JSON: "Karimi", ' +
  '42, null for the rows where it is empty); not with a cursor. GET /objects/{object}/keys finds a value near a position.';
const reverseDescription =
  'Read the same order from its end: the page holds the last rows (before the cursor), last first; its cursors ' +
  'continue backwards. Nulls stay last in the order, so this is the list exactly reversed.';
const expandParam = z
  .string()
  .max(1000)
  .optional()
  .describe(
    'Relation and user fields whose titles to add, comma-separated (`company,owner`): each record gets `_expanded` ' +
      'with `{id, title}` per field (an array for a many-relation); `title` is null for a record the caller may not see.',
  );
const countResponse = z.object({
  count: z.number().int(),
  exact: z.boolean().describe('False when count is the planner’s estimate (lists of more than 10,000 rows).'),
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
          expand: expandParam,
          seek: z.string().max(1100).optional().describe(seekDescription),
          reverse: z.enum(['true', 'false']).optional().describe(reverseDescription),
        }),
        response: { 200: listResponse, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return listRecordsExpanded(
        { db, principal },
        request.params.object,
        {
          filter: parseFilterParam(request.query.filter),
          sort: request.query.sort,
          limit: request.query.limit,
          cursor: request.query.cursor,
          fields: fieldsParam(request.query.fields),
          seek: parseSeekParam(request.query.seek),
          reverse: request.query.reverse === 'true',
        },
        parseExpandParam(request.query.expand),
      );
    },
  );

  app.get(
    '/objects/:object/count',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'How many records a list holds: exact up to 10,000, else estimated',
        params: objectParams,
        querystring: z.object({
          filter: z.string().max(20_000).optional(),
          estimate: z
            .enum(['true', 'false'])
            .optional()
            .describe(
              'false counts every row exactly (slow on large lists); the default estimates past 10,000.',
            ),
        }),
        response: { 200: countResponse, ...problems },
      },
    },
    async (request) =>
      countRecords(contextOf(db, request), request.params.object, {
        filter: parseFilterParam(request.query.filter),
        estimate: request.query.estimate !== 'false',
      }),
  );

  app.get(
    '/objects/:object/keys',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'The first sort key’s value near a position of the list (to seek to it)',
        params: objectParams,
        querystring: z.object({
          filter: z.string().max(20_000).optional(),
          sort: z.string().max(500).optional(),
          at: z.coerce.number().min(0).max(1).describe('The position: 0 the top of the list, 1 its end.'),
        }),
        response: {
          200: z.object({
            value: z
              .unknown()
              .describe('Give it back as `seek` (JSON); null: the rows where the key is empty.'),
            exact: z.boolean().describe('False when taken from a sample (lists of more than 10,000 rows).'),
            count: z.number().int(),
          }),
          ...problems,
        },
      },
    },
    async (request) =>
      keyAtPosition(contextOf(db, request), request.params.object, {
        filter: parseFilterParam(request.query.filter),
        sort: request.query.sort,
        at: request.query.at,
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
            expand: z
              .array(z.string().max(63))
              .max(20)
              .optional()
              .describe(expandParam.description ?? ''),
            seek: z
              .union([z.string().max(1000), z.number(), z.boolean(), z.null()])
              .optional()
              .describe(seekDescription),
            reverse: z.boolean().optional().describe(reverseDescription),
          })
          .strict(),
        response: { 200: listResponse, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { expand, ...options } = request.body;
      return listRecordsExpanded({ db, principal }, request.params.object, options, parseExpandParam(expand));
    },
  );

  app.post(
    '/objects/:object',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Create a record',
        description:
          'With an `Idempotency-Key` header (1–255 visible ASCII characters, such as a UUID), the same key and body ' +
          'within 24 hours answer with the first answer (`Idempotent-Replayed: true`) and create nothing again; the ' +
          'same key with another body is a 409. Keys are per workspace and per caller.',
        params: objectParams,
        headers: z.object({
          'idempotency-key': z
            .string()
            .max(255)
            .optional()
            .describe('Makes a retry safe: the record is created once per key.'),
        }),
        body: recordBody,
        response: { 201: recordSchema, ...problems, 409: problemSchema },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (key === undefined)
        return reply
          .code(201)
          .send(await createRecord(contextOf(db, request), request.params.object, request.body));
      const answer = await createRecordOnce(contextOf(db, request), request.params.object, request.body, key);
      if (answer.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(answer.body);
    },
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
    async (request) => {
      const results = await batchRecords(
        contextOf(db, request),
        request.params.object,
        request.body.records,
        {
          upsertBy: request.body.upsertBy,
        },
      );
      // A row's problems are named inside the request body, as a refused request's are.
      return {
        data: results.map((r) =>
          'error' in r && r.error.errors
            ? {
                ...r,
                error: {
                  ...r.error,
                  errors: r.error.errors.map((e) => ({ ...e, field: `body.${e.field}` })),
                },
              }
            : r,
        ),
      };
    },
  );

  app.get(
    '/objects/:object/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'One record',
        params: recordParams,
        querystring: z.object({ fields: z.string().max(4000).optional(), expand: expandParam }),
        response: { 200: recordSchema, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { object, id } = request.params;
      return getRecordExpanded(
        { db, principal },
        object,
        id,
        fieldsParam(request.query.fields),
        parseExpandParam(request.query.expand),
      );
    },
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
      updateRecord(contextOf(db, request), request.params.object, request.params.id, request.body),
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
      await deleteRecord(contextOf(db, request), request.params.object, request.params.id);
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
    async (request) => restoreRecord(contextOf(db, request), request.params.object, request.params.id),
  );
};
