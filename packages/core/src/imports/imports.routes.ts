import fastifyMultipart from '@fastify/multipart';
import { CALENDARS, type Calendar } from '@rabita/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { contextOf, principalOf, problemSchema, type RouteDeps, unstorableText } from '../http/route-kit.ts';
import {
  cancelImport,
  createImport,
  deleteMapping,
  getImport,
  type ImportOptions,
  listMappings,
  ON_MATCH,
  type OnMatch,
  rejectsCsv,
  saveMapping,
  suggestImportMapping,
} from './imports.service.ts';
import { ENCODINGS, type Encoding } from './sources.ts';

/** The largest file an import takes. */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024 * 1024;

const tags = ['imports'];
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  413: problemSchema,
};
const idParams = z.object({ id: z.string().max(64) });
const importView = z.object({
  id: z.string(),
  object: z.string(),
  status: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']),
  dryRun: z.boolean(),
  fileName: z.string().nullable(),
  format: z.string(),
  headers: z.array(z.string()),
  mapping: z.record(z.string(), z.string()),
  matchBy: z.string().nullable(),
  onMatch: z.enum(ON_MATCH),
  dateCalendar: z.enum(CALENDARS),
  counts: z.object({ created: z.number(), updated: z.number(), skipped: z.number(), rejected: z.number() }),
  rowsDone: z.number(),
  rowsTotal: z.number().nullable(),
  rowsPerSecond: z.number().nullable(),
  secondsLeft: z.number().nullable(),
  firstRejects: z.array(z.object({ row: z.number(), reason: z.string() })),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});

const bad = (field: string, message: string) =>
  new AppError('validation_failed', message, { errors: [{ field: `body.${field}`, message }] });

/** Reads the text fields of the form into import options, each checked with a sentence. */
function readOptions(fields: Map<string, string>): ImportOptions {
  const object = fields.get('object');
  if (!object)
    throw bad('object', 'Say which object to import into (the "object" field, sent before the file).');
  let mapping: Record<string, string> | undefined;
  const mappingText = fields.get('mapping');
  if (mappingText) {
    try {
      mapping = JSON.parse(mappingText) as Record<string, string>;
    } catch {
      throw bad('mapping', 'mapping must be JSON: {"header": "fieldKey"}.');
    }
    if (
      typeof mapping !== 'object' ||
      mapping === null ||
      Array.isArray(mapping) ||
      !Object.values(mapping).every((v) => typeof v === 'string')
    )
      throw bad('mapping', 'mapping must be a JSON object of header → field key (or "" to skip a column).');
  }
  const onMatch = fields.get('onMatch') ?? 'skip';
  if (!(ON_MATCH as readonly string[]).includes(onMatch))
    throw bad('onMatch', `onMatch must be one of ${ON_MATCH.join(', ')}.`);
  const dateCalendar = fields.get('dateCalendar') ?? 'gregory';
  if (!(CALENDARS as readonly string[]).includes(dateCalendar))
    throw bad('dateCalendar', `dateCalendar must be one of ${CALENDARS.join(', ')}.`);
  const dryRun = fields.get('dryRun') ?? 'false';
  if (!['true', 'false'].includes(dryRun)) throw bad('dryRun', 'dryRun must be true or false.');
  const encoding = fields.get('encoding');
  if (encoding !== undefined && !(ENCODINGS as readonly string[]).includes(encoding))
    throw bad('encoding', `encoding must be one of ${ENCODINGS.join(', ')} (or left out to detect it).`);
  return {
    object,
    mapping,
    matchBy: fields.get('matchBy') || undefined,
    onMatch: onMatch as OnMatch,
    dryRun: dryRun === 'true',
    dateCalendar: dateCalendar as Calendar,
    encoding: encoding as Encoding | undefined,
  };
}

async function* guarded(stream: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  try {
    for await (const piece of stream) yield piece;
  } catch (error) {
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
      throw new AppError('file_too_large', `The file is larger than ${MAX_IMPORT_BYTES / 1024 ** 3} GiB.`);
    throw error;
  }
}

