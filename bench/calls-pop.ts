/// <reference lib="dom" />
// The screen pop under load (issue 18, "Speed"): INVITE → call card painted in the agent's browser p95 < 200 ms with
// 50 calls a second arriving and the mixed load running. `node bench/calls-pop.ts [--quick] [--people 100000]
// [--pops 100] [--rate 50] [--agents 10] [--connections 8] [--mixed-rate 50] [--ring 2] [--pause 500] [--settle 5]
// [--warm-up 2] [--page /o/companies]`; `--quick` makes the defaults 20,000 people and 20 pops.
//
// Set-up: an embedded PostgreSQL (or DATABASE_URL) and the app built in this process on loopback, serving the built
// web app (built first when missing). One workspace in IR; `--people` people with an Iranian mobile each
// (calls-kit.ts, set-based SQL), each with a lifecycle stage and a loyalty tier for the mixed load's list. The admin is
// the agent at extension 200; `--agents` more members (invited and accepted through the API) at 201, 202, … A connection
// with the trunk prefix `9` maps them. Kamailio on loopback (packages/core/src/calls/sip/kamailio.cfg, through
// sip-harness.ts) posts the SIP calls' events to the app; a baresip desk phone is registered as extension 200 and
// rings without answering. The agent is signed in in headless Chromium (playwright-core, e2e/browser.ts) on another
// page than any person's (`--page`), its event stream open.
//
// Background, for the whole measured window (started `--settle` seconds before the first pop, stopped after the last;
// driven from a worker thread, calls-pop-load.ts, so that its HTTP clients do not share the app's event loop):
//  - `--rate` calls a second through the call-event API to the other agents' extensions (ringing → answered 200 ms
//    later → ended 800 ms after that, as calls-speed.ts part (b): 3 × rate events a second), from people's numbers;
//  - the mixed load of bench/run.ts (mixed-load.ts: list, record, search, record, create; `--connections` at once;
//    0 leaves it out, to see what the call events alone cost), at `--mixed-rate` requests a second all together — 50,
//    a hundred people at work in the CRM beside the calls, each asking something every two seconds; 0 drives it as
//    fast as the app answers, which takes whatever the app has to spare (ARCHITECTURE.md, "The screen pop's mixed
//    load").
// Measured: `--pops` real SIP calls (baresip, from `9` + a person's national number, so the trunk prefix is stripped and
// the caller matched) to extension 200, one after another with `--pause` ms between them, after `--warm-up` unmeasured
// ones. Each pop is timed from the INVITE at Kamailio (its ringing event's `at`, to the millisecond) to the card naming
// the caller painted (two animation frames after its name is in the page) — the same machine's clock at both ends —
// and split where the time goes: Kamailio → the event kept (the fold's transaction start, `call_events.received_at`),
// → the stream's `call` event in the browser, → the card's read sent, → its answer, → painted.
// Also reported, so the figure's context is known: the background's own figures, the stream events the browser got,
// the CPU each program of the run used in the window (process-cpu.ts), what the app's database connections were doing
// (sampled from pg_stat_activity) and the events Kamailio could not deliver. Five pops lost in a row end the run.
// Prints a table and writes bench/results/<time>-calls-pop.json.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import type { Page } from 'playwright-core';
import { ensureWebApp } from '../apps/server/src/web.ts';
import { launchBrowser } from '../e2e/browser.ts';
import { openWithStream } from '../e2e/calls-desk.ts';
import { newDeskPage } from '../e2e/desk.ts';
import {
  baresipCall,
  missingPrograms,
  type Running,
  startKamailio,
  startPhone,
} from '../packages/core/src/calls/sip/sip-harness.ts';
import { apiClient, machineFigures, startBenchApp, writeBenchResults } from './api-kit.ts';
import {
  callerLastName,
  connectExtensions,
  createCallsWorkspace,
  national,
  seedCallers,
} from './calls-kit.ts';
import type { PopLoadFigures, PopLoadOptions } from './calls-pop-load.ts';
import { cpuBetween, cpuByProgram } from './process-cpu.ts';
import { type Figures, percentile } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    people: { type: 'string' },
    pops: { type: 'string' },
    rate: { type: 'string', default: '50' },
    agents: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    'mixed-rate': { type: 'string', default: '50' },
    ring: { type: 'string', default: '2' },
    pause: { type: 'string', default: '500' },
    settle: { type: 'string', default: '5' },
    'warm-up': { type: 'string', default: '2' },
    page: { type: 'string', default: '/o/companies' },
    // Serve from `rabita start` with this many web processes (RABITA_WEB_PROCESSES) instead of the app in this process.
    'web-processes': { type: 'string' },
  },
});
const people = Number(args.people ?? (args.quick ? 20_000 : 100_000));
const pops = Number(args.pops ?? (args.quick ? 20 : 100));
const rate = Number(args.rate);
const agents = Number(args.agents);
const connections = Number(args.connections);
const mixedRate = Number(args['mixed-rate']);
const ringSeconds = Number(args.ring);
const pauseMs = Number(args.pause);
const settleSeconds = Number(args.settle);
const warmUp = Number(args['warm-up']);
const webProcesses = args['web-processes'] === undefined ? undefined : Number(args['web-processes']);
if (
  webProcesses !== undefined &&
  !(Number.isInteger(webProcesses) && webProcesses >= 1 && webProcesses <= 64)
)
  throw new Error('--web-processes must be a whole number from 1 to 64');
