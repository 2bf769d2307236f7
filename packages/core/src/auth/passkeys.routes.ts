import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { meSchema } from './auth.schemas.ts';
import { relyingParty } from './passkeys.relying-party.ts';
import {
  authenticationOptionsSchema,
  passkeyIdParams,
  passkeyListSchema,
  passkeySchema,
  passkeySignInBody,
  registerPasskeyBody,
  registrationOptionsSchema,
  removePasskeyBody,
  renamePasskeyBody,
  secondStepBody,
  secondStepOptionsBody,
} from './passkeys.schemas.ts';
import {
  finishPasskeyRegistration,
  listMyPasskeys,
  removeMyPasskey,
  renameMyPasskey,
  signInWithPasskey,
  startPasskeyRegistration,
  startPasskeySecondStep,
  startPasskeySignIn,
  verifyPasskeySecondStep,
} from './passkeys.service.ts';
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

const origin = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent'] });

/** WebAuthn passkeys: one's own (register, list, rename, remove), the second step with one, and signing in with one. */
export const passkeyRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { db, throttle } = deps;
  const rpOf = (request: FastifyRequest) => relyingParty(deps.settings.publicUrl, request.headers.origin);

  app.get(
    '/me/passkeys',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Your passkeys: name, when added, when last used',
        response: { 200: passkeyListSchema, ...problems },
      },
    },
    async (request) => ({ data: await listMyPasskeys(db, principalOf(request).userId!) }),
  );

  app.post(
    '/me/passkeys/options',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Start adding a passkey: the options for navigator.credentials.create()',
        description:
          'The challenge is kept on the server for five minutes, for you only, and works once. Your passkeys are ' +
          'excluded, so an authenticator is not registered twice.',
        response: { 200: registrationOptionsSchema, ...problems },
      },
    },
    async (request) => startPasskeyRegistration(db, rpOf(request), principalOf(request).userId!),
  );

  app.post(
    '/me/passkeys',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Finish adding a passkey: the browser’s answer and a name for it',
        body: registerPasskeyBody,
        response: { 201: passkeySchema, ...problems },
      },
    },
    async (request, reply) => {
      const saved = await finishPasskeyRegistration(db, rpOf(request), {
        userId: principalOf(request).userId!,
        name: request.body.name,
        response: request.body.credential as RegistrationResponseJSON,
        ...origin(request),
      });
      return reply.code(201).send(saved);
    },
  );

  app.patch(
    '/me/passkeys/:id',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Rename one of your passkeys',
        params: passkeyIdParams,
        body: renamePasskeyBody,
        response: { 200: passkeySchema, ...problems },
      },
    },
    async (request) =>
      renameMyPasskey(db, {
        userId: principalOf(request).userId!,
        id: request.params.id,
        name: request.body.name,
      }),
  );

  app.delete(
    '/me/passkeys/:id',
    {
      config: { auth: 'required', sessionOnly: true, errorsIn: 'body' },
      schema: {
        tags,
        summary: 'Remove one of your passkeys',
        description:
          'Within ten minutes of signing in the session is enough; later, give your password, a code from your ' +
          'authenticator or a recovery code (403 `recent_sign_in_required` otherwise).',
        params: passkeyIdParams,
        body: removePasskeyBody.nullish(),
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body ?? {};
      await removeMyPasskey(db, () => deps.secrets.get(), throttle, {
        userId: principal.userId!,
        sessionId: principal.sessionId,
        id: request.params.id,
        password: body.password,
        factor: { code: body.code, recoveryCode: body.recoveryCode },
        ...origin(request),
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/sign-in/mfa/passkey/options',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'The second step of signing in with a passkey instead of a code: the options',
        description:
          'Takes the challenge of a 202 from sign-in (`step: code`, or `enroll` for someone who has a passkey ' +
          'but no authenticator app); offers only that person’s passkeys.',
        body: secondStepOptionsBody,
        response: { 200: authenticationOptionsSchema, ...problems },
      },
    },
    async (request) => {
      const { userId } = await openChallenge(db, request.body.challenge, ['code', 'enroll']);
      return startPasskeySecondStep(db, rpOf(request), userId);
    },
  );

  app.post(
    '/auth/sign-in/mfa/passkey',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Finish signing in with a passkey as the second step',
        description:
          'Failures are slowed down like wrong codes (the same throttle). `rememberDevice` skips the second step ' +
          'on this browser for 30 days.',
        body: secondStepBody,
        response: { 200: meSchema, ...problems },
      },
    },
    async (request, reply) => {
      const { challenge, credential, rememberDevice } = request.body;
      const { userId, workspaceId } = await openChallenge(db, challenge, ['code', 'enroll']);
      const device = await requestDevice(deps, request);
      await verifyPasskeySecondStep(db, rpOf(request), throttle, {
        userId,
        response: credential as AuthenticationResponseJSON,
        knownDevice: device?.userId === userId,
        ...origin(request),
      });
      await closeChallenge(db, challenge);
      const answer = await finishSignIn(deps, request, reply, {
        userId,
        workspaceId,
        secondFactorDone: true,
        passkey: 'second-step',
        rememberMfa: rememberDevice ?? false,
      });
      return reply.code(answer.status).send(answer.body as z.infer<typeof meSchema>);
    },
  );

  app.post(
    '/auth/passkey/options',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Sign in with a passkey: the options (no email needed)',
        response: { 200: authenticationOptionsSchema, ...problems },
      },
    },
    async (request) => startPasskeySignIn(db, rpOf(request)),
  );

  app.post(
    '/auth/passkey',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Sign in with a passkey',
        description:
          'A passkey with user verification counts as both factors: no code is asked, and a role that requires ' +
          'two-step sign-in accepts it. Throttled like passwords; an unknown passkey gets the same 401 ' +
          '`invalid_credentials` as a failed one.',
        body: passkeySignInBody,
        response: { 200: meSchema, ...problems },
      },
    },
    async (request, reply) => {
      const device = await requestDevice(deps, request);
      const { userId, workspaceId } = await signInWithPasskey(db, rpOf(request), throttle, {
        response: request.body.credential as AuthenticationResponseJSON,
        knownDeviceUserId: device?.userId,
        ...origin(request),
      });
      const answer = await finishSignIn(deps, request, reply, { userId, workspaceId, passkey: 'sign-in' });
      return reply.code(answer.status).send(answer.body as z.infer<typeof meSchema>);
    },
  );
};
