import type { FastifyReply, FastifyRequest } from 'fastify';
import { recordSecurityEvent } from '../audit/audit.service.ts';
import { AppError } from '../errors/app-error.ts';
import { type RouteDeps, SESSION_COOKIE, secureCookie, setSessionCookie } from '../http/route-kit.ts';
import { presentUser } from '../users/users.presenter.ts';
import { getUser } from '../users/users.service.ts';
import { getWorkspace, listUserWorkspaces } from '../workspaces/workspaces.service.ts';
import { principalForMember } from './members.service.ts';
import type { Principal } from './principal.ts';
import { createSession, endSession } from './sessions.service.ts';
import { knownDevice, registerDevice, type SignInChallenge, secondFactorStep } from './sign-in-steps.ts';

export const DEVICE_COOKIE = 'rabita_device';

/** The caller as `GET /me` shows them. */
export async function describeMe(deps: RouteDeps, principal: Principal) {
  const { db } = deps;
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

export async function memberPrincipal(
  deps: RouteDeps,
  userId: string,
  workspaceId: string,
): Promise<Principal> {
  const principal = await principalForMember(deps.db, userId, workspaceId);
  if (!principal) throw new AppError('forbidden', 'You are not a member of that workspace.');
  return principal;
}

/** The person's known device behind the request's device cookie, if any. */
export function requestDevice(deps: RouteDeps, request: FastifyRequest) {
  return knownDevice(deps.db, request.cookies[DEVICE_COOKIE]);
}

/** What a sign-in answers: the caller with a new session, or the challenge of the step still to take. */
export type SignInAnswer =
  | { status: 200 | 201; body: Awaited<ReturnType<typeof describeMe>> }
  | { status: 202; body: { step: 'code' | 'enroll'; challenge: string; expiresAt: string } };

/**
 * Ends a sign-in whose password (or invitation) was right: either asks for the second factor (202 with a
 * challenge) or opens a new session (ending the one the request came with, so sign-in rotates it), records the
 * browser as a known device, and answers with the caller (200).
 */
export async function finishSignIn(
  deps: RouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  input: {
    userId: string;
    workspaceId: string;
    secondFactorDone?: boolean;
    /** A passkey was used: as the second step, or (`'sign-in'`) alone, counting as both factors. */
    passkey?: 'second-step' | 'sign-in';
    rememberMfa?: boolean;
    /** The status of a finished sign-in (201 when it created something). */
    status?: 200 | 201;
  },
): Promise<SignInAnswer> {
  const { db, settings } = deps;
  const device = await requestDevice(deps, request);
  const challenge: SignInChallenge | undefined = await secondFactorStep(db, {
    ...input,
    device,
    passkeyUsed: input.passkey !== undefined,
  });
  if (challenge) {
    return { status: 202, body: { ...challenge, expiresAt: challenge.expiresAt.toISOString() } };
  }
  const previous = request.cookies[SESSION_COOKIE];
  if (previous) await endSession(db, previous);
  const session = await createSession(db, {
    userId: input.userId,
    workspaceId: input.workspaceId,
    policy: settings.session,
    ip: request.ip,
    userAgent: request.headers['user-agent'],
  });
  setSessionCookie(request, reply, session.token, session.expiresAt);
  await recordSecurityEvent(db, {
    workspaceId: input.workspaceId,
    kind: 'auth.signed_in',
    actorUserId: input.userId,
    subject: input.userId,
    details: {
      secondFactor: input.secondFactorDone === true || input.passkey !== undefined,
      ...(input.passkey ? { passkey: input.passkey } : {}),
    },
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  });
  const fresh = await registerDevice(db, {
    userId: input.userId,
    token: request.cookies[DEVICE_COOKIE],
    rememberMfa: input.rememberMfa ?? false,
  });
  if (fresh) {
    reply.setCookie(DEVICE_COOKIE, fresh.token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookie(request),
      path: '/api/v1/auth',
      expires: fresh.expiresAt,
    });
  }
  const me = await describeMe(deps, await memberPrincipal(deps, input.userId, input.workspaceId));
  return { status: input.status ?? 200, body: me };
}
