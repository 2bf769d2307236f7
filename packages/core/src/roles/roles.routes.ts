import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { registry } from '../modules/registry.ts';
import { createRole, listRoleViews, updateRole } from './roles.service.ts';

const ruleSchema = z
  .object({
    read: z.boolean(),
    create: z.boolean(),
    update: z.boolean(),
    delete: z.boolean(),
    ownRecordsOnly: z.boolean().optional(),
    hiddenFields: z.array(z.string().max(63)).max(500).optional(),
    readOnlyFields: z.array(z.string().max(63)).max(500).optional(),
  })
  .strict();
const permissionsSchema = z
  .object({
    actions: z
      .array(z.string().max(63))
      .max(100)
      .refine((actions) => actions.every((a) => registry().actions.includes(a)), {
        message: 'Unknown action.',
      }),
    objects: z
      .record(z.string().max(63), ruleSchema)
      .refine((o) => Object.keys(o).length <= 500, 'At most 500 objects.'),
  })
  .strict();
const roleSchema = z
  .object({
    id: z.uuid(),
    key: z.string(),
    name: z.string(),
    isSystem: z.boolean(),
    permissions: permissionsSchema,
  })
  .meta({ id: 'Role' });
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
const tags = ['roles'];

/** Roles as data: list them, change what each may do, add custom ones. */
export const rolesRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/roles',
    {
      config: { auth: 'required', permission: 'members.read' },
      schema: {
        tags,
        summary: 'The workspace’s roles and their permissions',
        response: { 200: z.object({ data: z.array(roleSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listRoleViews(contextOf(db, request)) }),
  );

  app.post(
    '/roles',
    {
      config: { auth: 'required', permission: 'roles.manage' },
      schema: {
        tags,
        summary: 'Add a custom role',
        body: z
          .object({
            key: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
            name: text(100),
            permissions: permissionsSchema,
          })
          .strict(),
        response: { 201: roleSchema, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createRole(contextOf(db, request), request.body)),
  );

  app.patch(
    '/roles/:key',
    {
      config: { auth: 'required', permission: 'roles.manage' },
      schema: {
        tags,
        summary: 'Rename a role or change its permissions (object- and field-level rules)',
        params: z.object({ key: z.string().max(63) }),
        body: z
          .object({ name: text(100), permissions: permissionsSchema })
          .partial()
          .strict()
          .refine((body) => Object.keys(body).length > 0, 'Send a name or permissions to change.'),
        response: { 200: roleSchema, ...problems },
      },
    },
    async (request) => updateRole(contextOf(db, request), request.params.key, request.body),
  );
};
