/// <reference lib="dom" />
// Many Rabita instances behind a real load balancer (issue 17): two `rabita start` (RABITA_IN_PROCESS_WORKER=false),
// two `rabita worker` and haproxy on deploy/haproxy.cfg, all on one database server, each a real process. Checks
// that live updates, jobs, sessions, rate limits and caches hold across instances, and what killing an app instance
// or a worker outright costs. Skipped, saying why, where haproxy is not installed (`.ci/run` installs it).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../e2e/browser.ts';
import { newDeskPage } from '../../e2e/desk.ts';
import { createTestDatabase, ownerPool } from '../harness.ts';
import {
  type ClusterEnv,
  clusterEnv,
  findHaproxy,
  freePort,
  type Proc,
  pidOfConnection,
  startApp,
  startHaproxy,
  startWorkerProcess,
  stopAll,
  waitFor,
} from './cluster.ts';

const HAPROXY = findHaproxy();
const TITLE = HAPROXY
  ? 'many instances behind haproxy'
  : 'many instances behind haproxy — SKIPPED: haproxy is not installed (apt-get install haproxy; .ci/run does)';

interface Answer {
  status: number;
  json: Record<string, unknown> & { data?: Record<string, unknown>[] };
  headers: Headers;
}

/** One API call to `base` (an instance or the balancer), as the cookie or headers given. */
async function call(
  base: string,
  method: string,
  url: string,
  options: { body?: unknown; cookie?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${base}/api/v1${url}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let json = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { text };
  }
  return { status: response.status, json: json as Answer['json'], headers: response.headers };
}

function cookieOf(answer: Answer): string {
  const match = /rabita_session=([^;]+)/.exec(answer.headers.get('set-cookie') ?? '');
  if (!match) throw new Error(`no session cookie: ${answer.status} ${JSON.stringify(answer.json)}`);
  return `rabita_session=${match[1]}`;
}

/** The jobs a worker's log says it completed, by task. */
function completedTasks(worker: Proc): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of worker.output().matchAll(/Completed task \d+ \((rabita:[a-z0-9:._-]+)/g)) {
    const task = match[1] as string;
    counts.set(task, (counts.get(task) ?? 0) + 1);
  }
  return counts;
}

interface Delivery {
  deliveryId: string;
  recordId: string;
  at: number;
  /** The sender's end of the connection (to tell which worker sent it). */
  clientPort: number;
}

/**
 * The webhooks' receiver: `/fast` answers 200 at once; `/slow` holds the first request of each delivery unanswered
 * (a worker is killed meanwhile) and answers the repeat.
 */