if (![people, pops, rate, agents, ringSeconds].every((n) => Number.isInteger(n) && n > 0))
  throw new Error('--people, --pops, --rate, --agents and --ring must be positive integers');
if (![connections, mixedRate, pauseMs, settleSeconds, warmUp].every((n) => Number.isInteger(n) && n >= 0))
  throw new Error('--connections, --mixed-rate, --pause, --settle and --warm-up must be whole numbers');
if (people < (pops + warmUp) * 2)
  throw new Error(
    '--people must be at least twice --pops + --warm-up (the pops call from people of their own)',
  );
if (!args.page.startsWith('/')) throw new Error('--page is a path of the web app, such as /o/companies');

const TARGET_MS = 200;
const mixedLabel = mixedRate > 0 ? `${mixedRate} requests/s` : 'as fast as answered';
const PASSWORD = 'bench password long enough';
/** The longest a pop may take before it counts as lost. */
const POP_TIMEOUT_MS = 20_000;
/** Pops lost one after another that end the run: the server has fallen behind the load and will not catch up. */
const GIVE_UP_AFTER = 5;
/** The stream's event names the web app listens to (apps/web/src/app/live.ts). */
const STREAM_EVENTS = ['record', 'notification', 'presence', 'wall', 'call'];
const started = performance.now();
const loadBefore = os.loadavg();
const note = (line: string) =>
  process.stderr.write(`${((performance.now() - started) / 1000).toFixed(1)} s  ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const missing = missingPrograms(['kamailio', 'baresip']);
if (missing.length > 0) {
  // As the SIP tests do: a machine without the SIP programs skips, saying why (`.ci/run` installs them).
  process.stdout.write(`calls-pop skipped: not installed: ${missing.join(', ')}\n`);
  process.exit(0);
}

/**
 * Samples what the app's database connections are doing every 100 ms until stopped: running (on CPU, or waiting for
 * a lock, the WAL, I/O — PostgreSQL's wait event), idle in a transaction (waiting for the app), or idle. Answers the
 * average number of connections in each, most first.
 */
function sampleBackends(owner: pg.Pool) {
  const counts = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const { rows } = await owner.query<{ state: string | null; type: string | null; event: string | null }>(
        `select state, wait_event_type as type, wait_event as event from pg_stat_activity
         where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()
           and application_name not like 'rabita-bench%'`,
      );
      samples += 1;
      for (const r of rows) {
        const what =
          r.state === 'active' ? `active: ${r.type ? `${r.type} ${r.event}` : 'on CPU'}` : String(r.state);
        counts.set(what, (counts.get(what) ?? 0) + 1);
      }
      await sleep(100);
    }
  })().catch(() => {
    // the run failed and its database is closing: the sampling ends with it
  });
  return {
    stop: async () => {
      stopped = true;
      await done;
      const average: Record<string, number> = {};
      for (const [what, n] of [...counts].sort((a, b) => b[1] - a[1]))
        average[what] = Math.round((n / Math.max(samples, 1)) * 100) / 100;
      return { samples, average };
    },
  };
}

/** One pop's times (ms since the epoch, browser times on its `performance.timeOrigin`) and their differences. */
interface Pop {
  person: number;
  callId: string;
  invite: number;
  kept: number;
  streamed: number | null;
  cardSent: number | null;
  cardAnswered: number | null;
  painted: number;
}

// Built before the app starts: the app serves the web app only if a build is there when it is made.
await ensureWebApp({ info: (line) => note(line) });
// An overloaded server's errors are counted in the figures (POSTs not answered 202, the mixed load's errors, pops
// lost), not logged one by one over the table.
const { handle, owner, base, stop } = await startBenchApp({
  name: 'calls-pop',
  env: { LOG_LEVEL: 'fatal' },
  webProcesses,
});
const client = apiClient(base, PASSWORD);
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rabita-bench-calls-pop-'));
const running: Running[] = [];
let browserClose: (() => Promise<void>) | undefined;
let load: { worker: Worker; figures: Promise<PopLoadFigures> } | undefined;
/** Stops the background and answers its figures (once; later calls answer undefined). */
const stopLoad = async (): Promise<PopLoadFigures | undefined> => {
  const current = load;
  load = undefined;
  if (!current) return undefined;
  current.worker.postMessage('stop');
  try {
    return await current.figures;
  } finally {
    await current.worker.terminate();
  }
};
let cleaned: Promise<void> | undefined;
/** Stops the load, the SIP programs, the browser, the app and its database; once, however often asked. */
const cleanUp = () => {
  cleaned ??= (async () => {
    await stopLoad().catch(() => undefined);
    for (const r of running.reverse()) await r.stop();
    await browserClose?.();
    await stop();
    await fs.rm(dir, { recursive: true, force: true });
  })();
  return cleaned;
};
// Ctrl-C mid-run leaves no Kamailio, baresip, Chromium or PostgreSQL behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    process.stderr.write(`${signal}: stopping…\n`);
    void cleanUp().finally(() => process.exit(130));
  });

try {
  const admin = await createCallsWorkspace(handle.db, client, { name: 'calls-pop', password: PASSWORD });
  const ws = admin.workspaceId;
  // The mixed load's list filters people by this custom field (bench/queries.ts), as on the demo data set.
  await client.call(admin.cookie, 'POST', '/metadata/objects/people/fields', {
    key: 'loyaltyTier',
    type: 'select',
    labels: { en: 'Loyalty tier' },
    options: ['bronze', 'silver', 'gold', 'platinum'].map((value) => ({ value, labels: { en: value } })),
  });
  const extensions: Record<string, string> = { '200': admin.userId };
  for (let i = 1; i <= agents; i++) {
    const invited = await client.call<{ token: string }>(admin.cookie, 'POST', '/invitations', {
      email: `agent-${i}-${Date.now().toString(36)}@bench.example`,
      role: 'agent',
    });
    const accepted = await client.call<{ user: { id: string } }>('', 'POST', '/auth/accept-invitation', {
      token: invited.token,
      name: `Agent ${i}`,
      password: PASSWORD,
    });
    extensions[String(200 + i)] = accepted.user.id;
  }
  const apiKey = await connectExtensions(client, admin.cookie, extensions);
  await seedCallers(owner, ws, people, { mixed: true });
  note(`${people.toLocaleString('en')} people written; ${agents} agents besides the one measured`);
  const { rows: firstRows } = await owner.query<{ id: string }>(
    'select id from people where workspace_id = $1 and last_name = $2',
    [ws, callerLastName(1)],
  );
  const someone = firstRows[0]?.id;
  if (!someone) throw new Error('the first person seeded is not there');

  // The agent's browser: signed in, on a page that is not the callers', the event stream connected. Each stream
  // event is counted and each `call` event's arrival noted before the app's own listeners run.
  const browser = await launchBrowser();
  browserClose = () => browser.close();
  const page: Page = await newDeskPage(browser);
  const signedIn = await page.request.post(`${base}/api/v1/auth/sign-in`, {
    data: { email: admin.email, password: PASSWORD },
  });
  if (!signedIn.ok()) throw new Error(`the browser's sign-in: ${signedIn.status()} ${await signedIn.text()}`);
  const prefs = await page.request.patch(`${base}/api/v1/me`, { data: { locale: 'en' } });
  if (!prefs.ok()) throw new Error(`PATCH /me: ${prefs.status()} ${await prefs.text()}`);
  await page.addInitScript((types: string[]) => {
    const w = window as unknown as {
      benchStream: { counts: Record<string, number>; calls: unknown[]; names: string[] };
    };
    w.benchStream = { counts: {}, calls: [], names: [] };
    performance.setResourceTimingBufferSize(100_000);
    const Native = window.EventSource;
    window.EventSource = class extends Native {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        for (const type of types)
          this.addEventListener(type, (event) => {
            w.benchStream.counts[type] = (w.benchStream.counts[type] ?? 0) + 1;
            if (type === 'call')
              w.benchStream.calls.push({
                at: performance.timeOrigin + performance.now(),
                data: (event as MessageEvent).data,
              });
          });
      }
    };
  }, STREAM_EVENTS);
  await openWithStream(page, base, args.page);
  // Card reads the page sent, answered or not (Resource Timing lists only the answered ones).
  const cardReads = { sent: 0 };
  const isCardRead = (url: string) => /\/api\/v1\/calls\/[^/]+\/card$/.test(new URL(url).pathname);
  page.on('request', (request) => {
    if (isCardRead(request.url())) cardReads.sent += 1;
  });

  const kamailio = await startKamailio({ dir, url: `${base}/api/v1/calls/events`, apiKey });
  running.push(kamailio);
  running.push(
    await startPhone({
      dir: path.join(dir, 'phone'),
      kamailioPort: kamailio.port,
      extensions: { '200': 'manual' },
    }),
  );
  note(`Kamailio on udp 127.0.0.1:${kamailio.port}, the desk phone registered as 200`);

  // The background: the pops call from the last people, the background calls from the others.
  const backgroundPeople = people - pops - warmUp;
  const worker = new Worker(new URL('./calls-pop-load.ts', import.meta.url), {
    workerData: {
      base,
      apiKey,
      cookie: admin.cookie,
      rate,
      agents,
      callers: backgroundPeople,
      connections,
      mixedRate,
      personId: someone,
    } satisfies PopLoadOptions,
  });
  load = {
    worker,
    figures: new Promise<PopLoadFigures>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the background's worker stopped (exit code ${code})`)));
    }),
  };
  await sleep(settleSeconds * 1000);
  const loadAtStart = os.loadavg()[0]!;
  const cpuAtStart = cpuByProgram();
  const windowStart = performance.now();
  const waits = sampleBackends(owner);
  note(`background running: ${rate} calls/s and the mixed load at ${connections} connections, ${mixedLabel}`);

  const ringingCards = page.locator('[data-testid="call-card"]:not([data-call-state="ended"])');
  const measured: Pop[] = [];
  const lost: { person: number; why: string }[] = [];
  let leftOver = 0;
  let lostInARow = 0;
  let gaveUp = false;
  for (let k = 0; k < warmUp + pops; k++) {
    const person = people - k;
    // The card's title: the seeded person's first and last name (the raw number also holds the last name's digits).
    const name = `Caller ${callerLastName(person)}`;
    // The previous call was given up and its card closed itself before the next call comes; a card that stays (its
    // read failed on an overloaded server, so it never learnt the call ended) is closed as the agent would.
    try {
      await ringingCards.first().waitFor({ state: 'detached', timeout: POP_TIMEOUT_MS });
    } catch {
      const stuck = page.getByRole('button', { name: 'Close the call card' });
      leftOver += await stuck.count();
      while ((await stuck.count()) > 0) await stuck.first().click();
    }
    await page.evaluate(
      ([expected, timeoutMs]) => {
        const w = window as unknown as {
          benchStream: { calls: unknown[]; names: string[] };
          cardPaintedAt?: Promise<number | null>;
        };
        w.benchStream.calls = [];
        // What the cards said meanwhile, for a pop that never names its caller.
        w.benchStream.names = [];
        performance.clearResourceTimings();
        w.cardPaintedAt = new Promise<number | null>((resolve) => {
          const seen = () =>
            [
              ...document.querySelectorAll(
                '[data-testid="call-card"]:not([data-call-state="ended"]) [data-testid="call-card-name"]',
              ),
            ].some((title) => title.textContent?.includes(expected));
          const painted = () =>
            requestAnimationFrame(() =>
              requestAnimationFrame(() => resolve(performance.timeOrigin + performance.now())),
            );
          if (seen()) return painted();
          const observer = new MutationObserver(() => {
            for (const card of document.querySelectorAll('[data-testid="call-card"]')) {
              const said = `${card.getAttribute('data-call-state')}: ${card.querySelector('[data-testid="call-card-name"]')?.textContent}`;
              if (w.benchStream.names.at(-1) !== said) w.benchStream.names.push(said);
            }
            if (!seen()) return;
            observer.disconnect();
            painted();
          });
          observer.observe(document.body, { subtree: true, childList: true, attributes: true });
          setTimeout(() => {
            observer.disconnect();
            resolve(null);
          }, timeoutMs);
        });
      },
      [name, POP_TIMEOUT_MS] as const,
    );
    const sentBefore = cardReads.sent;
    const calling = baresipCall({
      dir: await fs.mkdtemp(path.join(dir, 'caller-')),
      kamailioPort: kamailio.port,
      from: `9${national(person)}`,
      to: '200',
      seconds: ringSeconds,
    });
    const painted = await page.evaluate(
      () => (window as unknown as { cardPaintedAt: Promise<number | null> }).cardPaintedAt,
    );
    await calling;
    const sentThisPop = cardReads.sent - sentBefore;
    const seenInBrowser = await page.evaluate(() => {
      const w = window as unknown as {
        benchStream: { calls: { at: number; data: string }[]; names: string[] };
      };
      return {
        calls: w.benchStream.calls,
        shown: w.benchStream.names.slice(0, 20),
        cards: performance
          .getEntriesByType('resource')
          .map((e) => e as PerformanceResourceTiming)
          .filter((e) => /\/api\/v1\/calls\/[^/]+\/card$/.test(new URL(e.name).pathname))
          .map((e) => ({
            url: e.name,
            sent: performance.timeOrigin + e.startTime,
            answered: performance.timeOrigin + e.responseEnd,
            status: e.responseStatus,
          })),
      };
    });
    const { rows } = await owner.query<{ id: string; at: number; kept: number }>(
      `select c.id, extract(epoch from e.at)::float8 * 1000 as at, extract(epoch from e.received_at)::float8 * 1000 as kept
       from people p
       join calls c on c.workspace_id = p.workspace_id and c.person_id = p.id
       join call_events e on e.workspace_id = c.workspace_id and e.call_id = c.id and e.event = 'ringing'
       where p.workspace_id = $1 and p.last_name = $2
       order by c.id desc limit 1`,
      [ws, callerLastName(person)],
    );
    const row = rows[0];
    if (!row || painted === null) {
      lost.push({
        person,
        why: !row
          ? 'no call of this caller reached the app'
          : `no card naming them within ${POP_TIMEOUT_MS} ms (${seenInBrowser.calls.length} call events in the browser, ${sentThisPop} card reads sent and ${seenInBrowser.cards.length} answered: ${seenInBrowser.cards.map((c) => `${c.status} in ${Math.round(c.answered - c.sent)} ms`).join(', ') || 'none'}; cards shown: ${JSON.stringify(seenInBrowser.shown)})`,
      });
      note(`pop ${k + 1}: lost (${lost.at(-1)!.why})`);
      lostInARow += 1;
      if (lostInARow >= GIVE_UP_AFTER) {
        gaveUp = true;
        note(`${GIVE_UP_AFTER} pops lost in a row: the server has fallen behind, the run stops here`);
        break;
      }
      continue;
    }
    lostInARow = 0;
    if (k >= warmUp) {
      const streamed = seenInBrowser.calls.find((c) => {
        const data = JSON.parse(c.data) as { callId?: string; state?: string };
        return data.callId === row.id && data.state === 'ringing';
      })?.at;
      const card = seenInBrowser.cards.find((c) => c.url.includes(row.id) && c.sent >= (streamed ?? 0));
      measured.push({
        person,
        callId: row.id,
        invite: row.at,
        kept: row.kept,
        streamed: streamed ?? null,
        cardSent: card?.sent ?? null,
        cardAnswered: card?.answered ?? null,
        painted,
      });
    }
    const last = measured.at(-1);
    if (k >= warmUp && (k - warmUp + 1) % 10 === 0 && last)
      note(
        `${k - warmUp + 1} of ${pops} pops, the last painted ${Math.round(last.painted - last.invite)} ms after its INVITE`,
      );
    await sleep(pauseMs);
  }
  const clockGap = await page.evaluate(() => Date.now() - (performance.timeOrigin + performance.now()));
  const streamCounts = await page.evaluate(
    () => (window as unknown as { benchStream: { counts: Record<string, number> } }).benchStream.counts,
  );
  const loadAtEnd = os.loadavg()[0]!;
  // Events Kamailio could not deliver (its http_client waits 3 s), by the answer it got: an HTTP status or curl's error.
  const notTaken: Record<string, number> = {};
  for (const m of kamailio.output().matchAll(/call event not taken \((-?\d+)\)/g))
    notTaken[m[1]!] = (notTaken[m[1]!] ?? 0) + 1;
  const cpu = cpuBetween(cpuAtStart, cpuByProgram(), (performance.now() - windowStart) / 1000);
  const backends = await waits.stop();
  const { events, mixed: mixedFigures } = (await stopLoad())!;
  note(
    `background stopped: ${events.calls} calls, ${mixedFigures ? mixedFigures.reads + mixedFigures.writes : 0} mixed requests`,
  );

  /** p50, p95 and max of a part of the path, in ms; null when no pop had it. */
  const spread = (values: (number | null)[]) => {
    const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    if (sorted.length === 0) return null;
    return {
      count: sorted.length,
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      max: round(sorted.at(-1)!),
    };
  };
  const between = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  const total = spread(measured.map((p) => p.painted - p.invite));
  const parts = {
    'Kamailio → event kept (fold starts)': spread(measured.map((p) => p.kept - p.invite)),
    'kept → stream event in the browser': spread(measured.map((p) => between(p.kept, p.streamed))),
    'stream event → card read sent': spread(measured.map((p) => between(p.streamed, p.cardSent))),
    'card read (request → answer)': spread(measured.map((p) => between(p.cardSent, p.cardAnswered))),
    'card answer → painted': spread(measured.map((p) => between(p.cardAnswered, p.painted))),
  };
  const met = total !== null && lost.length === 0 && !gaveUp && total.p95 < TARGET_MS;
  const target = {
    target: `INVITE → call card painted p95 < ${TARGET_MS} ms with ${rate} calls/s arriving and ${connections > 0 ? `the mixed load running (${connections} connections, ${mixedLabel})` : 'no mixed load'} (${people.toLocaleString('en')} people)`,
    met,
    measured: total
      ? `p50 ${total.p50} ms, p95 ${total.p95} ms, max ${total.max} ms over ${total.count} pops; ${lost.length} lost`
      : `no pop measured; ${lost.length} lost`,
    ...(gaveUp ? { stopped: `after ${GIVE_UP_AFTER} pops lost in a row` } : {}),
  };
  const result = {
    at: new Date().toISOString(),
    machine: { ...machineFigures(loadBefore), loadAtFirstPop: loadAtStart, loadAtLastPop: loadAtEnd },
    data: {
      people,
      pops,
      warmUp,
      rate,
      agents,
      connections,
      mixedRate,
      ringSeconds,
      pauseMs,
      // The app in the bench's own process, or `rabita start` with this many web processes.
      webProcesses: webProcesses ?? 'in process',
      settleSeconds,
      page: args.page,
    },
    pop: {
      total,
      parts,
      lost,
      gaveUp,
      leftOverCardsClosed: leftOver,
      kamailioEventsNotTaken: notTaken,
      all: measured.map((p) => Math.round(p.painted - p.invite)),
    },
    background: {
      callEvents: events,
      mixed: mixedFigures,
      streamEventsInTheBrowser: streamCounts,
    },
    cpuDuringThePops: cpu,
    databaseBackendsDuringThePops: backends,
    browserClockGapMs: Math.round(clockGap * 10) / 10,
    target,
  };
  const row = (name: string, f: Figures) =>
    `| ${name} | ${f.requests} | ${f.throughput} | ${f.p50} | ${f.p95} | ${f.p99} | ${f.errors} |`;
  const partRow = (name: string, s: ReturnType<typeof spread>) =>
    `| ${name} | ${s?.count ?? 0} | ${s?.p50 ?? '–'} | ${s?.p95 ?? '–'} | ${s?.max ?? '–'} |`;
  process.stdout.write(
    [
      `Screen pop under load: ${people.toLocaleString('en')} people; ${webProcesses ? `rabita start with ${webProcesses} web process(es)` : 'the app in this process'}; ${result.machine.cores} cores, Node ${process.version}; load average ${result.machine.loadBefore[0]} before, ${loadAtStart.toFixed(2)} at the first pop, ${loadAtEnd.toFixed(2)} at the last`,
      '',
      '| INVITE → card painted, and its parts | pops | p50 ms | p95 ms | max ms |',
      '|---|---|---|---|---|',
      partRow('**INVITE at Kamailio → card painted**', total),
      ...Object.entries(parts).map(([name, s]) => partRow(name, s)),
      '',
      '| background during the pops | answered | per s | p50 ms | p95 ms | p99 ms | errors |',
      '|---|---|---|---|---|---|---|',
      row(`call events, ${rate} calls/s (${events.calls} calls), all`, events.all),
      ...Object.entries(events.byKind).map(([kind, f]) => row(`call events: ${kind}`, f)),
      ...(mixedFigures
        ? [
            row(
              `mixed load, ${connections} connections (${mixedFigures.reads} reads, ${mixedFigures.writes} writes)`,
              mixedFigures,
            ),
          ]
        : []),
      '',
      `CPU during the pops, in cores (this run's processes only, "this process" being the app, the background's worker and the browser's driver; the machine has ${result.machine.cores}): ${Object.entries(
        cpu,
      )
        .sort((a, b) => b[1].cores - a[1].cores)
        .map(([program, used]) => `${program} ${used.cores}`)
        .join(', ')}`,
      `The app's database connections during the pops, on average (${backends.samples} samples): ${Object.entries(
        backends.average,
      )
        .map(([what, n]) => `${what} ${n}`)
        .join(', ')}`,
      `Stream events the agent's browser received: ${JSON.stringify(streamCounts)}; browser clock − wall clock ${result.browserClockGapMs} ms`,
      ...lost.map((l) => `Lost: the call from person ${l.person} — ${l.why}`),
      ...(leftOver > 0 ? [`Cards that stayed after their call and were closed by hand: ${leftOver}`] : []),
      ...(Object.keys(notTaken).length > 0
        ? [
            `Events Kamailio could not deliver, by http_client's answer (an HTTP status, or curl's error: 28 is its 3 s timeout): ${JSON.stringify(notTaken)}`,
          ]
        : []),
      ...(gaveUp ? [`Stopped after ${GIVE_UP_AFTER} pops lost in a row.`] : []),
      `- ${met ? 'PASS' : 'FAIL'}: ${target.target} — ${target.measured}`,
      '',
    ].join('\n'),
  );
  const file = await writeBenchResults('calls-pop', result);
  note(`results in ${path.relative(process.cwd(), file)}`);
} finally {
  await cleanUp();
}
