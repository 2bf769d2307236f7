import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, principalOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { meSchema } from './auth.schemas.ts';
import {
  challengeBody,
  confirmEnrollmentAtSignInBody,
  confirmEnrollmentBody,
  mfaPolicySchema,
  mfaSignInBody,
  mfaStatusSchema,
  recoveryCodesSchema,
  secondFactorBody,
  totpEnrollmentSchema,
} from './mfa.schemas.ts';
import {
  confirmTotpEnrollment,
  disableMfa,
  getMfaPolicy,
  getMfaStatus,
  regenerateRecoveryCodes,
  roleRequiresMfa,
  setMfaPolicy,
  startTotpEnrollment,
  verifySecondFactor,
} from './mfa.service.ts';
import { finishSignIn, requestDevice } from './sign-in-reply.ts';
import { closeChallenge, openChallenge } from './sign-in-steps.ts';

const tags = ['auth'];
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  429: problemSchema,
};

/** Multi-factor sign-in: the second step of signing in, setting up an authenticator, and the workspace's policy. */
export const mfaRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { db, throttle } = deps;

  app.post(
    '/auth/sign-in/mfa',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Finish signing in with a code from the authenticator or a recovery code',
        description:
          'Takes the challenge of a 202 from sign-in (`step: code`). Wrong codes are slowed down like wrong ' +
          'passwords; a recovery code works once. `rememberDevice` skips this step on this browser for 30 days.',
        body: mfaSignInBody,
        response: { 200: meSchema, ...problems },
      },
    },
    async (request, reply) => {
      const { challenge, code, recoveryCode, rememberDevice } = request.body;
      const { userId, workspaceId } = await openChallenge(db, challenge, 'code');
      const device = await requestDevice(deps, request);
      await verifySecondFactor(db, await deps.secrets.get(), throttle, {
        userId,
        factor: { code, recoveryCode },
        ip: request.ip,
        userAgent: request.headers['user-agent'],
        knownDevice: device?.userId === userId,
      });
      await closeChallenge(db, challenge);
      const answer = await finishSignIn(deps, request, reply, {
        userId,
        workspaceId,
        secondFactorDone: true,
        rememberMfa: rememberDevice ?? false,
      });
      return reply.code(answer.status).send(answer.body as z.infer<typeof meSchema>);
    },
  );

  app.post(
    '/auth/sign-in/mfa/enroll',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Start setting up an authenticator during sign-in (your role requires one)',
        body: challengeBody,
        response: { 200: totpEnrollmentSchema, ...problems },
      },
    },
    async (request) => {
      const { userId } = await openChallenge(db, request.body.challenge, 'enroll');
      return startTotpEnrollment(db, await deps.secrets.get(), userId);
    },
  );

  app.post(
    '/auth/sign-in/mfa/enroll/confirm',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Confirm the new authenticator with its first code and finish signing in',
        description: 'Answers with the caller and ten recovery codes, shown only this once.',
        body: confirmEnrollmentAtSignInBody,
        response: { 200: meSchema.extend(recoveryCodesSchema.shape), ...problems },
      },
    },
    async (request, reply) => {
      const { challenge, code } = request.body;
      const { userId, workspaceId } = await openChallenge(db, challenge, 'enroll');
      const { recoveryCodes } = await confirmTotpEnrollment(db, await deps.secrets.get(), throttle, {
        userId,
        code,
        ip: request.ip,
        userAgent: request.headers['user-agent'],
      });
      await closeChallenge(db, challenge);
      const answer = await finishSignIn(deps, request, reply, {
        userId,
        workspaceId,
        secondFactorDone: true,
      });
      return reply.code(200).send({ ...(answer.body as z.infer<typeof meSchema>), recoveryCodes });
    },
  );

  app.get(
    '/me/mfa',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Your second factor: set up or not, recovery codes left, whether your role requires one',
        response: { 200: mfaStatusSchema, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const userId = principal.userId!;
      const [status, requiredByRole] = await Promise.all([
        getMfaStatus(db, userId),
        roleRequiresMfa(db, principal.workspaceId, userId),
      ]);
      return { ...status, requiredByRole };
    },
  );

  app.post(
    '/me/mfa/totp',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Start setting up an authenticator (a new secret and its QR code)',
        response: { 200: totpEnrollmentSchema, ...problems },
      },
    },
    async (request) => startTotpEnrollment(db, await deps.secrets.get(), principalOf(request).userId!),
  );

  app.post(
    '/me/mfa/totp/confirm',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Confirm the new authenticator with its first code; answers ten recovery codes, shown once',
        body: confirmEnrollmentBody,
        response: { 200: recoveryCodesSchema, ...problems },
      },
    },
    async (request) =>
      confirmTotpEnrollment(db, await deps.secrets.get(), throttle, {
        userId: principalOf(request).userId!,
        code: request.body.code,
        ip: request.ip,
        userAgent: request.headers['user-agent'],
      }),
  );

  app.post(
    '/me/mfa/recovery-codes',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Replace your recovery codes (needs a current code)',
        body: secondFactorBody,
        response: { 200: recoveryCodesSchema, ...problems },
      },
    },
    async (request) =>
      regenerateRecoveryCodes(db, await deps.secrets.get(), throttle, {
        userId: principalOf(request).userId!,
        factor: request.body,
        ip: request.ip,
        userAgent: request.headers['user-agent'],
      }),
  );

  app.post(
    '/me/mfa/disable',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Turn your second factor off (needs a current code; refused while your role requires one)',
        body: secondFactorBody,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await disableMfa(db, await deps.secrets.get(), throttle, {
        userId: principal.userId!,
        workspaceId: principal.workspaceId,
        factor: request.body,
        ip: request.ip,
        userAgent: request.headers['user-agent'],
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/workspace/mfa-policy',
    {
      config: { auth: 'required', permission: 'roles.manage' },
      schema: {
        tags,
        summary: 'The roles whose members must sign in with a second factor',
        response: { 200: mfaPolicySchema, ...problems },
      },
    },
    async (request) => getMfaPolicy(contextOf(db, request)),
  );

  app.put(
    '/workspace/mfa-policy',
    {
      config: { auth: 'required', permission: 'roles.manage' },
      schema: {
        tags,
        summary: 'Set the roles whose members must sign in with a second factor',
        description:
          'Members of those roles without an authenticator are asked to set one up at their next sign-in.',
        body: mfaPolicySchema,
        response: { 200: mfaPolicySchema, ...problems },
      },
    },
    async (request) => setMfaPolicy(contextOf(db, request), request.body),
  );
};
