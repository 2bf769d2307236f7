import { withWorkspace } from '@rabita/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accessChanged } from '../auth/principal-cache.ts';
import { AppError } from '../errors/app-error.ts';
import { principalOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { newId } from '../ids.ts';
import { registry } from '../modules/registry.ts';
import { parsePermissions } from './permissions.ts';
import { listRoles } from './roles.repository.ts';

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

function present(row: { id: string; key: string; name: string; isSystem: boolean; permissions: unknown }) {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    isSystem: row.isSystem,
    permissions: parsePermissions(row.permissions),
  };
}

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
    async (request) => {
      const { workspaceId } = principalOf(request);
      return {
        data: (await withWorkspace(db, workspaceId, (trx) => listRoles(trx, workspaceId))).map(present),
      };
    },
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
    async (request, reply) => {
      const { workspaceId } = principalOf(request);
      const row = await withWorkspace(db, workspaceId, (trx) =>
        trx
          .insertInto('roles')
          .values({
            workspaceId,
            id: newId(),
            key: request.body.key,
            name: request.body.name,
            permissions: JSON.stringify(request.body.permissions),
          })
          .onConflict((oc) => oc.columns(['workspaceId', 'key']).doNothing())
          .returning(['id', 'key', 'name', 'isSystem', 'permissions'])
          .executeTakeFirst(),
      );
      if (!row) throw new AppError('conflict', `A role "${request.body.key}" already exists.`);
      return reply.code(201).send(present(row));
    },
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
    async (request) => {
      const { workspaceId } = principalOf(request);
      if (request.params.key === 'admin' && request.body.permissions) {
        throw new AppError(
          'forbidden',
          'The admin role’s permissions are fixed, so a workspace can never lock itself out.',
        );
      }
      const row = await withWorkspace(db, workspaceId, (trx) =>
        trx
          .updateTable('roles')
          .set({
            ...(request.body.name ? { name: request.body.name } : {}),
            ...(request.body.permissions ? { permissions: JSON.stringify(request.body.permissions) } : {}),
          })
          .where('workspaceId', '=', workspaceId)
          .where('key', '=', request.params.key)
          .returning(['id', 'key', 'name', 'isSystem', 'permissions'])
          .executeTakeFirst(),
      );
      accessChanged();
      if (!row) throw new AppError('not_found', `There is no role "${request.params.key}".`);
      return present(row);
    },
  );
};
