import { createHash } from 'node:crypto';
import {
  AppError,
  can,
  type Principal,
  PrincipalCache,
  principalFromApiKey,
  principalFromSession,
  SESSION_COOKIE,
  type SessionPolicy,
} from '@rabita/core';
import type { Database } from '@rabita/db';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';

const API_PREFIX = '/api/v1/';

/**
 * Refuses to register an API route that does not declare its auth, and on each request resolves the caller
 * (Bearer API key or session cookie) and enforces the route's declared auth and permission.
 */
export function registerAuth(
  app: FastifyInstance,
  deps: { db: Database; pool: pg.Pool; session: SessionPolicy },
): void {
  app.decorateRequest('principal', null);
  // Callers are kept for a few seconds and forgotten the moment access changes anywhere (see PrincipalCache).
  const cache = new PrincipalCache(deps.pool.options);
  app.addHook('onReady', async () => void cache.start());
  app.addHook('onClose', () => cache.close());
  const cached = (kind: string, token: string, find: () => Promise<Principal | undefined>) =>
    cache.resolve(`${kind}:${createHash('sha256').update(token).digest('base64')}`, find);

  const routes: { method: string; url: string; auth: string; permission?: string | undefined }[] = [];
  app.decorate('apiRoutes', routes);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(API_PREFIX)) return;
    if (!route.config?.auth) {
      throw new Error(
        `Route ${route.method} ${route.url} must declare config.auth ('public', 'optional' or 'required').`,
      );
    }
    for (const method of [route.method].flat())
      routes.push({ method, url: route.url, auth: route.config.auth, permission: route.config.permission });
  });

  async function resolve(request: FastifyRequest) {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
      const secret = match?.[1];
      const principal = secret
        ? await cached('key', secret, () => principalFromApiKey(deps.db, secret))
        : undefined;
      if (!principal)
        throw new AppError('unauthenticated', 'The API key is missing, malformed, unknown or revoked.');
      return principal;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (token && token.length <= 512)
      return (
        (await cached('session', token, () => principalFromSession(deps.db, token, deps.session))) ?? null
      );
    return null;
  }

  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    if (!config?.auth || config.auth === 'public') return;
    if (config.auth === 'optional') {
      request.principal = await resolve(request).catch(() => null);
      return;
    }
    request.principal = await resolve(request);
    if (!request.principal)
      throw new AppError('unauthenticated', 'Sign in, or send an API key as a Bearer token.');
    if (config.sessionOnly && request.principal.kind !== 'session') {
      throw new AppError('forbidden', 'Only a signed-in person can do this, not an API key.');
    }
    if (config.permission && !can(request.principal, config.permission)) {
      throw new AppError('forbidden', `Your role (${request.principal.role.key}) may not do this.`);
    }
  });
}
