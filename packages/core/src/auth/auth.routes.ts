import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import {
  clearSessionCookie,
  principalOf,
  problemSchema,
  type RouteDeps,
  SESSION_COOKIE,
  setSessionCookie,
} from '../http/route-kit.ts';
import { presentUser } from '../users/users.presenter.ts';
import { getUser, updatePreferences } from '../users/users.service.ts';
import { getWorkspace, listUserWorkspaces } from '../workspaces/workspaces.service.ts';
import { signIn, signUp } from './accounts.service.ts';
import {
  acceptInvitationBody,
  meSchema,
  patchMeBody,
  signInBody,
  signUpBody,
  switchWorkspaceBody,
  userSchema,
} from './auth.schemas.ts';
import { acceptInvitation } from './invitations.service.ts';
import { principalForMember } from './members.service.ts';
import type { Principal } from './principal.ts';
import { createSession, endSession, switchSessionWorkspace } from './sessions.service.ts';

const tags = ['auth'];
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 429: problemSchema };

/** Sign-up, sign-in, sign-out, invitations acceptance and the caller's own profile. */
export const authRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { db, settings } = deps;

  async function me(principal: Principal) {
    const [user, workspace, workspaces] = await Promise.all([
      principal.userId ? getUser(db, principal.userId).then(presentUser) : null,
      getWorkspace({ db, principal }),
      principal.userId ? listUserWorkspaces(db, principal.userId) : [],
    ]);
    return {
      user,
      apiKey: principal.apiKeyId ? { id: principal.apiKeyId } : null,
      workspace,
      role: principal.role.key,
      permissions: { actions: principal.role.permissions.actions },
      workspaces,
    };
  }

  /** Opens a new session, ending the one the request came with (so sign-in rotates the session). */
  async function startSession(
    request: Parameters<typeof setSessionCookie>[0],
    reply: Parameters<typeof setSessionCookie>[1],
    userId: string,
    workspaceId: string,
  ) {
    const previous = request.cookies[SESSION_COOKIE];
    if (previous) await endSession(db, previous);
    const session = await createSession(db, {
      userId,
      workspaceId,
      policy: settings.session,
      ip: request.ip,
      userAgent: request.headers['user-agent'],
    });
    setSessionCookie(request, reply, session.token, session.expiresAt);
  }

  app.post(
    '/auth/sign-up',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Create an account and its workspace (first workspace, or open sign-up)',
        body: signUpBody,
        response: {
          201: meSchema.omit({ apiKey: true, permissions: true, workspaces: true }),
          ...problems,
          409: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const result = await signUp(db, request.body, { openSignup: settings.openSignup });
      await startSession(request, reply, result.user.id, result.workspace.id);
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/auth/sign-in',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Sign in with email and password',
        body: signInBody,
        response: { 200: meSchema, ...problems },
      },
    },
    async (request, reply) => {
      const { userId, workspaceId } = await signIn(db, deps.throttle, { ...request.body, ip: request.ip });
      await startSession(request, reply, userId, workspaceId);
      const principal = await reloadPrincipal(userId, workspaceId);
      return me(principal);
    },
  );

  app.post(
    '/auth/sign-out',
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'End the current session', response: { 204: z.null() } },
    },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token) await endSession(db, token);
      clearSessionCookie(request, reply);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/accept-invitation',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Join a workspace with an invitation token',
        body: acceptInvitationBody,
        response: { 200: meSchema, ...problems, 409: problemSchema, 410: problemSchema },
      },
    },
    async (request, reply) => {
      const { userId, workspaceId } = await acceptInvitation(db, request.body);
      await startSession(request, reply, userId, workspaceId);
      return me(await reloadPrincipal(userId, workspaceId));
    },
  );

  app.post(
    '/auth/switch-workspace',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Move this session to another workspace of yours',
        body: switchWorkspaceBody,
        response: { 200: meSchema, ...problems, 404: problemSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const userId = principal.userId!;
      const mine = await listUserWorkspaces(db, userId);
      if (!mine.some((w) => w.id === request.body.workspaceId)) {
        throw new AppError('not_found', 'You are not a member of that workspace.');
      }
      await switchSessionWorkspace(db, principal.sessionId!, request.body.workspaceId);
      return me(await reloadPrincipal(userId, request.body.workspaceId));
    },
  );

  app.get(
    '/me',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'The caller, their workspace and role',
        response: { 200: meSchema, 401: problemSchema },
      },
    },
    async (request) => me(principalOf(request)),
  );

  app.patch(
    '/me',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Change your name, language, calendar, time zone and digits',
        body: patchMeBody,
        response: { 200: userSchema, ...problems },
      },
    },
    async (request) => updatePreferences(db, principalOf(request).userId!, request.body),
  );

  async function reloadPrincipal(userId: string, workspaceId: string): Promise<Principal> {
    const principal = await principalForMember(db, userId, workspaceId);
    if (!principal) throw new AppError('forbidden', 'You are not a member of that workspace.');
    return principal;
  }
};
