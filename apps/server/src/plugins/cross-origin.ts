import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a browser sent `request` from a page of another origin (another scheme, host or port). Browsers say so in
 * `Sec-Fetch-Site`; older ones only send `Origin`, which must then name this server (its public address, or the
 * host the request was sent to). A request with neither header comes from a program, not a page, and no cookie of
 * a victim rides along with it by itself.
 */
function crossOrigin(request: FastifyRequest, publicOrigin: string): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  if (origin === publicOrigin) return false;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return true;
  }
  return host !== request.headers.host;
}

/**
 * Refuses unsafe requests (anything but GET, HEAD and OPTIONS) that a browser sent from another origin with
 * Rabita's cookie, whatever their content type: same-site pages on another port, forms, fetches with credentials.
 * A request with an `Authorization` header (an API key) carries its own credential and is not subject to it.
 */
export function registerCrossOriginGuard(app: FastifyInstance, publicUrl: string): void {
  const publicOrigin = new URL(publicUrl).origin;
  app.addHook('onRequest', async (request, reply) => {
    if (SAFE_METHODS.has(request.method) || request.headers.authorization !== undefined) return;
    const config = request.routeOptions.config;
    if (config?.crossSite === true && config.auth === 'public') return;
    if (!crossOrigin(request, publicOrigin)) return;
    return sendProblem(request, reply, {
      status: 403,
      code: 'cross_origin_request',
      detail: 'Requests that change data must come from Rabita’s own pages or carry an API key.',
    });
  });
}
