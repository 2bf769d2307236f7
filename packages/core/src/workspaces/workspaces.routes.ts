import { isCountryCode, isCurrencyCode, LOCALES } from '@rabita/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { workspaceSchema } from '../auth/auth.schemas.ts';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { getWorkspace, updateWorkspace } from './workspaces.service.ts';

const patchWorkspaceBody = z
  .object({
    name: text(100),
    defaultCountry: z
      .string()
      .trim()
      .toUpperCase()
      .refine(isCountryCode, 'Must be an ISO 3166-1 alpha-2 country code, such as SA, IR or AE.'),
    defaultCurrency: z
      .string()
      .trim()
      .toUpperCase()
      .refine(isCurrencyCode, 'Must be an ISO 4217 currency code, such as SAR, IRR or AED.'),
    defaultLocale: z.enum(LOCALES),
  })
  .partial()
  .strict();

/** The caller's workspace: read by any member, changed by those granted `workspace.update`. */
export const workspacesRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  const tags = ['workspace'];
  app.get(
    '/workspace',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'The current workspace',
        response: { 200: workspaceSchema, 401: problemSchema },
      },
    },
    async (request) => getWorkspace(contextOf(db, request)),
  );

  app.patch(
    '/workspace',
    {
      config: { auth: 'required', permission: 'workspace.update' },
      schema: {
        tags,
        summary: 'Change the workspace name and defaults (admin)',
        body: patchWorkspaceBody,
        response: { 200: workspaceSchema, 400: problemSchema, 401: problemSchema, 403: problemSchema },
      },
    },
    async (request) => updateWorkspace(contextOf(db, request), request.body),
  );
};
