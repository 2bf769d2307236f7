import { randomUUID } from 'node:crypto';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import {
  assertSettingsRead,
  createSignInThrottle,
  EventHub,
  installModules,
  lazySecretBox,
  loadObjects,
  MODULES,
  type ModuleManifest,
  objectsOpenApi,
  presentedSerializer,
  type RouteDeps,
  readOrCreateSecretKey,
  type ThrottleLimits,
} from '@rabita/core';
import { type Database, missingMigrations, onAfterCommitError, withWorkspace } from '@rabita/db';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import type { Config } from './config.ts';
import { registerAuth } from './plugins/auth.ts';
import { registerCrossOriginGuard } from './plugins/cross-origin.ts';
import {
  clientErrorHandler,
  frameworkErrors,
  registerProblemHandler,
  sendProblem,
} from './plugins/problem.ts';
import { DOCS_CSP, helmetOptions } from './plugins/security-headers.ts';
import { registerStorableTextGuard } from './plugins/storable-text.ts';
import { WEB_DIST, webAppBuilt } from './web.ts';

export interface AppDeps {
  db: Database;
  /** The pool behind `db`, for the shared sign-in rate limits. */
  pool: pg.Pool;
  /** Overrides the sign-in limits (tests use small ones). */
  throttle?: ThrottleLimits;
  /** The modules to run (Rabita's shipped list unless a test brings its own). */
  modules?: readonly ModuleManifest[];
  /** The built web app to serve (apps/web/dist unless a test built one with web modules of its own). */
  webDist?: string;
}

const VERSION = '0.1.0';
const REQUEST_ID = /^[\w.:-]{1,64}$/;

/** Composes the HTTP application: cross-cutting plugins, then each installed module's routes under /api/v1. */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const modules = installModules(deps.modules ?? MODULES);
  assertSettingsRead(modules.modules, config.moduleSettings);
  const app = Fastify({
    logger: { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] },
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    // Read in genReqId instead, so an unsafe incoming id is replaced rather than echoed.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { allErrors: true } },
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // Lists of gate-shaped records skip the zod encode (core `http/presented-response.ts`); every other response is
  // encoded through its schema.
  app.setSerializerCompiler(
    (route) =>
      presentedSerializer(route.schema) ??
      serializerCompiler(route as Parameters<typeof serializerCompiler>[0]),
  );
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  registerProblemHandler(app);
  onAfterCommitError((error) => app.log.error({ err: error }, 'an after-commit step failed'));
  const https = config.publicUrl.startsWith('https:');
  await app.register(fastifyHelmet, helmetOptions(https));
  app.decorate('secureCookies', https);
  registerCrossOriginGuard(app, config.publicUrl);
  registerStorableTextGuard(app);
  await app.register(fastifyCookie);
  const session = { idleHours: config.sessionIdleHours, maxDays: config.sessionMaxDays };
  registerAuth(app, { db: deps.db, pool: deps.pool, session });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rabita API',
        version: VERSION,
        description: 'The REST API of Rabita. Errors are RFC 9457 problem documents with a stable `code`.',
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'rabita_session' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key created at /api/v1/api-keys.' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { url: '/api/v1/openapi.json', validatorUrl: null },
    staticCSP: DOCS_CSP,
  });

  const events = new EventHub(deps.pool);
  app.addHook('onClose', () => events.close());
  const routeDeps: RouteDeps = {
    db: deps.db,
    pool: deps.pool,
    events,
    throttle: createSignInThrottle(deps.pool, deps.throttle),
    secrets: lazySecretBox(async () => config.secretKey ?? (await readOrCreateSecretKey(config.dataDir))),
    settings: {
      openSignup: config.openSignup,
      publicUrl: config.publicUrl,
      invitationDays: config.invitationDays,
      session,
      of: (decl) => config.moduleSettings.of(decl),
    },
  };
  await app.register(
    async (api) => {
      // The shared document, plus — for a signed-in caller or API key — a typed path and schema per object of
      // their workspace, custom fields included.
      api.get('/openapi.json', { config: { auth: 'optional' }, schema: { hide: true } }, async (request) => {
        const base = app.swagger() as unknown as {
          paths: Record<string, unknown>;
          components: { schemas?: Record<string, unknown> };
        };
        if (!request.principal) return base;
        const { workspaceId } = request.principal;
        const objects = await withWorkspace(deps.db, workspaceId, (trx) => loadObjects(trx, workspaceId));
        const extra = objectsOpenApi(objects);
        return {
          ...base,
          paths: { ...base.paths, ...extra.paths },
          components: { ...base.components, schemas: { ...base.components.schemas, ...extra.schemas } },
        };
      });
      for (const routes of modules.routes) await api.register(routes, routeDeps);
    },
    { prefix: '/api/v1' },
  );
  // Public pages outside the API (a web form's hosted page), each route declaring its auth like the API's.
  for (const pages of modules.pages) await app.register(pages, routeDeps);

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'The process is up',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'The database answers and its schema is current' } },
    async (request, reply) => {
      try {
        const missing = await missingMigrations(deps.db, modules.migrations);
        if (missing.length > 0) {
          return sendProblem(request, reply, {
            status: 503,
            code: 'not_ready',
            detail: `The database lacks migrations: ${missing.join(', ')}; run \`rabita migrate\`.`,
          });
        }
        return { status: 'ready', database: 'ok', migrations: 'current' };
      } catch {
        return sendProblem(request, reply, {
          status: 503,
          code: 'not_ready',
          detail: 'The database does not answer.',
        });
      }
    },
  );

  // The web app: hashed assets cached for good, index.html never, and every other non-API GET answered with
  // index.html so the browser's router can show the screen. Without a build, `/` says how to make one.
  const webDist = deps.webDist ?? WEB_DIST;
  if (webAppBuilt(webDist)) {
    await app.register(fastifyStatic, {
      root: webDist,
      prefix: '/',
      index: ['index.html'],
      // Files are looked up per request, so a rebuilt app is served without a restart.
      wildcard: true,
      setHeaders: (res, file) => {
        res.header(
          'cache-control',
          file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }
  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    const page = request.method === 'GET' && !url.startsWith('/api/') && !/\.[a-z0-9]+$/i.test(url);
    if (page && webAppBuilt(webDist))
      return reply.header('cache-control', 'no-cache').sendFile('index.html', webDist);
    if (page && url === '/')
      return sendProblem(request, reply, {
        status: 503,
        code: 'not_ready',
        detail: 'The web app is not built yet; run `npm run web:build` (npm start does it by itself).',
      });
    return sendProblem(request, reply, {
      status: 404,
      code: 'route_not_found',
      detail: `There is no ${request.method} ${url}.`,
    });
  });

  return app;
}
