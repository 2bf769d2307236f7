// What the contact centre's benches share (`calls-speed.ts`, `calls-pop.ts`): a workspace in Iran whose admin is an
// agent, people with Iranian mobiles written by set-based SQL as the record engine stores phones (the suffix triggers
// fill their table), a connection's extensions, and call events posted at a steady rate as a phone system posts them.
import { createUserWithWorkspace } from '@rabita/core';
import type { Database } from '@rabita/db';
import type pg from 'pg';
import type { apiClient } from './api-kit.ts';
import { type Figures, summarise } from './stats.ts';

/** Person i's national mobile number (0912 and seven digits); seeded people are numbered from 1. */
export const national = (i: number) => `0912${String(i).padStart(7, '0')}`;
/** Person i's last name: the seven digits of their number, so a card names whom it found. */
export const callerLastName = (i: number) => String(i).padStart(7, '0');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A new workspace with the default country IR and its admin signed in through the API (`cookie`). */
export async function createCallsWorkspace(
  db: Database,
  client: ReturnType<typeof apiClient>,
  options: { name: string; password: string },
) {
  const email = `${options.name}-${Date.now().toString(36)}@bench.example`;
  const admin = await createUserWithWorkspace(db, { email, password: options.password, name: 'Calls bench' });
  const cookie = await client.signIn(email);
  await client.call(cookie, 'PATCH', '/workspace', { defaultCountry: 'IR' });
  return { email, cookie, userId: admin.userId, workspaceId: admin.workspaceId };
}

/**
 * A `generic` connection with the trunk prefix `9` in IR whose `extensions` ring the members given (extension →
 * user id); its API key, shown once.
 */
export async function connectExtensions(
  client: ReturnType<typeof apiClient>,
  cookie: string,
  extensions: Record<string, string>,
): Promise<string> {
  const connection = await client.call<{ apiKey: string }>(cookie, 'POST', '/calls/connections', {
    name: 'Bench PBX',
    type: 'generic',
    extensions,
    stripPrefixes: ['9'],
    country: 'IR',
  });
  return connection.apiKey;
}

/**
 * `count` people numbered 1… (first name `Caller`, last name `callerLastName(i)`, mobile `national(i)` in E.164),
 * one statement as the owner, then `vacuum (analyze)`. `mixed` also gives each a lifecycle stage and a loyalty tier
 * (the custom field `loyaltyTier` must exist), so the mixed load's list filter finds people.
 */
export async function seedCallers(
  owner: pg.Pool,
  workspaceId: string,
  count: number,
  options: { mixed?: boolean } = {},
): Promise<void> {
  await owner.query(
    options.mixed
      ? `insert into people (workspace_id, id, first_name, last_name, phones, phone_numbers, lifecycle_stage, custom)
         select $1, gen_random_uuid(), 'Caller', lpad(i::text, 7, '0'), '[]'::jsonb,
           array['+98912' || lpad(i::text, 7, '0')],
           (array['lead', 'qualified', 'customer', 'customer'])[1 + i % 4],
           jsonb_build_object('loyaltyTier', (array['bronze', 'silver', 'gold', 'platinum'])[1 + (i / 4) % 4])
         from generate_series(1, $2::int) as i`
      : `insert into people (workspace_id, id, first_name, last_name, phones, phone_numbers)
         select $1, gen_random_uuid(), 'Caller', lpad(i::text, 7, '0'), '[]'::jsonb,
           array['+98912' || lpad(i::text, 7, '0')]
         from generate_series(1, $2::int) as i`,
    [workspaceId, count],
  );
  await owner.query('vacuum (analyze)');
}

/** Posts call events (one, or `{events}`) to the app at `base` with a connection's key, as a phone system does. */
export function callEventPoster(base: string, apiKey: string) {
  return async (body: unknown): Promise<{ status: number; answer: string }> => {
    const res = await fetch(`${base}/api/v1/calls/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, answer: await res.text() };
  };
}

/** The call events' figures: each kind's and all of them, with the POSTs that were not answered 202. */
export interface CallTraffic {
  calls: number;
  errors: number;
  all: Figures;
  byKind: Record<string, Figures>;
}

/**
 * `rate` new calls a second, each ringing, answered 200 ms later and ended 800 ms after that (three POSTs, so 3 ×
 * rate events a second), call n from `from(n)` to `extension(n)`; for `seconds`, or until `signal` aborts (the calls
 * under way then finish). Each POST is timed from send to its 202: the event is kept and the call folded (the caller
 * matched on the first event) in its transaction, so its time is the fold's as well.
 */
export async function driveCallEvents(options: {
  post: ReturnType<typeof callEventPoster>;
  rate: number;
  from: (n: number) => string;
  extension: (n: number) => string;
  seconds?: number;
  signal?: AbortSignal;
}): Promise<CallTraffic> {
  const byKind: Record<'ringing' | 'answered' | 'ended', number[]> = { ringing: [], answered: [], ended: [] };
  let errors = 0;
  const timed = async (kind: keyof typeof byKind, body: Record<string, unknown>) => {
    const t0 = performance.now();
    const { status } = await options.post({ ...body, event: kind, at: new Date().toISOString() });
    if (status === 202) byKind[kind].push(performance.now() - t0);
    else errors += 1;
  };
  const calls: Promise<void>[] = [];
  const run = Date.now().toString(36);
  const started = performance.now();
  const total = options.seconds === undefined ? Number.POSITIVE_INFINITY : options.rate * options.seconds;
  for (let n = 0; n < total && !options.signal?.aborted; n++) {
    const wait = started + (n * 1000) / options.rate - performance.now();
    if (wait > 0) await sleep(wait);
    const extension = options.extension(n);
    const body = {
      callId: `bench-${run}-${n}`,
      from: options.from(n),
      to: extension,
      direction: 'inbound',
      extension,
    };
    calls.push(
      (async () => {
        await timed('ringing', { ...body, sequence: 1 });
        await sleep(200);
        await timed('answered', { ...body, sequence: 2 });
        await sleep(800);
        await timed('ended', { ...body, sequence: 3, cause: 'normal' });
      })(),
    );
  }
  await Promise.all(calls);
  const seconds = (performance.now() - started) / 1000;
  const figures: Record<string, Figures> = {};
  for (const [kind, ms] of Object.entries(byKind)) figures[kind] = summarise(ms, 0, seconds);
  return {
    calls: calls.length,
    errors,
    all: summarise(Object.values(byKind).flat(), errors, seconds),
    byKind: figures,
  };
}