function startReceiver() {
  const fast: Delivery[] = [];
  const slow: Delivery[] = [];
  const held: http.ServerResponse[] = [];
  let onHeld: ((d: Delivery) => void) | undefined;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const payload = JSON.parse(body || '{}') as { data?: { id?: string } };
      const delivery = {
        deliveryId: String(req.headers['rabita-delivery']),
        recordId: String(payload.data?.id),
        at: Date.now(),
        clientPort: req.socket.remotePort ?? 0,
      };
      if (req.url === '/slow') {
        const repeat = slow.some((d) => d.deliveryId === delivery.deliveryId);
        slow.push(delivery);
        if (!repeat) {
          held.push(res);
          onHeld?.(delivery);
          return;
        }
      } else {
        fast.push(delivery);
      }
      res.writeHead(200).end('ok');
    });
  });
  return {
    server,
    fast,
    slow,
    whenHeld: (fn: (d: Delivery) => void) => {
      onHeld = fn;
    },
    close: () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe.skipIf(!HAPROXY)(TITLE, () => {
  let database: { url: string; drop: () => Promise<void> };
  let owner: pg.Pool;
  let env: ClusterEnv;
  let appA: Proc;
  let appB: Proc;
  let workers: Proc[] = [];
  let A: string;
  let B: string;
  let LB: string;
  let receiver: ReturnType<typeof startReceiver>;
  let receiverUrl: string;
  let admin: { email: string; password: string; cookie: string; workspaceId: string };
  let browser: Browser | undefined;
  let scheduleId = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = ownerPool(database.url, 3);
    receiver = startReceiver();
    await new Promise<void>((r) => receiver.server.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
    const [portA, portB, portLb] = [await freePort(), await freePort(), await freePort()];
    A = `http://127.0.0.1:${portA}`;
    B = `http://127.0.0.1:${portB}`;
    LB = `http://127.0.0.1:${portLb}`;
    env = clusterEnv(database.url, LB);
    // All four at once, as a deployment would start them; they migrate (already done) under one lock.
    [appA, appB, ...workers] = await Promise.all([
      startApp(env, 'app-a', portA),
      startApp(env, 'app-b', portB),
      startWorkerProcess(env, 'worker-1'),
      startWorkerProcess(env, 'worker-2'),
    ]);
    await startHaproxy(HAPROXY as string, portLb, [`127.0.0.1:${portA}`, `127.0.0.1:${portB}`]);

    // The first account, through the balancer.
    const signUp = {
      email: 'owner@example.com',
      password: 'correct horse battery',
      name: 'Scale Owner',
      workspaceName: 'Scale',
    };
    const answer = await call(LB, 'POST', '/auth/sign-up', { body: signUp });
    expect(answer.status, JSON.stringify(answer.json)).toBe(201);
    admin = {
      email: signUp.email,
      password: signUp.password,
      cookie: cookieOf(answer),
      workspaceId: String((answer.json.workspace as { id: string }).id),
    };
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stopAll();
    // Each process's output, for a failed run's reader.
    fs.mkdirSync('test-results', { recursive: true });
    for (const p of [appA, appB, ...workers].filter(Boolean))
      fs.writeFileSync(`test-results/scale-${p.name}.log`, p.output());
    await receiver?.close();
    await owner?.end();
    await database?.drop();
    if (env) fs.rmSync(env.dataRoot, { recursive: true, force: true });
  }, 60_000);

  it('a browser on instance A sees a person created through instance B at once; so does one on the balancer', async () => {
    browser = await launchBrowser();
    const onA = await newDeskPage(browser);
    const onLb = await newDeskPage(browser);
    const streams: string[] = [];
    for (const page of [onA, onLb]) {
      page.on('request', (r) => {
        if (r.url().includes('/api/v1/events')) streams.push(new URL(r.url()).origin);
      });
    }
    const creds = { email: admin.email, password: admin.password };
    expect((await onA.request.post(`${A}/api/v1/auth/sign-in`, { data: creds })).status()).toBe(200);
    expect((await onLb.request.post(`${LB}/api/v1/auth/sign-in`, { data: creds })).status()).toBe(200);
    await onA.goto(`${A}/o/people`);
    await onLb.goto(`${LB}/o/people`);
    for (const page of [onA, onLb]) await page.getByRole('heading', { name: 'People' }).waitFor();
    // Both streams are open before the write, so what follows can only arrive through them.
    await waitFor('both event streams', 20_000, async () => streams.includes(A) && streams.includes(LB));
    await new Promise((r) => setTimeout(r, 500));

    const created = await call(B, 'POST', '/objects/people', {
      cookie: admin.cookie,
      body: { firstName: 'Live', lastName: 'Through-B' },
    });
    expect(created.status).toBe(201);
    const started = Date.now();
    await onA.getByText('Through-B').first().waitFor({ timeout: 15_000 });
    const onASeconds = (Date.now() - started) / 1000;
    await onLb.getByText('Through-B').first().waitFor({ timeout: 15_000 });
    // Not a reload: the page that was loaded before the write is the one showing it.
    expect(await onA.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
    console.log(`live update from B reached the browser on A in ${onASeconds.toFixed(2)} s`);
  }, 120_000);

  it('a session made through A works on B; signing out through B ends it on A within milliseconds', async () => {
    const signIn = await call(A, 'POST', '/auth/sign-in', {
      body: { email: admin.email, password: admin.password },
    });
    expect(signIn.status).toBe(200);
    const cookie = cookieOf(signIn);
    for (const base of [A, B, LB]) expect((await call(base, 'GET', '/me', { cookie })).status).toBe(200);
    expect((await call(B, 'POST', '/auth/sign-out', { cookie })).status).toBe(204);
    expect((await call(B, 'GET', '/me', { cookie })).status).toBe(401);
    // A kept this caller for up to 5 s; the sign-out's announcement makes it forget.
    const ms = await waitFor('A to refuse the ended session', 5_000, async () => {
      return (await call(A, 'GET', '/me', { cookie })).status === 401;
    });
    console.log(`an ended session was refused by the other instance after ${ms} ms`);
  });

  it('an API key revoked through B stops working on A and B within the documented 5 s', async () => {
    const key = await call(A, 'POST', '/api-keys', {
      cookie: admin.cookie,
      body: { name: 'scale', role: 'admin' },
    });
    expect(key.status).toBe(201);
    const bearer = { authorization: `Bearer ${String(key.json.token)}` };
    // Both instances hold the caller in their cache before the revocation.
    for (const base of [A, B, A, B])
      expect((await call(base, 'GET', '/me', { headers: bearer })).status).toBe(200);
    expect(
      (await call(B, 'DELETE', `/api-keys/${String(key.json.id)}`, { cookie: admin.cookie })).status,
    ).toBe(204);
    expect((await call(B, 'GET', '/me', { headers: bearer })).status).toBe(401);
    const ms = await waitFor('A to refuse the revoked key', 5_000, async () => {
      return (await call(A, 'GET', '/me', { headers: bearer })).status === 401;
    });
    expect((await call(LB, 'GET', '/me', { headers: bearer })).status).toBe(401);
    console.log(`a revoked key was refused by the other instance after ${ms} ms`);
  });

  it('the sign-in throttle counts failures made through both instances together', async () => {
    const body = { email: 'nobody-here@example.com', password: 'wrong password 1' };
    // Five free failures for an account from one address, made alternately on A and B.
    for (const base of [A, B, A, B, A])
      expect((await call(base, 'POST', '/auth/sign-in', { body })).status).toBe(401);
    // The sixth sets a wait; the next try is refused on the other instance, and through the balancer.
    expect((await call(B, 'POST', '/auth/sign-in', { body })).status).toBe(401);
    const onA = await call(A, 'POST', '/auth/sign-in', { body });
    expect(onA.status).toBe(429);
    expect(onA.json.code).toBe('rate_limited');
    const throughLb = await call(LB, 'POST', '/auth/sign-in', { body });
    expect(throughLb.status).toBe(429);
  });

  it('metadata kept by each instance follows a change made through the other at once', async () => {
    const field = await call(A, 'POST', '/metadata/objects/people/fields', {
      cookie: admin.cookie,
      body: { key: 'loyaltyTier', type: 'text', labels: { en: 'Loyalty tier' } },
    });
    expect(field.status, JSON.stringify(field.json)).toBe(201);
    // B had the people object's metadata (it served the lists above); the new field is known at once.
    const person = await call(B, 'POST', '/objects/people', {
      cookie: admin.cookie,
      body: { firstName: 'Tiered', loyaltyTier: 'gold' },
    });
    expect(person.status, JSON.stringify(person.json)).toBe(201);
    expect(person.json.loyaltyTier).toBe('gold');
    expect(
      (await call(A, 'GET', `/objects/people/${String(person.json.id)}`, { cookie: admin.cookie })).json,
    ).toMatchObject({ loyaltyTier: 'gold' });
    // And removed through B, A refuses it at once.
    expect(
      (await call(B, 'DELETE', '/metadata/objects/people/fields/loyaltyTier', { cookie: admin.cookie }))
        .status,
    ).toBe(204);
    const refused = await call(A, 'POST', '/objects/people', {
      cookie: admin.cookie,
      body: { firstName: 'Late', loyaltyTier: 'gold' },
    });
    expect(refused.status).toBe(400);
  });

  it('every job runs exactly once across the two workers: webhooks, workflow steps, a wait, a schedule, an import', async () => {
    const cookie = admin.cookie;
    // A workflow on a schedule, every minute: its fire times are checked at the end of the file.
    const schedule = await call(LB, 'POST', '/workflows', {
      cookie,
      body: {
        name: 'Every minute',
        draft: {
          trigger: { type: 'schedule', cron: '* * * * *', timeZone: 'UTC' },
          start: 'note',
          steps: [
            {
              id: 'note',
              type: 'createRecord',
              object: 'tasks',
              values: { title: { value: 'tick' } },
              next: null,
            },
          ],
        },
      },
    });
    expect(schedule.status, JSON.stringify(schedule.json)).toBe(201);
    scheduleId = String(schedule.json.id);
    expect((await call(LB, 'POST', `/workflows/${scheduleId}/publish`, { cookie })).status).toBeLessThan(300);
    expect(
      (await call(LB, 'PATCH', `/workflows/${scheduleId}`, { cookie, body: { enabled: true } })).status,
    ).toBe(200);

    const hook = await call(LB, 'POST', '/webhooks', {
      cookie,
      body: { url: `${receiverUrl}/fast`, objects: ['people'], events: ['created'] },
    });
    expect(hook.status, JSON.stringify(hook.json)).toBe(201);
    // A record workflow whose first step waits (a job scheduled for a time) and whose second writes.
    const flow = await call(LB, 'POST', '/workflows', {
      cookie,
      body: {
        name: 'Follow up',
        draft: {
          trigger: { type: 'record', object: 'people', events: ['created'] },
          start: 'pause',
          steps: [
            { id: 'pause', type: 'wait', until: { expr: 'now + duration("3s")' }, next: 'mark' },
            {
              id: 'mark',
              type: 'updateRecord',
              target: 'trigger',
              values: { jobTitle: { value: 'followed up' } },
              next: null,
            },
          ],
        },
      },
    });
    expect(flow.status, JSON.stringify(flow.json)).toBe(201);
    const flowId = String(flow.json.id);
    expect((await call(LB, 'POST', `/workflows/${flowId}/publish`, { cookie })).status).toBeLessThan(300);
    expect(
      (await call(LB, 'PATCH', `/workflows/${flowId}`, { cookie, body: { enabled: true } })).status,
    ).toBe(200);

    // Thirty people, through the balancer (round robin: both instances).
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const created = await call(LB, 'POST', '/objects/people', {
        cookie,
        body: { firstName: 'Job', lastName: `Once ${i}`, source: 'scale-test' },
      });
      expect(created.status).toBe(201);
      ids.push(String(created.json.id));
    }
    // An import of 500 rows, through the balancer.
    const csv = ['First name,Last name,Email']
      .concat(Array.from({ length: 500 }, (_, i) => `Imported,Row ${i},row${i}@import.example`))
      .join('\n');
    const form = new FormData();
    form.set('object', 'people');
    form.set('file', new Blob([csv], { type: 'text/csv' }), 'people.csv');
    const upload = await fetch(`${LB}/api/v1/imports`, { method: 'POST', headers: { cookie }, body: form });
    expect(upload.status, await upload.clone().text()).toBe(202);
    const importId = String(((await upload.json()) as { id: string }).id);

    await waitFor(
      'every webhook delivery',
      60_000,
      async () => new Set(receiver.fast.map((d) => d.recordId)).size >= 31,
    );
    await waitFor('the import', 90_000, async () => {
      const status = (await call(LB, 'GET', `/imports/${importId}`, { cookie })).json.status;
      if (status === 'failed') throw new Error('the import failed');
      return status === 'completed' || status === 'succeeded' || status === 'done';
    });
    // Every run ended: the thirty people's and the imported rows' (each created person starts one), not any 31 of
    // them — the import's 500 runs once satisfied a count of 31 while a person's run still waited behind them, and
    // the next test then started with hundreds of steps still queued.
    await waitFor('every workflow run', 180_000, async () => {
      const { rows } = await owner.query(
        `select count(*) filter (where status = 'succeeded')::int as done,
                count(*) filter (where status in ('queued', 'running', 'waiting'))::int as open
           from workflow_runs where workflow_id = $1`,
        [flowId],
      );
      return rows[0].done >= 31 && rows[0].open === 0;
    });

    // Webhooks: each created person (the browser test's one too) delivered once, each delivery received once.
    const byDelivery = new Map<string, number>();
    for (const d of receiver.fast) byDelivery.set(d.deliveryId, (byDelivery.get(d.deliveryId) ?? 0) + 1);
    expect([...byDelivery.values()].every((n) => n === 1)).toBe(true);
    for (const id of ids) expect(receiver.fast.filter((d) => d.recordId === id)).toHaveLength(1);

    // Workflows: one run per person, each step run once, in its first attempt.
    const runs = await owner.query(
      `select r.trigger_record_id, r.status, count(s.*)::int as steps, max(s.attempt)::int as attempts,
              count(distinct s.step_id)::int as distinct_steps
         from workflow_runs r left join workflow_step_runs s on s.workspace_id = r.workspace_id and s.run_id = r.id
        where r.workflow_id = $1 group by r.workspace_id, r.id`,
      [flowId],
    );
    for (const id of ids) {
      const mine = runs.rows.filter((r) => r.trigger_record_id === id);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ status: 'succeeded', steps: 2, attempts: 1, distinct_steps: 2 });
    }
    const marked = await owner.query(
      `select count(*)::int as n from people where id = any($1::uuid[]) and job_title = 'followed up'`,
      [ids],
    );
    expect(marked.rows[0].n).toBe(30);

    // The import: once, every row created once.
    const imported = await owner.query(
      `select count(*)::int as n, count(distinct last_name)::int as names from people where first_name = 'Imported'`,
    );
    expect(imported.rows[0]).toEqual({ n: 500, names: 500 });
    const run = await owner.query(`select created, claimed_by from imports where id = $1`, [importId]);
    expect(run.rows[0].created).toBe(500);

    // Both workers took a share of the jobs. A job logs its completion after its delivery was received and stored, so
    // the last one's line may still be on its way (a run counted 30 of 31 read at once).
    await waitFor(
      'every delivery job logged as completed',
      30_000,
      async () =>
        workers.reduce((n, w) => n + (completedTasks(w).get('rabita:webhook-deliver') ?? 0), 0) >= 31,
    );
    const [one, two] = workers.map(completedTasks) as [Map<string, number>, Map<string, number>];
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    console.log(
      'jobs completed by worker 1:',
      Object.fromEntries(one),
      'by worker 2:',
      Object.fromEntries(two),
    );
    expect(total(one)).toBeGreaterThan(0);
    expect(total(two)).toBeGreaterThan(0);
    const deliveries = (one.get('rabita:webhook-deliver') ?? 0) + (two.get('rabita:webhook-deliver') ?? 0);
    expect(deliveries).toBeGreaterThanOrEqual(31);
    // The record workflow stops here: the load test below finds its people by the job title they were written with,
    // which this workflow would change three seconds after each was created.
    expect(
      (await call(LB, 'PATCH', `/workflows/${flowId}`, { cookie, body: { enabled: false } })).status,
    ).toBe(200);
  }, 240_000);

  it('killing app instance A under a steady write load loses no acknowledged write; the balancer answers the rest', async () => {
    const tag = `load-${Date.now()}`;
    const acknowledged: string[] = [];
    const outcomes = { keyed: new Map<number, number[]>(), unkeyed: new Map<number, number[]>() };
    let errors = 0;
    let n = 0;
    let killedAt = 0;
    let afterKill = 0;
    const stopAt = Date.now() + 9_000;
    // Eight clients writing people through the balancer; every other request carries an Idempotency-Key. A keyed
    // request that does not get its 201 is sent again with the same key, as a client should.
    const client = async () => {
      while (Date.now() < stopAt) {
        const i = n++;
        const keyed = i % 2 === 0;
        const statuses: number[] = [];
        for (let attempt = 0; attempt < (keyed ? 5 : 1); attempt++) {
          const answer = await call(LB, 'POST', '/objects/people', {
            cookie: admin.cookie,
            body: { firstName: 'Load', lastName: `n${i}`, jobTitle: tag },
            headers: keyed ? { 'idempotency-key': `${tag}-${i}` } : {},
          }).catch(() => ({ status: 0, json: {} }) as Answer);
          statuses.push(answer.status);
          if (answer.status === 201) {
            acknowledged.push(String(answer.json.id));
            if (killedAt && Date.now() > killedAt) afterKill++;
            break;
          }
          if (answer.status === 0) errors++;
          await new Promise((r) => setTimeout(r, 200));
        }
        (keyed ? outcomes.keyed : outcomes.unkeyed).set(i, statuses);
      }
    };
    const clients = Array.from({ length: 8 }, client);
    await new Promise((r) => setTimeout(r, 3_000));
    appA.child.kill('SIGKILL');
    killedAt = Date.now();
    await appA.exited;
    await Promise.all(clients);

    // Every 201 is in the database, once.
    const { rows } = await owner.query<{ id: string; last_name: string }>(
      `select id, last_name from people where job_title = $1`,
      [tag],
    );
    const stored = new Set(rows.map((r) => r.id));
    expect(acknowledged.length).toBeGreaterThan(5);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    const perName = new Map<string, number>();
    for (const r of rows) perName.set(r.last_name, (perName.get(r.last_name) ?? 0) + 1);
    // A keyed request was created exactly once and answered 201 in the end.
    for (const [i, statuses] of outcomes.keyed) {
      expect(statuses.at(-1), `request ${i}: ${statuses.join(',')}`).toBe(201);
      expect(perName.get(`n${i}`)).toBe(1);
    }
    // The balancer kept answering after the kill, through B.
    expect(appB.child.exitCode).toBeNull();
    expect(afterKill).toBeGreaterThan(2);
    const keyedRetried = [...outcomes.keyed.values()].filter((s) => s.length > 1).length;
    const unkeyedFailed = [...outcomes.unkeyed.entries()].filter(([, s]) => s[0] !== 201);
    // An unkeyed write that failed is a 502 from the balancer (never a 5xx of Rabita's); it may or may not have
    // been carried out, which the client cannot tell: that is what the Idempotency-Key is for.
    for (const [, s] of unkeyedFailed) expect([0, 502, 503, 504]).toContain(s[0]);
    const unkeyedFailedStored = unkeyedFailed.filter(([i]) => perName.has(`n${i}`)).length;
    console.log(
      `app kill: ${n} requests, ${acknowledged.length} acknowledged (${afterKill} after the kill), ` +
        `${keyedRetried} keyed requests sent again by the client, ${unkeyedFailed.length} unkeyed answered ` +
        `${unkeyedFailed.map(([, s]) => s[0]).join(',') || 'none'} (${unkeyedFailedStored} of them carried out), ` +
        `${errors} connection errors`,
    );
  }, 60_000);

  it('killing a worker mid-job has its job picked up by the other within 2 minutes', async () => {
    const cookie = admin.cookie;
    const hook = await call(LB, 'POST', '/webhooks', {
      cookie,
      body: { url: `${receiverUrl}/slow`, objects: ['companies'], events: ['created'] },
    });
    expect(hook.status).toBe(201);
    const held = new Promise<Delivery>((resolve) => receiver.whenHeld(resolve));
    const company = await call(LB, 'POST', '/objects/companies', {
      cookie,
      body: { name: 'Slow Receiver Co' },
    });
    expect(company.status).toBe(201);
    const first = await held;
    // The worker sending it is the process holding the other end of the held connection: kill it.
    const pid = pidOfConnection(
      first.clientPort,
      (receiver.server.address() as AddressInfo).port,
      workers.map((w) => w.child.pid as number),
    );
    const victim = workers.find((w) => w.child.pid === pid);
    expect(victim, `the sender (pid ${pid}) is one of the two workers`).toBeDefined();
    const pools = await owner.query<{ pool_id: string }>(
      `select pool_id from worker_heartbeats where pid = $1`,
      [pid],
    );
    expect(pools.rows.length).toBeGreaterThan(0);
    const deadPools = pools.rows.map((r) => r.pool_id);
    (victim as Proc).child.kill('SIGKILL');
    const killedAt = Date.now();
    await (victim as Proc).exited;
    // The jobs the dead worker held (the delivery's among them), and how often each had been taken.
    const heldJobs = await owner.query<{ id: string; attempts: number }>(
      `select id::text, attempts from graphile_worker._private_jobs where locked_by = any($1::text[])`,
      [deadPools],
    );
    expect(heldJobs.rows.length).toBeGreaterThan(0);
    const survivor = workers.find((w) => w !== victim) as Proc;

    await waitFor('the delivery to be sent again by the other worker', 120_000, async () =>
      receiver.slow.some((d) => d.deliveryId === first.deliveryId && d.at > killedAt),
    );
    const again = receiver.slow.find((d) => d.deliveryId === first.deliveryId && d.at > killedAt) as Delivery;
    await waitFor('the delivery to be recorded as delivered', 20_000, async () => {
      const { rows } = await owner.query(`select status from webhook_deliveries where id = $1`, [
        first.deliveryId,
      ]);
      return rows[0]?.status === 'delivered';
    });
    // Every job the dead worker held is taken again (its attempt count moves) or done (gone) within two minutes.
    await waitFor(
      "the dead worker's jobs to be run again",
      Math.max(1, killedAt + 120_000 - Date.now()),
      async () => {
        const { rows } = await owner.query<{ id: string; attempts: number; locked_by: string | null }>(
          `select id::text, attempts, locked_by from graphile_worker._private_jobs where id = any($1::bigint[])`,
          [heldJobs.rows.map((r) => r.id)],
        );
        return rows.every((r) => {
          const before = heldJobs.rows.find((h) => h.id === r.id)?.attempts ?? 0;
          return r.attempts > before && !deadPools.includes(r.locked_by ?? '');
        });
      },
    );
    const pickedUpSeconds = (Date.now() - killedAt) / 1000;
    expect(again.at - killedAt).toBeLessThan(120_000);
    expect(survivor.child.exitCode).toBeNull();
    console.log(
      `a killed worker's delivery was sent again by the other after ${((again.at - killedAt) / 1000).toFixed(1)} s; ` +
        `its ${heldJobs.rows.length} jobs were all taken again within ${pickedUpSeconds.toFixed(1)} s`,
    );
  }, 180_000);

  it('a scheduled workflow ran once per fire time, across both workers and then the one left', async () => {
    // Read once every run so far has finished, and not near a minute's start, when the next one fires (a run read at
    // the very minute it fired was still queued).
    await waitFor('two finished fire times of the minutely workflow', 150_000, async () => {
      const { rows } = await owner.query(
        `select count(*)::int as n,
                count(*) filter (where status in ('queued', 'running', 'waiting'))::int as unfinished,
                extract(second from clock_timestamp())::int as second
           from workflow_runs where workflow_id = $1`,
        [scheduleId],
      );
      return rows[0].n >= 2 && rows[0].unfinished === 0 && rows[0].second >= 5 && rows[0].second <= 50;
    });
    const { rows } = await owner.query<{ fire_at: string; runs: number; steps: number; status: string }>(
      `select r.trigger->>'fireAt' as fire_at, count(distinct r.id)::int as runs, count(s.*)::int as steps,
              min(r.status) as status
         from workflow_runs r left join workflow_step_runs s on s.workspace_id = r.workspace_id and s.run_id = r.id
        where r.workflow_id = $1 group by 1 order by 1`,
      [scheduleId],
    );
    for (const row of rows)
      expect(row, row.fire_at).toMatchObject({ runs: 1, steps: 1, status: 'succeeded' });
    const ticks = await owner.query(`select count(*)::int as n from tasks where title = 'tick'`);
    expect(ticks.rows[0].n).toBe(rows.length);
  }, 180_000);
});

