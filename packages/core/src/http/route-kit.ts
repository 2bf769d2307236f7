import type {} from '@fastify/cookie';
import type { Database } from '@rabita/db';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import type { Principal } from '../auth/principal.ts';
import type { SecretBox } from '../auth/secret-box.ts';
import type { SessionPolicy } from '../auth/sessions.service.ts';
import type { SignInThrottle } from '../auth/sign-in-throttle.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import type { EventHub } from '../events/event-hub.ts';
import type { SettingsReader } from '../modules/settings.ts';
import type { Action } from '../roles/permissions.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Every API route must say who may call it: `public`, `required` (a session or an API key), or `optional`
     * (anyone, but the caller is recognised when credentials come along).
     */
    auth?: 'public' | 'optional' | 'required';
    /** A workspace-wide action the caller's role must grant. */
    permission?: Action;
    /** Only a signed-in person (not an API key) may call it. */
    sessionOnly?: boolean;
    /**
     * The part of the request the fields named by a service's errors are in (the body for POST, PUT and PATCH,
     * the query string otherwise, unless a route says).
     */
    errorsIn?: 'body' | 'querystring' | 'params';
    /**
     * A public route other sites' pages may post to (a web form's submissions): the cross-origin guard lets it
     * through, since it reads no cookie, and the route checks the `Origin` against its own list. Honoured only
     * with `auth: 'public'`.
     */
    crossSite?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Every /api/v1 route with its declared auth and permission, as registered (for tests that walk them all). */
    apiRoutes: { method: string; url: string; auth: string; permission?: string | undefined }[];
    /** Cookies are `Secure` whatever a request came over: RABITA_PUBLIC_URL is https (set by the app). */
    secureCookies: boolean;
  }
}

/** What the module route plugins need from the composition root. */
export interface RouteDeps {
  db: Database;
  /** The pool behind `db`, for rate limits kept in PostgreSQL (`rate-limiter-flexible`). */
  pool: pg.Pool;
  throttle: SignInThrottle;
  /** Encrypts secrets kept at rest (its key is read when first needed). */
  secrets: { get(): Promise<SecretBox> };
  /** Fans record changes out to event streams (no stream without it). */
  events?: EventHub | undefined;
  /** The platform's settings, and each installed module's (`settings.of(webhooksSettings)`). */
  settings: SettingsReader & {
    openSignup: boolean;
    publicUrl: string;
    invitationDays: number;
    session: SessionPolicy;
  };
}

export const SESSION_COOKIE = 'rabita_session';

/** The caller of a route declared `auth: 'required'` (the auth hook has already refused anyone else). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('unauthenticated', 'Sign in or send an API key.');
  return request.principal;
}

/** The service context of a route declared `auth: 'required'`: the database, its caller and where it called from. */
export function contextOf(db: Database, request: FastifyRequest): ServiceContext {
  return {
    db,
    principal: principalOf(request),
    origin: { ip: request.ip ?? null, userAgent: request.headers['user-agent']?.slice(0, 500) ?? null },
  };
}

/** Secure over https, and always when the public address is https (a proxy may speak plain HTTP to Rabita). */
export function secureCookie(request: FastifyRequest): boolean {
  return request.protocol === 'https' || request.server.secureCookies === true;
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  expiresAt: Date,
): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: secureCookie(request),
    path: '/',
    expires: expiresAt,
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'lax',
    secure: secureCookie(request),
    path: '/',
  });
}

/** Problem details (RFC 9457) as documented in the OpenAPI document. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why PostgreSQL cannot store `value` as text, or undefined when it can: it refuses NUL characters in text and
 * jsonb, and the driver would silently turn a lone surrogate (ill-formed UTF-16) into U+FFFD.
 */
export function unstorableText(value: string): string | undefined {
  if (value.includes('\u0000')) return 'Must not contain NUL characters.';
  if (LONE_SURROGATE.test(value)) return 'Must be well-formed Unicode text (it holds a lone surrogate).';
  return undefined;
}

/** Any string PostgreSQL can store (see unstorableText). */
export const storableString = () =>
  z.string().superRefine((value, ctx) => {
    const problem = unstorableText(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Trimmed text with a length cap; blank text and text PostgreSQL cannot store are refused. */
export const text = (max: number) => storableString().trim().min(1).max(max);
export const emailSchema = z.string().trim().max(254).pipe(z.email());

/**
 * JSON bodies of this plugin's routes parsed as usual but also kept as their exact text (a signature covers the
 * bytes sent), up to `limit` bytes; the returned function gives a request's text. Call it inside the plugin of the
 * signed routes only, so no other route's parser changes.
 */
export function keepRawJsonBodies(app: FastifyInstance, limit: number): (request: FastifyRequest) => string {
  const raw = new WeakMap<object, string>();
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: limit },
    (request, body, done) => {
      raw.set(request, body as string);
      json(request, body as string, done);
    },
  );
  return (request) => raw.get(request) ?? '';
}