/** Imports: upload a file with its options (202, then a job runs it), follow it, get its rejects, cancel it. */
export const importsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  await app.register(fastifyMultipart, {
    limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 20, fieldSize: 1024 * 1024 },
  });

  app.post(
    '/imports',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Upload a CSV or XLSX file to import (multipart: fields first, then `file`)',
        description:
          'Form fields: `object`, `mapping` (JSON header → field key), `matchBy`, `onMatch` (skip|update|create), `dryRun`, `dateCalendar` (gregory|persian|islamic-umalqura), `encoding` (optional), then `file`.',
        consumes: ['multipart/form-data'],
        response: { 202: z.object({ id: z.string() }), ...problems },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart())
        throw new AppError('validation_failed', 'Send the file as multipart/form-data.', {
          errors: [{ field: 'body', message: 'Must be multipart/form-data.' }],
        });
      const principal = principalOf(request);
      const fields = new Map<string, string>();
      for await (const part of request.parts()) {
        const unstorable = unstorableText(part.type === 'field' ? String(part.value) : part.filename);
        if (unstorable) throw bad(part.type === 'field' ? part.fieldname : 'file', unstorable);
        if (part.type === 'field') {
          if (part.valueTruncated) throw bad(part.fieldname, `${part.fieldname} is too long.`);
          fields.set(part.fieldname, String(part.value));
          continue;
        }
        if (part.fieldname !== 'file') throw bad(part.fieldname, 'Only one file, named "file", is taken.');
        const created = await createImport(
          { db, principal },
          { name: part.filename || null, stream: guarded(part.file) },
          readOptions(fields),
        );
        return reply.code(202).send(created);
      }
      throw bad('file', 'The form has no file (a part named "file").');
    },
  );

  app.post(
    '/imports/suggest-mapping',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Suggest a mapping of column headers to fields (en, ar, fa, and other CRMs’ export names)',
        body: z
          .object({ object: z.string().max(63), headers: z.array(z.string().max(500)).max(500) })
          .strict(),
        response: { 200: z.object({ mapping: z.record(z.string(), z.string()) }), ...problems },
      },
    },
    async (request) => ({
      mapping: await suggestImportMapping(contextOf(db, request), request.body.object, request.body.headers),
    }),
  );

  const savedMapping = z.object({
    id: z.string(),
    object: z.string(),
    name: z.string(),
    mapping: z.record(z.string(), z.string()),
    createdAt: z.string(),
  });

  app.post(
    '/imports/mappings',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Save a column mapping for next time (replaces one of the same name)',
        body: z
          .object({
            object: z.string().max(63),
            name: z.string().trim().min(1).max(200),
            mapping: z.record(z.string().max(500), z.string().max(200)),
          })
          .strict(),
        response: { 201: savedMapping, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await saveMapping(contextOf(db, request), request.body)),
  );

  app.get(
    '/imports/mappings',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Saved mappings (of objects the caller may import into)',
        querystring: z.object({ object: z.string().max(63).optional() }),
        response: { 200: z.object({ data: z.array(savedMapping) }), ...problems },
      },
    },
    async (request) => ({ data: await listMappings(contextOf(db, request), request.query.object) }),
  );

  app.delete(
    '/imports/mappings/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Delete a saved mapping',
        params: idParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteMapping(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/imports/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'An import’s status, counts and progress',
        params: idParams,
        response: { 200: importView, ...problems },
      },
    },
    async (request) => getImport(contextOf(db, request), request.params.id),
  );

  app.get(
    '/imports/:id/rejects',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Every rejected row as CSV, with a reason column',
        params: idParams,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const stream = await rejectsCsv(contextOf(db, request), request.params.id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="import-${request.params.id}-rejects.csv"`)
        .send(stream);
    },
  );

  app.post(
    '/imports/:id/cancel',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Cancel a queued or running import (rows already written stay)',
        params: idParams,
        response: { 200: importView, ...problems },
      },
    },
    async (request) => cancelImport(contextOf(db, request), request.params.id),
  );
};