describe.skipIf(!HAPROXY)(`${TITLE}: what a client sees when an instance dies mid-request`, () => {
  // Two stand-ins for instances on deploy/haproxy.cfg: the first reads each request and dies on it (closes without a
  // word, as a killed process does), the second answers. Which requests haproxy repeats on the second is decided by
  // the configuration alone, so stand-ins make it exact where a real kill is a matter of timing.
  const hits = { dying: 0, alive: 0 };
  const dying = http.createServer((req, res) => {
    if (req.url === '/readyz') return void res.end('ok');
    hits.dying++;
    req.resume();
    req.on('end', () => req.socket.destroy());
  });
  const alive = http.createServer((req, res) => {
    if (req.url === '/readyz') return void res.end('ok');
    hits.alive++;
    req.resume();
    req.on('end', () => res.writeHead(req.method === 'POST' ? 201 : 200).end('{}'));
  });
  let lb = '';

  beforeAll(async () => {
    for (const server of [dying, alive])
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = await freePort();
    const address = (s: http.Server) => `127.0.0.1:${(s.address() as AddressInfo).port}`;
    // Checks every 10 s: the dying stand-in stays "up", as a just-killed instance does until its checks fail.
    await startHaproxy(HAPROXY as string, port, [address(dying), address(alive)], '10s');
    lb = `http://127.0.0.1:${port}`;
  }, 60_000);
  afterAll(async () => {
    await stopAll();
    dying.closeAllConnections();
    alive.closeAllConnections();
    dying.close();
    alive.close();
  });

  /** Sends the request until round robin gives it to the dying stand-in first; says what the client got then. */
  const whenSentToTheDyingOne = async (method: string, url: string, headers: Record<string, string> = {}) => {
    for (let i = 0; i < 4; i++) {
      hits.dying = 0;
      hits.alive = 0;
      const status = await fetch(`${lb}${url}`, {
        method,
        headers: { 'content-type': 'application/json', connection: 'close', ...headers },
        ...(method === 'POST' ? { body: '{}' } : {}),
      }).then(
        (r) => r.status,
        () => 0,
      );
      if (hits.dying > 0) return `${status} ${hits.alive ? 'answered by the other' : 'not repeated'}`;
    }
    throw new Error('round robin never chose the dying stand-in');
  };

  it('repeats reads and record creates with an Idempotency-Key on the other instance; other writes answer 502', async () => {
    expect(await whenSentToTheDyingOne('GET', '/api/v1/objects/people')).toBe('200 answered by the other');
    expect(
      await whenSentToTheDyingOne('POST', '/api/v1/objects/people', { 'idempotency-key': 'same-create' }),
    ).toBe('201 answered by the other');
    // A create without a key, or any other write, may have been carried out before the instance died: not repeated.
    expect(await whenSentToTheDyingOne('POST', '/api/v1/objects/people')).toBe('502 not repeated');
    expect(
      await whenSentToTheDyingOne('POST', '/api/v1/workflows/x/publish', {
        'idempotency-key': 'ignored-here',
      }),
    ).toBe('502 not repeated');
  });
});
