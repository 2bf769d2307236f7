import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordSecurityEvent } from '../audit/audit.service.ts';
import { AppError } from '../errors/app-error.ts';
import {
  clearSessionCookie,
  principalOf,
  problemSchema,
  type RouteDeps,
  SESSION_COOKIE,
} from '../http/route-kit.ts';
import { updatePreferences } from '../users/users.service.ts';
import { listUserWorkspaces } from '../workspaces/workspaces.service.ts';
import { acceptInvitation } from './accept-invitation.ts';
import { changePassword, signIn, signUp } from './accounts.service.ts';
import {
  acceptInvitationBody,
  changePasswordBody,
  meSchema,
  patchMeBody,
  signInBody,
  signInChallengeSchema,
  signUpBody,
  switchWorkspaceBody,
  userSchema,
} from './auth.schemas.ts';
import { hasMfa, roleRequiresMfa } from './mfa.service.ts';
import { endSession, switchSessionWorkspace } from './sessions.service.ts';
import { describeMe, finishSignIn, memberPrincipal, requestDevice } from './sign-in-reply.ts';

const tags = ['auth'];
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 429: problemSchema };

/** Sign-up, sign-in, sign-out, invitations acceptance and the caller's own profile. */
export const authRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { db, settings } = deps;

  app.post(
    '/auth/sign-up',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Create an account and its workspace (first workspace, or open sign-up)',
        description:
          'For an email that already has an account, the right password gives its owner a new workspace (the same ' +
          'answer as for a new person) and a wrong one the answer of a failed sign-in, so sign-up does not tell ' +
          'which emails have accounts. An owner with a second factor is then asked for it (202).',
        body: signUpBody,
        response: { 201: meSchema, 202: signInChallengeSchema, ...problems },
      },
    },
    async (request, reply) => {
      const device = await requestDevice(deps, request);
      const { userId, workspaceId } = await signUp(
        db,
        deps.throttle,
        { ...request.body, ip: request.ip },
        {
          openSignup: settings.openSignup,
          mfaRememberedFor: device?.mfaRemembered ? device.userId : undefined,
        },
      );
      const answer = await finishSignIn(deps, request, reply, { userId, workspaceId, status: 201 });
      return reply.code(answer.status).send(answer.body);
    },
  );

  app.post(
    '/auth/sign-in',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Sign in with email and password',
        description:
          'Answers 200 with a session, or 202 with a challenge when a second factor is needed (`step: code`, ' +
          'then POST /auth/sign-in/mfa) or must first be set up because the role requires one (`step: enroll`).',
        body: signInBody,
        response: { 200: meSchema, 202: signInChallengeSchema, ...problems },
      },
    },
    async (request, reply) => {
      const device = await requestDevice(deps, request);
      const { userId, workspaceId } = await signIn(db, deps.throttle, {
        ...request.body,
        ip: request.ip,
        userAgent: request.headers['user-agent'],
        knownDeviceUserId: device?.userId,
      });
      const answer = await finishSignIn(deps, request, reply, { userId, workspaceId });
      return reply.code(answer.status).send(answer.body);
    },
  );

  app.post(
    '/auth/sign-out',
    {
      // Optional: anyone may end a session, and the person it belonged to is known for the security log.
      config: { auth: 'optional' },
      schema: { tags, summary: 'End the current session', response: { 204: z.null() } },
    },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token) await endSession(db, token);
      const signedOut = request.principal?.kind === 'session' ? request.principal : null;
      if (token && signedOut) {
        await recordSecurityEvent(db, {
          workspaceId: signedOut.workspaceId,
          kind: 'auth.signed_out',
          actorUserId: signedOut.userId,
          subject: signedOut.userId,
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
      }
      clearSessionCookie(request, reply);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/accept-invitation',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'Join a workspace with an invitation token',
        description:
          'An invited email without an account gives `name` and `password` to create it. An email with an ' +
          'account is accepted only while signed in as that account (sign in first; no password is checked ' +
          'here): otherwise 401 `invitation_sign_in_required`, or 403 `invitation_other_account`.',
        body: acceptInvitationBody,
        response: {
          200: meSchema,
          202: signInChallengeSchema,
          ...problems,
          409: problemSchema,
          410: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const signedIn = request.principal?.kind === 'session' ? request.principal : null;
      const { userId, workspaceId } = await acceptInvitation(db, {
        ...request.body,
        signedInUserId: signedIn?.userId ?? null,
        origin: { ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
      });
      // A signed-in person already passed their second factor (if they have one) when they signed in.
      const answer = await finishSignIn(deps, request, reply, {
        userId,
        workspaceId,
        secondFactorDone: signedIn !== null,
      });
      return reply.code(answer.status).send(answer.body);
    },
  );

  app.post(
    '/auth/switch-workspace',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Move this session to another workspace of yours',
        description:
          'Refused with 403 `mfa_enrollment_required` when your role there requires a second factor you have not ' +
          'set up (set one up in your settings first).',
        body: switchWorkspaceBody,
        response: { 200: meSchema, ...problems, 404: problemSchema },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const userId = principal.userId!;
      const target = request.body.workspaceId;
      const mine = await listUserWorkspaces(db, userId);
      if (!mine.some((w) => w.id === target)) {
        throw new AppError('not_found', 'You are not a member of that workspace.');
      }
      if (!(await hasMfa(db, userId)) && (await roleRequiresMfa(db, target, userId))) {
        throw new AppError(
          'mfa_enrollment_required',
          'Your role in that workspace requires a second factor; set one up in your settings first.',
        );
      }
      await switchSessionWorkspace(db, principal.sessionId!, target);
      return describeMe(deps, await memberPrincipal(deps, userId, target));
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
    async (request) => describeMe(deps, principalOf(request)),
  );

  app.post(
    '/me/password',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Change your password (give the current one); your other sessions end',
        body: changePasswordBody,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await changePassword(db, deps.throttle, {
        userId: principal.userId!,
        sessionId: principal.sessionId,
        currentPassword: request.body.currentPassword,
        newPassword: request.body.newPassword,
        ip: request.ip,
        userAgent: request.headers['user-agent'],
      });
      return reply.code(204).send(null);
    },
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
};
