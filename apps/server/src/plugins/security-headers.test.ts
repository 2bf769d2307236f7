import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

function directives(header: unknown): Map<string, string> {
  return new Map(
    String(header)
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name = '', ...values] = d.split(/\s+/);
        return [name, values.join(' ')];
      }),
  );
}

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
  });
  afterAll(() => t?.close());

  it('sends a strict CSP, no framing, nosniff and no referrer on pages, API answers and problems', async () => {
    for (const url of ['/', '/people', '/api/v1/me', '/healthz', '/api/v1/nothing-here']) {
      const response = await t.app.inject(url);
      const csp = directives(response.headers['content-security-policy']);
      expect(csp.get('default-src'), url).toBe("'self'");
      expect(csp.get('script-src'), url).toBe("'self'");
      expect(csp.get('frame-ancestors'), url).toBe("'none'");
      expect(csp.get('object-src'), url).toBe("'none'");
      expect(response.headers['x-frame-options'], url).toBe('DENY');
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['referrer-policy'], url).toBe('no-referrer');
      // Plain HTTP: no HSTS, which would lock browsers out of a server without a certificate.
      expect(response.headers['strict-transport-security'], url).toBeUndefined();
    }
  });

  it('gives the API docs page what Swagger UI needs and no more', async () => {
    const response = await t.app.inject('/api/docs');
    expect(response.statusCode).toBe(200);
    const csp = directives(response.headers['content-security-policy']);
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(csp.get('img-src')).toBe("'self' data:");
  });
});

describe('security headers behind an https public address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true', RABITA_PUBLIC_URL: 'https://crm.example.com' });
  });
  afterAll(() => t?.close());

  it('sends HSTS and marks the session cookie Secure even when the proxy speaks plain HTTP to Rabita', async () => {
    const health = await t.app.inject('/healthz');
    expect(health.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
    expect(directives(health.headers['content-security-policy']).has('upgrade-insecure-requests')).toBe(true);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-up',
      payload: {
        email: 'secure@example.com',
        password: 'correct horse battery',
        name: 'S',
        workspaceName: 'W',
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    const cookie = response.cookies.find((c) => c.name === 'rabita_session');
    expect(cookie?.secure).toBe(true);
    expect(cookie?.httpOnly).toBe(true);
  });

  it('keeps the cookie Secure-less over plain HTTP with an http public address (a laptop install)', async () => {
    const plain = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    try {
      const { cookie } = await signUp(plain.app).then((a) => ({ cookie: a.cookie }));
      expect(cookie).toMatch(/^rabita_session=/);
      const response = await plain.app.inject({
        method: 'POST',
        url: '/api/v1/auth/sign-up',
        payload: {
          email: 'plain@example.com',
          password: 'correct horse battery',
          name: 'P',
          workspaceName: 'W',
        },
      });
      expect(response.cookies.find((c) => c.name === 'rabita_session')?.secure).toBeFalsy();
    } finally {
      await plain.close();
    }
  });
});
