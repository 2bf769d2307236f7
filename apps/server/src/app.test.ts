import { openOwnerDatabase } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.ts';
import { buildApp } from './app.ts';

describe('the HTTP application', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it('answers /healthz while the process is up', async () => {
    const response = await t.app.inject('/healthz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz when the database is reachable and its migrations current', async () => {
    const response = await t.app.inject('/readyz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ready', migrations: 'current' });
  });

  it('serves an OpenAPI 3.1 document describing the API, generated from the route schemas', async () => {
    const response = await t.app.inject('/api/v1/openapi.json');
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/api/v1/auth/sign-up',
      '/api/v1/auth/sign-in',
      '/api/v1/me',
      '/api/v1/workspace',
      '/api/v1/invitations',
      '/api/v1/api-keys',
      '/api/v1/api-keys/{id}',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const signUpBody = doc.paths['/api/v1/auth/sign-up'].post.requestBody.content['application/json'].schema;
    expect(signUpBody.required).toEqual(
      expect.arrayContaining(['email', 'password', 'name', 'workspaceName']),
    );
    expect(doc.components.securitySchemes).toHaveProperty('apiKey');
    expect(JSON.stringify(doc)).toContain('Problem');
  });

  it('serves interactive API documentation at /api/docs', async () => {
    const response = await t.app.inject('/api/docs/');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('swagger');
  });

  it('echoes a sane x-request-id and replaces an unsafe one', async () => {
    const kept = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await t.app.inject({
      url: '/healthz',
      headers: { 'x-request-id': '<script>'.repeat(20) },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown route with a problem document', async () => {
    const response = await t.app.inject('/api/v1/nothing-here');
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({
      status: 404,
      code: 'route_not_found',
      type: 'urn:rabita:problem:route_not_found',
    });
  });

  it('serves the web app at / and at any screen’s address, but not for API paths', async () => {
    for (const url of ['/', '/sign-in', '/o/people', '/accept-invitation?token=x']) {
      const response = await t.app.inject(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type'], url).toContain('text/html');
      expect(response.body, url).toContain('<div id="root">');
    }
    const api = await t.app.inject('/api/v1/nothing-here');
    expect(api.statusCode).toBe(404);
    expect(api.headers['content-type']).toContain('application/problem+json');
    const manifest = await t.app.inject('/manifest.webmanifest');
    expect(manifest.statusCode).toBe(200);
    expect(JSON.parse(manifest.body).name).toBe('Rabita CRM');
  });

  it('refuses to register an API route that does not declare its auth', async () => {
    const app = await buildApp(t.config, { db: t.handle.db, pool: t.handle.pool });
    expect(() => app.get('/api/v1/undeclared', async () => 'oops')).toThrow(/must declare config.auth/);
    await app.close();
  });

  it('reports not ready with 503 when a migration is missing', async () => {
    const owner = openOwnerDatabase(t.url);
    const { rows } = await sql<{ name: string }>`delete from rabita_migration returning name`.execute(owner);
    try {
      const response = await t.app.inject('/readyz');
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ code: 'not_ready' });
    } finally {
      for (const { name } of rows) {
        await sql`insert into rabita_migration (name, timestamp) values (${name}, now()::text)`.execute(
          owner,
        );
      }
      await owner.destroy();
    }
  });
});
