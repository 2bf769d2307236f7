import type { FieldDef, ObjectDef } from './metadata.types.ts';

type JsonSchema = Record<string, unknown>;

const uuid = { type: 'string', format: 'uuid' };
const money = {
  type: 'object',
  properties: {
    amount: { type: 'string', pattern: '^-?\\d{1,18}(\\.\\d{1,6})?$' },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
  },
  required: ['amount', 'currency'],
};
const phone = {
  type: 'object',
  properties: {
    raw: { type: 'string' },
    e164: { type: 'string' },
    primary: { type: 'boolean' },
    label: { type: 'string' },
  },
};

function nullable(schema: JsonSchema): JsonSchema {
  return { anyOf: [schema, { type: 'null' }] };
}

/** The JSON Schema of one field's value as the API returns it. */
export function fieldJsonSchema(field: FieldDef): JsonSchema {
  const description = field.labels.en;
  const options = field.options?.map((o) => o.value);
  let schema: JsonSchema;
  switch (field.type) {
    case 'text':
    case 'longText':
    case 'file':
      schema = { type: 'string', ...(field.maxLength ? { maxLength: field.maxLength } : {}) };
      break;
    case 'email':
      schema = { type: 'string', format: 'email' };
      break;
    case 'url':
      schema = { type: 'string', format: 'uri' };
      break;
    case 'select':
      schema = { type: 'string', ...(options ? { enum: options } : {}) };
      break;
    case 'number':
      schema = { type: 'number' };
      break;
    case 'rating':
      schema = { type: 'integer', minimum: 0, maximum: 5 };
      break;
    case 'money':
      schema = money;
      break;
    case 'date':
      schema = { type: 'string', format: 'date' };
      break;
    case 'dateTime':
      schema = { type: 'string', format: 'date-time' };
      break;
    case 'boolean':
      schema = { type: 'boolean' };
      break;
    case 'multiSelect':
      schema = { type: 'array', items: { type: 'string', ...(options ? { enum: options } : {}) } };
      break;
    case 'tags':
      schema = { type: 'array', items: { type: 'string' } };
      break;
    case 'relation':
      schema = field.relation?.many ? { type: 'array', items: uuid } : uuid;
      break;
    case 'user':
      schema = uuid;
      break;
    case 'phone':
      schema = phone;
      break;
    case 'phones':
      schema = { type: 'array', items: phone };
      break;
    case 'emails':
      schema = {
        type: 'array',
        items: { type: 'object', properties: { address: { type: 'string' }, primary: { type: 'boolean' } } },
      };
      break;
    case 'address':
      schema = {
        type: 'object',
        properties: Object.fromEntries(
          ['street', 'city', 'region', 'postalCode', 'country'].map((k) => [k, { type: 'string' }]),
        ),
      };
      break;
    case 'location':
      schema = {
        type: 'object',
        properties: { lat: { type: 'number' }, lng: { type: 'number' } },
        required: ['lat', 'lng'],
      };
      break;
    default: {
      const unknownType: never = field.type;
      schema = { description: String(unknownType) };
    }
  }
  return { ...nullable(schema), description };
}

const schemaName = (object: ObjectDef) => `${object.key.charAt(0).toUpperCase()}${object.key.slice(1)}Record`;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * OpenAPI paths and schemas for every object of a workspace, from its metadata: a custom field or object
 * appears here the moment it exists.
 */
export function objectsOpenApi(objects: ObjectDef[]): {
  paths: Record<string, unknown>;
  schemas: Record<string, unknown>;
} {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  const problem = {
    description: 'A problem document',
    content: { 'application/problem+json': { schema: ref('Problem') } },
  };
  for (const object of objects) {
    const name = schemaName(object);
    const writable = object.fields.filter((f) => !f.readOnly);
    schemas[name] = {
      type: 'object',
      description: object.labels.singular.en,
      properties: Object.fromEntries(object.fields.map((f) => [f.key, fieldJsonSchema(f)])),
      required: ['id'],
    };
    schemas[`${name}Input`] = {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(writable.map((f) => [f.key, fieldJsonSchema(f)])),
      required: writable.filter((f) => f.required && f.defaultValue === undefined).map((f) => f.key),
    };
    const tag = [`object: ${object.key}`];
    const one = { description: 'The record', content: { 'application/json': { schema: ref(name) } } };
    const idParam = [{ name: 'id', in: 'path', required: true, schema: uuid }];
    const body = { required: true, content: { 'application/json': { schema: ref(`${name}Input`) } } };
    paths[`/api/v1/objects/${object.key}`] = {
      get: {
        tags: tag,
        summary: `List ${object.labels.plural.en}`,
        parameters: ['filter', 'sort', 'cursor', 'fields']
          .map((p) => ({ name: p, in: 'query', schema: { type: 'string' } }))
          .concat([
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } as never },
          ]),
        responses: {
          200: {
            description: 'A page of records',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    data: { type: 'array', items: ref(name) },
                    nextCursor: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          400: problem,
        },
      },
      post: {
        tags: tag,
        summary: `Create a ${object.labels.singular.en}`,
        requestBody: body,
        responses: { 201: one, 400: problem },
      },
    };
    paths[`/api/v1/objects/${object.key}/{id}`] = {
      get: {
        tags: tag,
        summary: `One ${object.labels.singular.en}`,
        parameters: idParam,
        responses: { 200: one, 404: problem },
      },
      patch: {
        tags: tag,
        summary: `Change a ${object.labels.singular.en}`,
        parameters: idParam,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { ...ref(`${name}Input`) } } },
        },
        responses: { 200: one, 400: problem, 404: problem },
      },
      delete: {
        tags: tag,
        summary: `Delete a ${object.labels.singular.en}`,
        parameters: idParam,
        responses: { 204: { description: 'Deleted' }, 404: problem },
      },
    };
  }
  return { paths, schemas };
}
