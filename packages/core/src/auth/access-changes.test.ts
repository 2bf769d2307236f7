import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { runImport } from '../imports/imports.service.ts';

/** Opens the event stream and resolves `ended` when the server closes it. */
async function openStream(base: string, headers: Record<string, string>) {
  const response = await fetch(`${base}/api/v1/events`, { headers });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  let text = '';
  let closed = false;
  const ended = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    closed = true;
  })();
  return {
    ended,
    get closed() {
      return closed;
    },
    get text() {
      return text;
    },
    stop: () => reader.cancel().catch(() => {}),
  };
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function csvUpload(csv: string) {
  const boundary = '----rabitaaccess';
  return {
    payload: Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="object"\r\n\r\npeople\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\n\r\n`),
      Buffer.from(csv),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

describe('access changes reach running work', () => {
  let t: TestApp;
  let base: string;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const newKey = async (role = 'member', cookie = admin.cookie) => {
    const r = await call('POST', '/api-keys', { name: `key ${role}`, role }, cookie);
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { id: string; token: string };
  };

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    admin = await signUp(t.app);
  });
  afterAll(() => t?.close());

  it('ends an open event stream when its API key is revoked, and keeps others open', async () => {
    const key = await newKey();
    const kept = await newKey();
    const stream = await openStream(base, { authorization: `Bearer ${key.token}` });
    const other = await openStream(base, { authorization: `Bearer ${kept.token}` });
    await new Promise((r) => setTimeout(r, 200));
    expect((await call('DELETE', `/api-keys/${key.id}`)).statusCode).toBe(204);
    expect(await within(stream.ended, 3000)).not.toBe('timeout');
    await new Promise((r) => setTimeout(r, 300));
    expect(other.closed).toBe(false);
    await other.stop();
  });

  it('sends a revoked key’s stream nothing written after the revocation, while its check is under way', async () => {
    const key = await newKey();
    const stream = await openStream(base, { authorization: `Bearer ${key.token}` });
    await new Promise((r) => setTimeout(r, 200));
    expect((await call('DELETE', `/api-keys/${key.id}`)).statusCode).toBe(204);
    expect((await call('POST', '/objects/people', { firstName: 'AfterRevocation' })).statusCode).toBe(201);
    expect(await within(stream.ended, 3000)).not.toBe('timeout');
    expect(stream.text).not.toContain('event: record');
  });

  it('ends an open event stream when its member is removed or their role changes', async () => {
    const lee = await joinByInvitation(t.app, admin.cookie, {
      email: 'lee@example.com',
      role: 'member',
      name: 'Lee',
    });
    const removed = await openStream(base, { cookie: lee.cookie });
    const sam = await joinByInvitation(t.app, admin.cookie, {
      email: 'sam@example.com',
      role: 'member',
      name: 'Sam',
    });
    const demoted = await openStream(base, { cookie: sam.cookie });
    await new Promise((r) => setTimeout(r, 200));
    expect((await call('DELETE', `/members/${lee.userId}`)).statusCode).toBe(204);
    expect(await within(removed.ended, 3000)).not.toBe('timeout');
    expect((await call('PATCH', `/members/${sam.userId}`, { role: 'viewer' })).statusCode).toBe(200);
    expect(await within(demoted.ended, 3000)).not.toBe('timeout');
  });

  it('revokes the API keys of a removed member, and a demoted member’s keys their new role does not cover', async () => {
    const ana = await joinByInvitation(t.app, admin.cookie, {
      email: 'ana@example.com',
      role: 'admin',
      name: 'Ana',
    });
    const anaKey = await newKey('admin', ana.cookie);
    const auth = { authorization: `Bearer ${anaKey.token}` };
    expect((await call('GET', '/members', undefined, auth)).statusCode).toBe(200);
    expect((await call('DELETE', `/members/${ana.userId}`)).statusCode).toBe(204);
    expect((await call('GET', '/members', undefined, auth)).statusCode).toBe(401);

    // A key made with a key answers to the same person: it goes when they go.
    const cy = await joinByInvitation(t.app, admin.cookie, {
      email: 'cy@example.com',
      role: 'admin',
      name: 'Cy',
    });
    const parent = await newKey('admin', cy.cookie);
    const child = await call(
      'POST',
      '/api-keys',
      { name: 'child', role: 'member' },
      {
        authorization: `Bearer ${parent.token}`,
      },
    );
    expect(child.statusCode, child.body).toBe(201);
    expect((await call('DELETE', `/members/${cy.userId}`)).statusCode).toBe(204);
    expect(
      (await call('GET', '/me', undefined, { authorization: `Bearer ${child.json().token}` })).statusCode,
    ).toBe(401);

    const bo = await joinByInvitation(t.app, admin.cookie, {
      email: 'bo@example.com',
      role: 'admin',
      name: 'Bo',
    });
    const wide = await newKey('admin', bo.cookie);
    const narrow = await newKey('viewer', bo.cookie);
    expect((await call('PATCH', `/members/${bo.userId}`, { role: 'member' })).statusCode).toBe(200);
    expect((await call('GET', '/me', undefined, { authorization: `Bearer ${wide.token}` })).statusCode).toBe(
      401,
    );
    expect(
      (await call('GET', '/me', undefined, { authorization: `Bearer ${narrow.token}` })).statusCode,
    ).toBe(200);
  });

  it('stops an import at its next chunk once its key is revoked', async () => {
    const key = await newKey();
    const rows = Array.from({ length: 9 }, (_, i) => `Imported ${i}`).join('\n');
    const upload = csvUpload(`first name\n${rows}\n`);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      payload: upload.payload,
      headers: { ...upload.headers, authorization: `Bearer ${key.token}` },
    });
    expect(created.statusCode, created.body).toBe(202);
    const id = created.json().id as string;
    // Queued while the key was live; revoked before the runner reaches its first chunk.
    expect((await call('DELETE', `/api-keys/${key.id}`)).statusCode).toBe(204);
    expect(await runImport(t.handle.db, admin.workspaceId, id, { rowsPerChunk: 3 })).toBe('failed');
    const view = (await call('GET', `/imports/${id}`)).json();
    expect(view.error).toMatch(/access/);
    const people = (await call('GET', '/objects/people?limit=100')).json().data as { firstName: string }[];
    expect(people.filter((p) => p.firstName.startsWith('Imported'))).toEqual([]);
  });
});
