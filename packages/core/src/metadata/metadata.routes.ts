import { CUSTOM_FIELD_TYPES } from '@rabita/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import {
  addCustomField,
  addCustomObject,
  changeCustomObject,
  changeField,
  listObjectDefs,
  removeCustomObject,
  removeField,
} from './metadata.service.ts';

const labelsSchema = z
  .object({
    en: z.string().trim().min(1).max(100),
    ar: z.string().trim().max(100).optional(),
    fa: z.string().trim().max(100).optional(),
  })
  .strict();
const optionSchema = z
  .object({
    value: z.string().trim().min(1).max(100),
    labels: labelsSchema,
    color: z.string().max(20).optional(),
  })
  .strict();
const fieldBody = z
  .object({
    key: z.string().max(63),
    type: z.enum(CUSTOM_FIELD_TYPES),
    labels: labelsSchema,
    required: z.boolean().optional(),
    unique: z.boolean().optional(),
    defaultValue: z.unknown().optional(),
    options: z.array(optionSchema).max(500).optional(),
    relation: z
      .object({ object: z.string().max(63), many: z.boolean() })
      .strict()
      .optional(),
    currency: z.string().length(3).optional(),
    maxLength: z.number().int().min(1).max(200_000).optional(),
    searchable: z.boolean().optional(),
  })
  .strict();
const objectParams = z.object({ object: z.string().max(63) });
const fieldParams = objectParams.extend({ field: z.string().max(63) });
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
const fieldSchema = z
  .object({
    key: z.string(),
    type: z.string(),
    labels: labelsSchema,
    custom: z.boolean(),
    required: z.boolean(),
    unique: z.boolean(),
    searchable: z.boolean(),
    readOnly: z.boolean().optional(),
    defaultValue: z.unknown().optional(),
    options: z.array(optionSchema).optional(),
    relation: z.object({ object: z.string(), many: z.boolean() }).optional(),
    currency: z.string().optional(),
    maxLength: z.number().optional(),
  })
  .meta({ id: 'FieldDefinition' });
const objectSchema = z
  .object({
    key: z.string(),
    labels: z.object({ singular: labelsSchema, plural: labelsSchema }),
    custom: z.boolean(),
    titleFields: z.array(z.string()),
    localizedTitle: z
      .object({ en: z.string().optional(), ar: z.string().optional(), fa: z.string().optional() })
      .optional()
      .describe('Per interface language, the field titling a record in that language when it is filled in'),
    subtitleField: z.string().optional(),
    keptBy: z
      .string()
      .optional()
      .describe(
        'The module keeping these records: they are read like any object’s, never created, changed or deleted',
      ),
    fields: z.array(fieldSchema),
  })
  .meta({ id: 'ObjectDefinition' });
const tags = ['metadata'];

/** Objects and fields: read by every member, changed by those granted `metadata.manage`. */
export const metadataRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/metadata/objects',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Every object with its fields, labels and options',
        response: { 200: z.object({ data: z.array(objectSchema) }), 401: problemSchema },
      },
    },
    async (request) => ({ data: await listObjectDefs(contextOf(db, request)) }),
  );

  app.post(
    '/metadata/objects',
    {
      config: { auth: 'required', permission: 'metadata.manage' },
      schema: {
        tags,
        summary: 'Create a custom object',
        body: z
          .object({
            key: z.string().max(63),
            labels: z.object({ singular: labelsSchema, plural: labelsSchema }).strict(),
            titleField: z.string().max(63).optional(),
          })
          .strict(),
        response: { 201: objectSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await addCustomObject(contextOf(db, request), request.body)),
  );

  app.patch(
    '/metadata/objects/:object',
    {
      config: { auth: 'required', permission: 'metadata.manage' },
      schema: {
        tags,
        summary: 'Rename a custom object or change its title field',
        params: objectParams,
        body: z
          .object({
            labels: z.object({ singular: labelsSchema, plural: labelsSchema }).strict(),
            titleField: z.string().max(63),
          })
          .partial()
          .strict(),
        response: { 200: objectSchema, ...problems },
      },
    },
    async (request) => changeCustomObject(contextOf(db, request), request.params.object, request.body),
  );

  app.delete(
    '/metadata/objects/:object',
    {
      config: { auth: 'required', permission: 'metadata.manage' },
      schema: {
        tags,
        summary: 'Remove a custom object and its records',
        params: objectParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await removeCustomObject(contextOf(db, request), request.params.object);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/metadata/objects/:object/fields',
    {
      config: { auth: 'required', permission: 'metadata.manage' },
      schema: {
        tags,
        summary: 'Add a custom field to any object',
        params: objectParams,
        body: fieldBody,
        response: { 201: fieldSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await addCustomField(contextOf(db, request), request.params.object, request.body)),
  );

  app.patch(
    '/metadata/objects/:object/fields/:field',
    {
      config: { auth: 'required', permission: 'metadata.manage' },
      schema: {
        tags,
        summary: 'Change a field’s labels, options, required flag or searchability',
        params: fieldParams,
        body: z
          .object({
            labels: labelsSchema,
            required: z.boolean(),
            options: z.array(optionSchema).max(500),
            searchable: z.boolean(),
          })
          .partial()
          .strict(),
        response: { 200: fieldSchema, ...problems },
      },
    },
    async (request) =>
      changeField(contextOf(db, request), request.params.object, request.params.field, request.body),
  );

  app.delete(
    '/metadata/objects/:object/fields/:field',
    {
      config: { auth: 'required', permission: 'metadata.manage' },
      schema: {
        tags,
        summary: 'Remove a custom field',
        params: fieldParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await removeField(contextOf(db, request), request.params.object, request.params.field);
      return reply.code(204).send(null);
    },
  );
};
