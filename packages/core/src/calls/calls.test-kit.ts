import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import {
  type apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { CALL_EVENT_KINDS, type CallEventInput } from './call-fold.ts';

// What the calls module's tests share: a served app with two workspaces, members joined with a role, connections,
// call events posted as a phone system posts them, the event stream read as someone, and fast-check call events.

type Caller = ReturnType<typeof apiCaller>;
type Method = Parameters<Caller>[0];
/** Someone who signed up with a workspace of their own: their sign-up, user, workspace and cookie. */
export type Account = Awaited<ReturnType<typeof signUp>>;
/** A member who joined a workspace: their user id and session cookie. */
export type Member = { userId: string; cookie: string };
/** A connection as made: its key (or signing secret) is in the answer only once. */
export type Connection = { id: string; apiKey: string; signingSecret?: string } & Record<string, unknown>;

/**
 * A fresh app with open sign-up and two workspaces: `admin`'s, where the test works, and `other`'s, which must see
 * none of it. `listen` serves it on a loopback port (`base`), for tests that read the event stream.
 */
export async function callsTestApp({ listen = false } = {}) {
  const t: TestApp = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
  let base = '';
  if (listen) {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  }
  return { t, base, admin: await signUp(t.app), other: await signUp(t.app) };
}

let joined = 0;
/** Invites someone with this role into the admin's workspace and signs them in. */
export function joinAs(
  app: FastifyInstance,
  adminCookie: string,
  role: string,
  name: string,
): Promise<Member> {
  joined += 1;
  const local = `${role.replace(/[^a-z0-9]/gi, '')}.${joined}.${Date.now()}`;
  return joinByInvitation(app, adminCookie, { email: `${local}@example.com`, role, name });
}

/** `call`, expecting a 2xx answer: its JSON body. */
export function jsonCaller(call: Caller) {
  return async (method: Method, url: string, body?: unknown, as?: string | Record<string, string>) => {
    const r = await call(method, url, body, as);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.json();
  };
}

/** Makes a phone connection (a `generic` one unless `body` says) as `as`, the caller's default when absent. */
export async function makeConnection(
  call: Caller,
  body: Record<string, unknown>,
  as?: string,
): Promise<Connection> {
  const made = await call('POST', '/calls/connections', { type: 'generic', ...body }, as);
  expect(made.statusCode, made.body).toBe(201);
  return made.json();
}

/** Makes a record through the record engine; its id. */
export async function createRecord(
  call: Caller,
  object: string,
  body: Record<string, unknown>,
): Promise<string> {
  const r = await call('POST', `/objects/${object}`, body);
  expect(r.statusCode, r.body).toBe(201);
  return r.json().id as string;
}

/** Posts call events (one, or a batch) with a connection's API key, as a phone system does; the first call's id. */
export async function postCallEvents(
  app: FastifyInstance,
  key: string,
  events: Record<string, unknown> | Record<string, unknown>[],
): Promise<string> {
  const r = await app.inject({
    method: 'POST',
    url: '/api/v1/calls/events',
    headers: { authorization: `Bearer ${key}` },
    payload: Array.isArray(events) ? { events } : events,
  });
  expect(r.statusCode, r.body).toBe(202);
  return r.json().calls[0].id as string;
}

/**
 * One call event at a time, numbered in the order sent, `at` seconds from now (now unless given), with the test's
 * own numbers (`defaults`: from, to, extension) unless `extra` says otherwise; answers the call's id.
 */
export function callEventSender(app: () => FastifyInstance, defaults: Record<string, unknown>) {
  let sequence = 0;
  return (key: string, callId: string, event: string, extra: Record<string, unknown> = {}, at = 0) => {
    sequence += 1;
    const when = new Date(Date.now() + at * 1000).toISOString();
    return postCallEvents(app(), key, { callId, event, sequence, at: when, ...defaults, ...extra });
  };
}

/** Reads one kind of event (`event: presence`, `event: wall`, `event: call`) from the event stream as someone. */
export async function listenFor(base: string, cookie: string, kind: string) {
  const response = await fetch(`${base}/api/v1/events`, { headers: { cookie } });
  expect(response.status).toBe(200);
  const seen: Record<string, unknown>[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let raw = '';
  const done = (async () => {
    for (;;) {
      const { value, done: finished } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (finished) return;
      raw += decoder.decode(value, { stream: true });
      for (let cut = raw.indexOf('\n\n'); cut >= 0; cut = raw.indexOf('\n\n')) {
        const block = raw.slice(0, cut);
        raw = raw.slice(cut + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (block.includes(`event: ${kind}\n`) && data) seen.push(JSON.parse(data.slice(6)));
      }
    }
  })();
  // The server listens for the stream's events once it has answered its first bytes.
  await new Promise((r) => setTimeout(r, 200));
  return { seen, stop: () => reader.cancel().then(() => done) };
}

/** Waits until `check` holds, or `ms` pass (the assertion after it then says what is wrong). */
export const until = async (check: () => boolean, ms = 5000) => {
  const started = Date.now();
  while (!check() && Date.now() - started < ms) await new Promise((r) => setTimeout(r, 20));
};

// Test data for the calls module's property tests.

const base = Date.parse('2026-12-05T10:00:00Z');

/** A call's events: distinct (event, sequence) pairs, any times, some with the optional parts. */
export const callEvents = (callId = 'c1') =>
  fc
    .uniqueArray(
      fc.record({
        event: fc.constantFrom(...CALL_EVENT_KINDS),
        sequence: fc.integer({ min: 0, max: 20 }),
        offset: fc.integer({ min: 0, max: 600_000 }),
        from: fc.constantFrom('+989121234567', '09121234567', 'sip:100@pbx'),
        to: fc.constantFrom('+982188776655', '100'),
        direction: fc.option(fc.constantFrom('inbound' as const, 'outbound' as const), { nil: undefined }),
        extension: fc.option(fc.constantFrom('100', '101', '2001'), { nil: undefined }),
        duration: fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
        cause: fc.option(fc.constantFrom('normal', 'busy', 'voicemail', 'cancel', 'congestion'), {
          nil: undefined,
        }),
        recordingUrl: fc.option(
          fc.constantFrom('https://pbx.example/r/1.wav', 'https://pbx.example/r/2.wav'),
          {
            nil: undefined,
          },
        ),
        correlationId: fc.option(fc.constantFrom('x1', 'x2'), { nil: undefined }),
        queue: fc.option(fc.constantFrom('support', 'sales', 'Support'), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 12, selector: (e) => `${e.event}:${e.sequence}` },
    )
    .map((events) =>
      events.map(
        ({ offset, ...e }): CallEventInput => ({ ...e, callId, at: new Date(base + offset).toISOString() }),
      ),
    );
