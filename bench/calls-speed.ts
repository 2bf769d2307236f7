// Contact centre speed (issue 18, "Speed"): `node bench/calls-speed.ts [--people 20000] [--lookups 2000]
// [--rate 50] [--seconds 10] [--timeline 1000] [--cards 300]`.
// An embedded PostgreSQL (or DATABASE_URL), the app built in this process and listening on loopback. Data: one
// workspace (country IR) whose admin is the agent at extension 200 of a connection with the trunk prefix `9`;
// `--people` people with an Iranian mobile each, written by set-based SQL as the record engine stores phones (the
// suffix triggers fill their table), then `vacuum (analyze)`.
//  (a) Number lookup alone: `--lookups` numbers, one at a time, as the call-event fold does it — the raw form a trunk
//      sends (`9` + the national number) read by `normaliseCallerNumber`, then `matchCaller` in a workspace
//      transaction; half of them someone's, half nobody's. Target: p95 < 5 ms.
//  (b) Call events in over HTTP with the connection's API key: `--rate` new calls a second for `--seconds`, each
//      ringing, answered 200 ms later and ended 800 ms after that (three POSTs, so 3 × rate events a second), from
//      numbers of (a)'s people. Each POST is timed from send to its 202: the event is kept and the call folded (the
//      caller matched on the first event) in its transaction, so its time is the fold's as well; reported by kind.
//  (c) The call card's query (`GET /calls/:id/card`) for a person with `--timeline` calls on their timeline (posted
//      through the call-event API, 500 events a request), `--cards` times one at a time as the agent. Target: p95 <
//      20 ms.
// Prints a table and writes bench/results/<time>-calls.json.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { withWorkspace } from '@rabita/db';
import { matchCaller, normaliseCallerNumber } from '../packages/core/src/calls/caller-match.ts';
import { apiClient, machineFigures, startBenchApp, writeBenchResults } from './api-kit.ts';
import {
  callEventPoster,
  connectExtensions,
  createCallsWorkspace,
  driveCallEvents,
  national,
  seedCallers,
} from './calls-kit.ts';
import { type Figures, summarise } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    people: { type: 'string', default: '20000' },
    lookups: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    timeline: { type: 'string', default: '1000' },
    cards: { type: 'string', default: '300' },
  },
});
const people = Number(args.people);
const lookups = Number(args.lookups);
const rate = Number(args.rate);
const seconds = Number(args.seconds);
const timeline = Number(args.timeline);
const cards = Number(args.cards);
if (![people, lookups, rate, seconds, timeline, cards].every((n) => Number.isInteger(n) && n > 0))
  throw new Error('--people, --lookups, --rate, --seconds, --timeline and --cards must be positive integers');

const TARGET_MS = { lookup: 5, card: 20 };
const PASSWORD = 'bench password long enough';
const started = performance.now();
const loadBefore = os.loadavg();
const note = (line: string) =>
  process.stderr.write(`${((performance.now() - started) / 1000).toFixed(1)} s  ${line}\n`);

const { handle, owner, base, stop } = await startBenchApp({ name: 'calls' });
const client = apiClient(base, PASSWORD);

try {
  const {
    cookie,
    userId,
    workspaceId: ws,
  } = await createCallsWorkspace(handle.db, client, {
    name: 'calls-bench',
    password: PASSWORD,
  });
  const apiKey = await connectExtensions(client, cookie, { '200': userId });
  await seedCallers(owner, ws, people);
  note(`${people} people written`);

  // (a) Number lookup alone.
  const rules = { country: 'IR', stripPrefixes: ['9'] };
  const lookupMs: number[] = [];
  let found = 0;
  for (let i = 0; i < lookups + 200; i++) {
    const someone = i % 2 === 0;
    const raw = `9${someone ? national(1 + ((i * 7919) % people)) : `0935${String(i).padStart(7, '0')}`}`;
    const t0 = performance.now();
    const matches = await withWorkspace(handle.db, ws, (trx) =>
      matchCaller(trx, ws, normaliseCallerNumber(raw, rules), 10),
    );
    if (i >= 200) {
      lookupMs.push(performance.now() - t0);
      if (matches.length > 0) found += 1;
    }
  }
  const lookup = summarise(lookupMs, 0, lookupMs.reduce((a, b) => a + b, 0) / 1000);
  note(`lookup p95 ${lookup.p95} ms (${found} of ${lookups} found)`);

  const post = callEventPoster(base, apiKey);

  // (b) Call events in at `rate` calls a second.
  const traffic = await driveCallEvents({
    post,
    rate,
    seconds,
    from: (n) => `9${national(1 + ((n * 104729) % people))}`,
    extension: () => '200',
  });
  const { all: allEvents, byKind: events, errors } = traffic;
  note(`events p95 ${allEvents.p95} ms, ${errors} errors`);

  // (c) The card of a person with `timeline` calls.
  const run = Date.now().toString(36);
  const customer = `9${national(1)}`;
  let lastCall = '';
  for (let done = 0; done < timeline; done += 250) {
    const batch = [];
    for (let k = done; k < Math.min(timeline, done + 250); k++) {
      const at = new Date(Date.now() - (timeline - k) * 60_000).toISOString();
      const body = {
        callId: `history-${run}-${k}`,
        from: customer,
        to: '200',
        direction: 'inbound' as const,
      };
      batch.push({ ...body, event: 'ringing', sequence: 1, at, extension: '200' });
      batch.push({ ...body, event: 'ended', sequence: 3, at, cause: 'normal' });
    }
    const { status, answer } = await post({ events: batch });
    if (status !== 202) throw new Error(`history: ${status} ${answer}`);
    lastCall = (JSON.parse(answer) as { calls: { id: string }[] }).calls.at(-1)!.id;
  }
  await owner.query('vacuum (analyze)');
  const cardMs: number[] = [];
  let cardErrors = 0;
  let timelineSeen = 0;
  for (let i = 0; i < cards + 20; i++) {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/v1/calls/${lastCall}/card`, { headers: { cookie } });
    const body = (await res.json()) as { record?: { recent?: unknown[] } | null };
    if (i < 20) continue;
    if (res.status === 200) cardMs.push(performance.now() - t0);
    else cardErrors += 1;
    timelineSeen = body.record?.recent?.length ?? 0;
  }
  const card = summarise(cardMs, cardErrors, cardMs.reduce((a, b) => a + b, 0) / 1000);
  note(`card p95 ${card.p95} ms`);

  const targets = [
    {
      target: `number lookup alone p95 < ${TARGET_MS.lookup} ms (${people.toLocaleString('en')} people)`,
      met: lookup.p95 < TARGET_MS.lookup,
      measured: `p95 ${lookup.p95} ms, p99 ${lookup.p99} ms`,
    },
    {
      target: `call card's query p95 < ${TARGET_MS.card} ms for a customer with ${timeline.toLocaleString('en')} timeline entries`,
      met: card.p95 < TARGET_MS.card && cardErrors === 0,
      measured: `p95 ${card.p95} ms, p99 ${card.p99} ms, ${cardErrors} errors`,
    },
  ];
  const result = {
    at: new Date().toISOString(),
    machine: machineFigures(loadBefore),
    data: { people, lookups, rate, seconds, timeline, cards },
    lookup: { ...lookup, found },
    events: { all: allEvents, byKind: events },
    card: { ...card, recentEntries: timelineSeen },
    targets,
  };
  const row = (name: string, f: Figures) =>
    `| ${name} | ${f.requests} | ${f.p50} | ${f.p95} | ${f.p99} | ${f.errors} |`;
  process.stdout.write(
    [
      `Contact centre: ${people.toLocaleString('en')} people; ${result.machine.cores} cores, Node ${process.version}; load average ${result.machine.loadBefore[0]} before, ${result.machine.loadAfter[0]} after`,
      '',
      '| measured | count | p50 ms | p95 ms | p99 ms | errors |',
      '|---|---|---|---|---|---|',
      row('(a) number lookup alone', lookup),
      row(`(b) call events at ${rate} calls/s, all`, allEvents),
      ...Object.entries(events).map(([kind, f]) => row(`(b) ${kind} kept and folded`, f)),
      row(`(c) call card, ${timeline} calls on the timeline`, card),
      '',
      ...targets.map((t) => `- ${t.met ? 'met' : 'MISSED'}: ${t.target} — ${t.measured}`),
      '',
    ].join('\n'),
  );
  const file = await writeBenchResults('calls', result);
  note(`results in ${path.relative(process.cwd(), file)}`);
} finally {
  await stop();
}
