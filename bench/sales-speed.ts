// Sales speed (issue 12, "Speed"): `node bench/sales-speed.ts [--deals 500000] [--leads 3000] [--pool 7]
// [--assign 1000] [--seconds 5] [--only forecast,conversion,assign] [--explain] [--data dir]`.
// An embedded PostgreSQL (or DATABASE_URL), the app built in this process and listening on loopback. Data: a
// workspace in SAR with the Jalali fiscal calendar, a manager, a team of 50 reps and 10 reps in another team, then
// `--deals` deals written by set-based SQL as the record engine stores them: close dates spread over four fiscal
// years (sixteen quarters) around today, six currencies with a rate for every day, the default pipeline's stages
// with their probabilities and forecast categories (some overridden per deal), nine in ten deals the team's; and
// each deal's history as the sales module keeps it (migration sales-0004: `deal_history` rows for its creation and
// every stage it moved to, `deal_measures`, `deal_stage_reach`, `deal_stage_totals`); then `vacuum (analyze)`.
// Measured over HTTP at concurrency 1 and 8 for `--seconds` each, by a closed loop that also waits for the requests
// in flight (autocannon drops a response slower than the run, and an 8-at-once forecast at full size is one):
//  1. The forecast screen of the current quarter for the team, as the manager: GET /sales/forecast, and the
//     drill-down's first page (the team's pipeline deals), with the probability from the stages and from the
//     history. Target: p95 < 300 ms at 8.
//  2. Lead conversion (POST /leads/:id/convert: a person, a company and a deal), each request a different fresh
//     lead (`--leads` made through the batch API before each run): first every deal the converting admin's (one
//     owner, stage and currency, so one row of the deal totals for all), then the deals' owners spread over the
//     team; the app's statements waiting on a lock are sampled meanwhile. Target: p95 < 100 ms at 8.
//  3. Round-robin assignment: `--assign` leads created in parallel by 8 connections through the API under a
//     round-robin rule of `--pool` members; checked: every lead has exactly one assignment row of that rule, its
//     owner is the one assigned, and the counts per member differ by at most one (met or missed, not a timing).
// `--explain` prints the plans of the forecast's and the drill-down's statements as the application role (EXPLAIN
// ANALYZE, BUFFERS, in both probability modes) and stops. Prints a table and writes
// bench/results/<time>-sales.json. With `--data`, the generated data set is kept and found again by a later run
// with the same sizes (the leads of parts 2 and 3 are made anew each run).
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createUserWithWorkspace, principalForMember } from '@rabita/core';
import { createPool, type Database } from '@rabita/db';
import { forecastDeals, forecastNumbers } from '../packages/core/src/sales/forecast.numbers.ts';
import { apiClient, startBenchApp } from './api-kit.ts';
import type { LoadRequest } from './load.ts';
import { captureStatements } from './replay.ts';
import { type Figures, summarise } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    deals: { type: 'string', default: '500000' },
    leads: { type: 'string', default: '3000' },
    pool: { type: 'string', default: '7' },
    assign: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '5' },
    // Which parts to run: forecast, conversion, assign (all by default).
    only: { type: 'string' },
    // Print the plans of the forecast's statements (EXPLAIN ANALYZE, BUFFERS, as the application role) and stop.
    explain: { type: 'boolean', default: false },
    data: { type: 'string' },
  },
});
const dealCount = Number(args.deals);
const leadCount = Number(args.leads);
const poolSize = Number(args.pool);
const assignCount = Number(args.assign);
const seconds = Number(args.seconds);
if (![dealCount, leadCount, poolSize, assignCount, seconds].every((n) => Number.isInteger(n) && n > 0))
  throw new Error('--deals, --leads, --pool, --assign and --seconds must be positive integers');
const parts = new Set((args.only ?? 'forecast,conversion,assign').split(','));

const REPS = 50;
const OTHER_REPS = 10;
if (poolSize > REPS) throw new Error(`--pool is at most ${REPS}`);
const PASSWORD = 'bench password';
const BASE_CURRENCY = 'SAR';
/** Currencies, their share of deals (per thousand, cumulative), about how many of them make one riyal. */
const CURRENCIES = [
  ['SAR', 500, 1],
  ['USD', 700, 0.2667],
  ['AED', 800, 0.979],
  ['EUR', 900, 0.245],
  ['EGP', 950, 13.1],
  ['IRR', 1000, 11_200],
] as const;
const TARGET_MS = { forecast: 300, conversion: 100 };

const started = performance.now();
const loadBefore = os.loadavg();
const note = (line: string) =>
  process.stderr.write(`${((performance.now() - started) / 1000).toFixed(1)} s  ${line}\n`);
const round = (n: number) => Math.round(n * 100) / 100;

const root = path.resolve(import.meta.dirname, '..');
const { database, dataDir, handle, owner, base, stop } = await startBenchApp({
  name: 'sales',
  env: { RABITA_IN_PROCESS_WORKER: 'false' },
  ...(args.data ? { data: args.data } : {}),
});
const { signIn, call, createInBatches } = apiClient(base, PASSWORD);

/** The data set a run made (kept with `--data` for the next run of the same sizes). */
interface DataSet {
  workspaceId: string;
  adminId: string;
  adminEmail: string;
  managerId: string;
  managerEmail: string;
  reps: string[];
  otherReps: string[];
  teamId: string;
  pipelineId: string;
}

/** The workspace (SAR, Persian, Jalali quarters), its manager, reps and teams, through the services and the API. */
async function makeAccounts(): Promise<DataSet> {
  const tag = Date.now().toString(36);
  const adminEmail = `sales-admin-${tag}@bench.example`;
  const admin = await createUserWithWorkspace(handle.db, {
    email: adminEmail,
    password: PASSWORD,
    name: 'Sales admin',
  });
  await owner.query(`update workspaces set default_currency = $2, default_locale = 'fa' where id = $1`, [
    admin.workspaceId,
    BASE_CURRENCY,
  ]);
  const managerEmail = `sales-manager-${tag}@bench.example`;
  const manager = await createUserWithWorkspace(handle.db, {
    email: managerEmail,
    password: PASSWORD,
    name: 'مدیر فروش',
    workspaceId: admin.workspaceId,
    role: 'manager',
  });
  const reps: string[] = [];
  for (let i = 0; i < REPS + OTHER_REPS; i++) {
    const rep = await createUserWithWorkspace(handle.db, {
      email: `rep-${i}-${tag}@bench.example`,
      password: PASSWORD,
      name: i % 3 === 0 ? `کارشناس فروش ${i}` : i % 3 === 1 ? `مندوب ${i}` : `Sales rep ${i}`,
      workspaceId: admin.workspaceId,
      role: 'member',
    });
    reps.push(rep.userId);
  }
  const cookie = await signIn(adminEmail);
  const team = await call<{ id: string }>(cookie, 'POST', '/teams', {
    name: 'فروش تهران',
    members: reps.slice(0, REPS),
  });
  await call(cookie, 'POST', '/teams', { name: 'Riyadh sales', members: reps.slice(REPS) });
  const { rows } = await owner.query<{ id: string }>(
    'select id from pipelines where workspace_id = $1 and is_default',
    [admin.workspaceId],
  );
  return {
    workspaceId: admin.workspaceId,
    adminId: admin.userId,
    adminEmail,
    managerId: manager.userId,
    managerEmail,
    reps: reps.slice(0, REPS),
    otherReps: reps.slice(REPS),
    teamId: team.id,
    pipelineId: rows[0]!.id,
  };
}

/**
 * Exchange rates for every day of the deals' span, the stages' forecast categories, the deals and their history,
 * all by set-based SQL as the record engine and the sales module's history subscriber store them.
 */
async function generateDeals(set: DataSet): Promise<void> {
  const client = await owner.connect();
  try {
    await client.query(`
      create function pg_temp.bench_uuid(at timestamptz) returns uuid language sql volatile as $$
        select (lpad(to_hex(floor(extract(epoch from at) * 1000)::bigint), 12, '0') || '7'
          || substr(md5(random()::text), 1, 3) || substr('89ab', 1 + floor(random() * 4)::int, 1)
          || substr(md5(random()::text), 1, 15))::uuid $$`);
    const now = new Date();
    // The default pipeline's stages by position: four open (10, 30, 60, 80%), won, lost. Proposal counts as best
    // case and Negotiation as commit, as a sales admin would map them.
    const stages = (
      await client.query<{ id: string; position: number; kind: string }>(
        `select id, position, kind from stages where workspace_id = $1 and pipeline_id = $2 order by position`,
        [set.workspaceId, set.pipelineId],
      )
    ).rows;
    if (stages.length !== 6 || stages[4]!.kind !== 'won' || stages[5]!.kind !== 'lost')
      throw new Error('the default pipeline is not the six stages this benchmark expects');
    const stageIds = stages.map((s) => s.id);
    const stageCategories = ['pipeline', 'pipeline', 'best_case', 'commit', 'closed', 'omitted'];
    await client.query(
      `update stages s set forecast_category = ($3::text[])[s.position + 1]
       where s.workspace_id = $1 and s.pipeline_id = $2`,
      [set.workspaceId, set.pipelineId, stageCategories],
    );

    // Rates: one a day per currency from four years back to a year ahead, drifting a few percent.
    const r0 = performance.now();
    await client.query(
      `insert into exchange_rates (workspace_id, currency, on_date, rate, updated_by)
       select $1, c.code, d::date,
         round((1 / c.per_base * (1 + 0.03 * sin(extract(epoch from d) / 86400 / 45 + c.k)))::numeric, 12), $2
       from unnest($3::text[], $4::float8[]) with ordinality as c(code, per_base, k)
       cross join generate_series($5::date - 1461, $5::date + 366, interval '1 day') d
       where c.code <> $6`,
      [
        set.workspaceId,
        set.adminId,
        CURRENCIES.map((c) => c[0]),
        CURRENCIES.map((c) => c[2]),
        now,
        BASE_CURRENCY,
      ],
    );
    note(`exchange rates in ${((performance.now() - r0) / 1000).toFixed(1)} s`);

    // Each deal's plan: h(n, k) is a stable spread of 0..999. Close dates over 4 years (three back, one ahead);
    // closed deals before today are won (40%) or lost, a few left open; after today most are open. `m` is the last
    // open stage the deal reached (won deals went through all four), `v` its stage visits.
    const t0 = performance.now();
    await client.query('drop table if exists pg_temp.bench_plan');
    await client.query(
      `create temp table bench_plan as
       select g.n, pg_temp.bench_uuid(x.created_at) as id, x.*,
         case x.status when 'open' then x.open_pos when 'won' then 3 else abs(hashint4(g.n * 16 + 6)) % 4 end as m,
         case x.status when 'open' then x.open_pos when 'won' then 4 else 5 end as final_pos,
         x.created_at + (least($2::timestamptz, x.close_date::timestamptz + interval '17 hours') - x.created_at)
           * case x.status when 'open' then 0.5 + (abs(hashint4(g.n * 16 + 7)) % 1000) / 2000.0 else 1 end
           as end_at,
         case when x.status <> 'open' then null
              when abs(hashint4(g.n * 16 + 12)) % 1000 < 30 then 'commit'
              when abs(hashint4(g.n * 16 + 12)) % 1000 < 50 then 'omitted'
              when abs(hashint4(g.n * 16 + 12)) % 1000 < 80 then 'best_case' end as category_override
       from generate_series(1, $1::int) g(n)
       cross join lateral (
         select c.close_date,
           least(c.close_date::timestamptz - (10 + abs(hashint4(g.n * 16 + 2)) % 190) * interval '1 day',
                 $2::timestamptz - interval '1 hour')
             - (abs(hashint4(g.n * 16 + 4)) % 86400) * interval '1 second' as created_at,
           case when c.close_date < $2::date then
                  case when abs(hashint4(g.n * 16 + 5)) % 1000 < 400 then 'won'
                       when abs(hashint4(g.n * 16 + 5)) % 1000 < 950 then 'lost' else 'open' end
                else case when abs(hashint4(g.n * 16 + 5)) % 1000 < 40 then 'won'
                          when abs(hashint4(g.n * 16 + 5)) % 1000 < 70 then 'lost' else 'open' end
           end as status,
           case when abs(hashint4(g.n * 16 + 6)) % 1000 < 350 then 0
                when abs(hashint4(g.n * 16 + 6)) % 1000 < 650 then 1
                when abs(hashint4(g.n * 16 + 6)) % 1000 < 850 then 2 else 3 end as open_pos,
           cur.code as currency,
           round((1 + abs(hashint4(g.n * 16 + 9)) % 500) * 100 * cur.per_base)::numeric as amount,
           case when abs(hashint4(g.n * 16 + 10)) % 1000 < 900
                then ($4::uuid[])[1 + abs(hashint4(g.n * 16 + 11)) % cardinality($4::uuid[])]
                else ($5::uuid[])[1 + abs(hashint4(g.n * 16 + 11)) % cardinality($5::uuid[])] end as owner_id
         from (select $2::date - 1095 + abs(hashint4(g.n * 16 + 1)) % 1461 as close_date) c
         cross join lateral (
           select u.code, u.per_base from unnest($3::text[], $6::int[], $7::float8[]) as u(code, upto, per_base)
           where abs(hashint4(g.n * 16 + 8)) % 1000 < u.upto order by u.upto limit 1
         ) cur
       ) x`,
      [
        dealCount,
        now,
        CURRENCIES.map((c) => c[0]),
        set.reps,
        set.otherReps,
        CURRENCIES.map((c) => c[1]),
        CURRENCIES.map((c) => c[2]),
      ],
    );
    await client.query(
      `insert into deals (workspace_id, id, name, amount, pipeline_id, stage_id, probability, expected_close_date,
         status, forecast_category, owner_id, custom, created_at, updated_at, created_by)
       select $1, p.id,
         (array['Deal', 'صفقة', 'معامله'])[1 + p.n % 3] || ' ' || p.n,
         jsonb_build_object('amount', p.amount::text, 'currency', p.currency),
         $2, ($3::uuid[])[p.final_pos + 1], ($4::numeric[])[p.final_pos + 1], p.close_date, p.status,
         coalesce(p.category_override, ($5::text[])[p.final_pos + 1]), p.owner_id, '{}', p.created_at, p.end_at, $6
       from bench_plan p order by p.created_at`,
      [set.workspaceId, set.pipelineId, stageIds, [10, 30, 60, 80, 100, 0], stageCategories, set.adminId],
    );
    note(`${dealCount.toLocaleString('en')} deals in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // Stage visits: open stages 0..m, then won or lost; evenly spaced from creation to the last move.
    const h0 = performance.now();
    await client.query('drop table if exists pg_temp.bench_visits');
    await client.query(
      `create temp table bench_visits as
       select p.id as deal_id, p.n, v.i, p.owner_id, p.status, p.close_date, p.amount, p.currency,
         p.category_override, v.v, case when v.i <= p.m then v.i else p.final_pos end as pos,
         case when v.i > 0 then case when v.i - 1 <= p.m then v.i - 1 else p.final_pos end end as prev_pos,
         p.created_at + (p.end_at - p.created_at) * (v.i::float8 / greatest(v.v - 1, 1)) as entered_at,
         case when v.i < v.v - 1 then
           p.created_at + (p.end_at - p.created_at) * ((v.i + 1)::float8 / greatest(v.v - 1, 1)) end as left_at
       from bench_plan p
       cross join lateral (select p.m + 1 + (p.status <> 'open')::int as v) vv
       cross join lateral (select i, vv.v from generate_series(0, vv.v - 1) i) v`,
    );
    // deal_history: a 'created' row with every tracked field, then an 'updated' row per stage move (the status
    // with it when the deal was won or lost), each holding the deal's tracked values after it.
    await client.query(
      `insert into deal_history (workspace_id, deal_id, at, kind, changes, pipeline_id, stage_id, status,
         amount_value, amount_currency, close_date, owner_id, forecast_category, actor_user_id, source)
       select $1, x.deal_id, x.entered_at, case when x.i = 0 then 'created' else 'updated' end,
         case when x.i = 0 then jsonb_build_object(
             'pipeline', jsonb_build_object('from', null, 'to', $2::text),
             'stage', jsonb_build_object('from', null, 'to', ($3::text[])[x.pos + 1]),
             'status', jsonb_build_object('from', null, 'to', 'open'),
             'amount', jsonb_build_object('from', null,
               'to', jsonb_build_object('amount', x.amount::text, 'currency', x.currency)),
             'expectedCloseDate', jsonb_build_object('from', null, 'to', x.close_date::text),
             'owner', jsonb_build_object('from', null, 'to', x.owner_id::text),
             'forecastCategory', jsonb_build_object('from', null, 'to', ($4::text[])[x.pos + 1]))
           else jsonb_build_object('stage', jsonb_build_object('from', ($3::text[])[x.prev_pos + 1],
               'to', ($3::text[])[x.pos + 1]),
             'forecastCategory', jsonb_build_object('from', ($4::text[])[x.prev_pos + 1],
               'to', ($4::text[])[x.pos + 1]))
             || case when x.pos >= 4 then jsonb_build_object('status', jsonb_build_object('from', 'open',
               'to', x.status)) else '{}'::jsonb end
         end,
         $2::uuid, ($3::uuid[])[x.pos + 1], case when x.pos >= 4 then x.status else 'open' end, x.amount,
         x.currency,
         x.close_date, x.owner_id,
         case when x.i = x.v - 1 and x.category_override is not null then x.category_override
              else ($4::text[])[x.pos + 1] end,
         $5, 'api'
       from bench_visits x order by x.entered_at, x.n, x.i`,
      [set.workspaceId, set.pipelineId, stageIds, stageCategories, set.adminId],
    );
    await client.query(
      `insert into deal_measures (workspace_id, deal_id, pipeline_id, stage_id, entered_at, owner_id, status,
         close_date, live)
       select $1, x.deal_id, $2, ($3::uuid[])[x.pos + 1], x.entered_at, x.owner_id, x.status, x.close_date, true
       from bench_visits x where x.i = x.v - 1`,
      [set.workspaceId, set.pipelineId, stageIds],
    );
    await client.query(
      `insert into deal_stage_reach (workspace_id, deal_id, stage_id, pipeline_id, visits, completed, seconds)
       select $1, x.deal_id, ($3::uuid[])[x.pos + 1], $2, 1, (x.left_at is not null)::int,
         coalesce(extract(epoch from x.left_at - x.entered_at), 0)
       from bench_visits x`,
      [set.workspaceId, set.pipelineId, stageIds],
    );
    await client.query(
      `insert into deal_stage_totals (workspace_id, pipeline_id, stage_id, owner_id, status, reached, completed,
         seconds)
       select $1, $2, ($3::uuid[])[x.pos + 1], x.owner_id, x.status, count(*), sum((x.left_at is not null)::int),
         sum(coalesce(extract(epoch from x.left_at - x.entered_at), 0))
       from bench_visits x group by x.pos, x.owner_id, x.status`,
      [set.workspaceId, set.pipelineId, stageIds],
    );
    const { rows } = await client.query<{ n: string }>('select count(*) as n from bench_visits');
    note(
      `${Number(rows[0]!.n).toLocaleString('en')} history rows, measures, reached stages and totals in ${((performance.now() - h0) / 1000).toFixed(1)} s`,
    );
    await client.query('drop table bench_visits');
    await client.query('drop table bench_plan');

    // The people and companies a CRM with this many deals holds (one person in ten deals, one company in 25), so a
    // conversion's lookups and inserts meet tables of a real size, not empty ones.
    const p0 = performance.now();
    await client.query(
      `insert into people (workspace_id, id, first_name, last_name, emails, email_addresses, owner_id, created_by)
       select $1, pg_temp.bench_uuid(now() - g * interval '1 minute'), ($3::text[])[1 + g % 5], 'شماره ' || g,
         jsonb_build_array(jsonb_build_object('address', 'person' || g || '@bench.example', 'primary', true)),
         array['person' || g || '@bench.example'], ($4::uuid[])[1 + g % cardinality($4::uuid[])], $5
       from generate_series(1, $2::int) g`,
      [
        set.workspaceId,
        Math.ceil(dealCount / 10),
        ['مریم', 'علی', 'فاطمة', 'Sara', 'محمد'],
        set.reps,
        set.adminId,
      ],
    );
    await client.query(
      `insert into companies (workspace_id, id, name, domains, owner_id, created_by)
       select $1, pg_temp.bench_uuid(now() - g * interval '1 minute'), 'شرکت شماره ' || g, array['co' || g || '.example'],
         ($3::uuid[])[1 + g % cardinality($3::uuid[])], $4
       from generate_series(1, $2::int) g`,
      [set.workspaceId, Math.ceil(dealCount / 25), set.reps, set.adminId],
    );
    note(
      `${Math.ceil(dealCount / 10).toLocaleString('en')} people and ${Math.ceil(dealCount / 25).toLocaleString('en')} companies in ${((performance.now() - p0) / 1000).toFixed(1)} s`,
    );
  } finally {
    client.release();
  }
}

interface Row {
  scenario: string;
  concurrency: number;
  figures: Figures;
  /** Conversion only: statements seen waiting on a lock while it ran. */
  locks?: LockWaits;
}

/**
 * Sends the requests `next` gives with `connections` at once until `seconds` pass (each connection sends at least
 * two) or `next` runs out, and waits for the ones in flight: every response timed (a status of 400 or above is an
 * error). Unlike autocannon, a request slower than the run is counted, not dropped.
 */
async function driveEach(
  cookie: string,
  next: () => LoadRequest | undefined,
  connections: number,
): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError = '';
  const until = performance.now() + seconds * 1000;
  const s0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let sent = 0; sent < 2 || performance.now() < until; sent++) {
        const r = next();
        if (r === undefined) return;
        const t0 = performance.now();
        const res = await fetch(`${base}${r.path}`, {
          method: r.method ?? 'GET',
          headers: { cookie, ...(r.body ? { 'content-type': 'application/json' } : {}) },
          ...(r.body ? { body: r.body } : {}),
        });
        const text = await res.text();
        latencies.push(performance.now() - t0);
        if (res.status >= 400) {
          errors++;
          firstError ||= `${res.status} ${text.slice(0, 300)}`;
        }
      }
    }),
  );
  if (firstError) note(`first error: ${firstError}`);
  return summarise(latencies, errors, (performance.now() - s0) / 1000);
}

/** What `lockWaitsDuring` saw: samples taken, how many found a statement waiting on a lock, and which (by text). */
interface LockWaits {
  samples: number;
  waiting: number;
  statements: Record<string, number>;
}

/**
 * While `work` runs, looks every 100 ms for the app's statements waiting on a lock (pg_stat_activity), to tell
 * requests queueing on a row lock from requests queueing for the cores.
 */
async function lockWaitsDuring<T>(work: Promise<T>): Promise<{ result: T; locks: LockWaits }> {
  const locks: LockWaits = { samples: 0, waiting: 0, statements: {} };
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const { rows } = await owner.query<{ q: string }>(
        `select wait_event || ': ' || regexp_replace(left(query, 120), '\\s+', ' ', 'g') as q from pg_stat_activity
         where datname = current_database() and state = 'active' and wait_event_type = 'Lock'
           and pid <> pg_backend_pid()`,
      );
      locks.samples++;
      if (rows.length > 0) locks.waiting++;
      for (const r of rows) locks.statements[r.q] = (locks.statements[r.q] ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    return { result: await work, locks };
  } finally {
    done = true;
    await sampler;
  }
}

try {
  const marker = path.join(dataDir, `sales-${dealCount}.marker`);
  let set: DataSet;
  try {
    set = JSON.parse(await fsp.readFile(marker, 'utf8')) as DataSet;
    note(`using the data set in ${dataDir}`);
  } catch {
    set = await makeAccounts();
    note(`a manager, ${REPS} reps in a team and ${OTHER_REPS} in another`);
    await generateDeals(set);
    if (args.data) {
      // With DATABASE_URL nothing else made the directory.
      await fsp.mkdir(dataDir, { recursive: true });
      await fsp.writeFile(marker, JSON.stringify(set));
    }
  }
  const v0 = performance.now();
  await owner.query(
    'vacuum (analyze) deals, deal_history, deal_measures, deal_stage_reach, deal_stage_totals, exchange_rates, leads, lead_assignments, people, companies',
  );
  note(`vacuum (analyze): ${((performance.now() - v0) / 1000).toFixed(1)} s`);

  const adminCookie = await signIn(set.adminEmail);
  const managerCookie = await signIn(set.managerEmail);
  const setMode = (probability: 'stage' | 'history') =>
    call(adminCookie, 'PUT', '/sales/forecast/settings', { calendar: 'persian', startMonth: 1, probability });
  await setMode('stage');
  const periods = await call<{ current: string }>(
    managerCookie,
    'GET',
    '/sales/forecast/periods?kind=quarter',
  );
  const period = periods.current;
  // Quotas for the period: each rep's and the team's, as a manager sets them.
  for (const [i, rep] of set.reps.entries())
    await call(adminCookie, 'PUT', '/sales/forecast/quotas', {
      period,
      subjectKind: 'user',
      subjectId: rep,
      amount: 400_000 + i * 10_000,
    });
  const counted = (
    await owner.query<{ status: string; n: number }>(
      `select status, count(*)::int as n from deals d join (select q.s, q.e from (values ($3::date, $4::date)) q(s, e)) q
         on d.expected_close_date >= q.s and d.expected_close_date < q.e
       where d.workspace_id = $1 and d.owner_id = any($2) and d.deleted_at is null group by status order by status`,
      [set.workspaceId, set.reps, ...(await periodBounds(period))],
    )
  ).rows;
  note(
    `period ${period}: the team's deals closing in it ${counted.map((r) => `${r.status} ${r.n}`).join(', ')}`,
  );

  async function periodBounds(key: string): Promise<[string, string]> {
    const { data } = await call<{ data: { key: string; start: string; end: string }[] }>(
      managerCookie,
      'GET',
      '/sales/forecast/periods?kind=quarter&count=3',
    );
    const p = data.find((x) => x.key === key)!;
    return [p.start, p.end];
  }

  const forecastPath = `/api/v1/sales/forecast?period=${period}&team=${set.teamId}`;
  const drillPath = `/api/v1/sales/forecast/deals?period=${period}&team=${set.teamId}&category=pipeline`;

  if (args.explain) {
    const principal = (await principalForMember(handle.db, set.managerId, set.workspaceId))!;
    const reads: { name: string; work: (db: Database) => Promise<unknown> }[] = [
      {
        name: 'forecast',
        work: (db: Database) => forecastNumbers({ db, principal }, { period, team: set.teamId }),
      },
      {
        name: 'drill-down',
        work: (db: Database) =>
          forecastDeals({ db, principal }, { period, team: set.teamId, category: 'pipeline' }),
      },
    ];
    const appPool = createPool(database.connectionString, 1, 'rabita-bench-explain', 'rabita_app');
    const client = await appPool.connect();
    try {
      for (const mode of ['stage', 'history'] as const) {
        await setMode(mode);
        for (const read of reads) {
          const { statements } = await captureStatements(handle.pool, read.work);
          await client.query('begin');
          await client.query("select set_config('rabita.workspace_id', $1, true)", [set.workspaceId]);
          for (const statement of statements) {
            if (/^\s*select set_config\(/i.test(statement.sql)) {
              await client.query(statement.sql, statement.parameters as unknown[]);
              continue;
            }
            const { rows } = await client.query<{ 'QUERY PLAN': string }>(
              `explain (analyze, buffers) ${statement.sql}`,
              statement.parameters as unknown[],
            );
            process.stdout.write(
              `== ${read.name} (${mode})\n${statement.sql}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n\n`,
            );
          }
          await client.query('rollback');
        }
      }
    } finally {
      client.release();
      await appPool.end();
    }
    parts.clear();
  }

  const rows: Row[] = [];
  /** Measures at 1 and 8 connections; `during` runs beside each measurement (a writer) until it is stopped. */
  const measure = async (
    scenario: string,
    cookie: string,
    request: LoadRequest,
    during?: () => () => Promise<unknown>,
  ) => {
    // Warm up (JIT, metadata and plan caches), and check the request answers.
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${base}${request.path}`, { headers: { cookie } });
      const body = await res.text();
      if (res.status >= 400) throw new Error(`${scenario}: ${res.status} ${body.slice(0, 300)}`);
    }
    for (const c of [1, 8]) {
      const stop = during?.();
      const figures = await driveEach(cookie, () => request, c);
      await stop?.();
      rows.push({ scenario, concurrency: c, figures });
      note(`${scenario} @${c}: p50 ${figures.p50} ms, p95 ${figures.p95} ms, ${figures.throughput}/s`);
    }
  };
  /**
   * A rep moving one of the team's open deals every `everyMs` (its amount up and down by one): each write makes
   * every kept forecast of the workspace be computed again, as on a busy sales floor.
   */
  const dealWriter = (dealId: string, everyMs: number) => () => {
    let running = true;
    let writes = 0;
    const loop = (async () => {
      while (running) {
        const amount = 1000 + (writes++ % 2);
        await call(adminCookie, 'PATCH', `/objects/deals/${dealId}`, {
          amount: { amount: String(amount), currency: 'SAR' },
        });
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
    })();
    return async () => {
      running = false;
      await loop;
      note(`  (${writes} deal writes beside it)`);
    };
  };
  /** The forecast computed in this process without the cache, one at a time: what a request costs when nothing is kept. */
  const computedAlone = async (scenario: string, runs: number) => {
    const principal = (await principalForMember(handle.db, set.managerId, set.workspaceId))!;
    const durations: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await forecastNumbers({ db: handle.db, principal }, { period, team: set.teamId });
      durations.push(performance.now() - t0);
    }
    durations.sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round(durations[Math.min(durations.length - 1, Math.floor(q * durations.length))]! * 10) / 10;
    note(`${scenario}: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms over ${runs}`);
    computed.push({ scenario, runs, p50: at(0.5), p95: at(0.95) });
  };
  const computed: { scenario: string; runs: number; p50: number; p95: number }[] = [];

  // 1. The forecast screen and its drill-down, in both probability modes.
  const forecastShape: Record<string, unknown> = {};
  if (parts.has('forecast')) {
    for (const mode of ['stage', 'history'] as const) {
      await setMode(mode);
      const view = await call<{
        rows: { kind: string; deals: number; pipeline: number; weightedPipeline: number }[];
        missingRates: unknown[];
      }>(managerCookie, 'GET', forecastPath.replace('/api/v1', ''));
      const total = view.rows.find((r) => r.kind === 'total')!;
      const page = await call<{ data: unknown[]; next: string | null }>(
        managerCookie,
        'GET',
        drillPath.replace('/api/v1', ''),
      );
      forecastShape[mode] = {
        rows: view.rows.length,
        deals: total.deals,
        pipeline: total.pipeline,
        weightedPipeline: total.weightedPipeline,
        missingRates: view.missingRates.length,
        drillDownPage: page.data.length,
      };
      note(
        `forecast (${mode}): ${view.rows.length} rows, ${total.deals} deals, weighted ${total.weightedPipeline} of ${total.pipeline}; drill-down page ${page.data.length}`,
      );
      await measure(`forecast: team of ${REPS}, ${period} (${mode}), kept`, managerCookie, {
        path: forecastPath,
      });
      const moving = (page.data[0] as { id: string } | undefined)?.id;
      if (moving)
        await measure(
          `forecast: team of ${REPS}, ${period} (${mode}), a deal written every 250 ms`,
          managerCookie,
          { path: forecastPath },
          dealWriter(moving, 250),
        );
      await computedAlone(`forecast computed without the cache, in-process, one at a time (${mode})`, 10);
      await measure(`forecast drill-down: first page of pipeline deals (${mode})`, managerCookie, {
        path: drillPath,
      });
    }
    await setMode('stage');
  }

  // 2. Lead conversion: a person, a company and a deal, each request a fresh lead.
  if (parts.has('conversion')) {
    const tag = Date.now().toString(36);
    const c0 = performance.now();
    const leads = await createInBatches(adminCookie, 'leads', leadCount + 5, (i) => ({
      name: ['مریم کریمی', 'علی رضایی', 'فاطمة العلي', 'Sara Smith', 'محمد حسن'][i % 5],
      companyName: `شرکت ${tag} ${i}`,
      email: `lead${i}@co-${tag}-${i}.example`,
      source: ['web', 'referral', 'event'][i % 3],
    }));
    note(`${leads.length} leads to convert in ${((performance.now() - c0) / 1000).toFixed(1)} s`);
    // What autovacuum does within a minute of so many new rows, done now: without it the planner still takes the
    // leads table for as small as it was before, and finds one lead by scanning every lead of the workspace.
    await owner.query('analyze leads, people, companies');
    // `owner`: the deal's owner (its creator, the admin, when not given).
    const convert = (id: string, owner?: string): LoadRequest => ({
      path: `/api/v1/leads/${id}/convert`,
      method: 'POST',
      body: JSON.stringify({
        person: { create: {} },
        company: { create: {} },
        deal: {
          create: {
            amount: { amount: 25000, currency: 'SAR' },
            expectedCloseDate: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
            ...(owner ? { owner } : {}),
          },
        },
      }),
    });
    // Warm up with five, checking what one became.
    for (const id of leads.splice(0, 5)) {
      const r = convert(id);
      const made = await call<{ person: unknown; company: unknown; deal: unknown }>(
        adminCookie,
        'POST',
        r.path.replace('/api/v1', ''),
        JSON.parse(r.body!),
      );
      if (!made.person || !made.company || !made.deal)
        throw new Error(`a conversion made ${JSON.stringify(made)}`);
    }
    // Every deal one owner's, in the same stage and currency (one rep converting many leads at once: the deal
    // totals' row of that key is the same for all), then the deals' owners spread over the team's reps.
    let turn = 0;
    for (const [label, ownerOf] of [
      ['one owner', () => undefined],
      ['owners spread over the team', () => set.reps[turn++ % set.reps.length]],
    ] as const)
      for (const c of [1, 8]) {
        const { result: figures, locks } = await lockWaitsDuring(
          driveEach(
            adminCookie,
            () => {
              const id = leads.shift();
              return id === undefined ? undefined : convert(id, ownerOf());
            },
            c,
          ),
        );
        const scenario = `conversion: lead → person + company + deal (${label})`;
        rows.push({ scenario, concurrency: c, figures, locks });
        const top = Object.entries(locks.statements).sort((a, b) => b[1] - a[1])[0];
        note(
          `${scenario} @${c}: ${figures.requests} leads, p50 ${figures.p50} ms, p95 ${figures.p95} ms, ${figures.throughput}/s; ` +
            `a statement waited on a lock in ${locks.waiting} of ${locks.samples} samples${top ? ` (most: ${top[1]}× ${top[0]})` : ''}`,
        );
        if (leads.length === 0) note('conversion: ran out of leads before the time was up (raise --leads)');
      }
  }

  // 3. Round-robin assignment of leads created in parallel.
  let assign:
    | {
        leads: number;
        pool: number;
        create: Figures;
        assignmentRows: number;
        withoutRow: number;
        ownerMismatch: number;
        perMember: number[];
        turnAdvanced: number;
        met: boolean;
      }
    | undefined;
  if (parts.has('assign')) {
    const pool = set.reps.slice(0, poolSize);
    const rule = await call<{ id: string }>(adminCookie, 'POST', '/assignment-rules', {
      name: `Bench round robin ${Date.now().toString(36)}`,
      strategy: 'roundRobin',
      pool: pool.map((userId) => ({ userId })),
    });
    try {
      const turnOf = async () =>
        Number(
          (
            await owner.query<{ turn: string }>(
              'select turn from assignment_rules where workspace_id = $1 and id = $2',
              [set.workspaceId, rule.id],
            )
          ).rows[0]!.turn,
        );
      const turn0 = await turnOf();
      const tag = Date.now().toString(36);
      const ids: string[] = [];
      const latencies: number[] = [];
      let errors = 0;
      let next = 0;
      const s0 = performance.now();
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < assignCount) {
            const i = next++;
            const t0 = performance.now();
            const res = await fetch(`${base}/api/v1/objects/leads`, {
              method: 'POST',
              headers: { cookie: adminCookie, 'content-type': 'application/json' },
              body: JSON.stringify({
                name: `سرنخ ${i}`,
                companyName: `Round robin ${tag} ${i}`,
                email: `rr${i}@rr-${tag}.example`,
                source: 'web',
              }),
            });
            const body = (await res.json()) as { id?: string };
            latencies.push(performance.now() - t0);
            if (res.status >= 300 || !body.id) errors++;
            else ids.push(body.id);
          }
        }),
      );
      const create = summarise(latencies, errors, (performance.now() - s0) / 1000);
      const { rows: got } = await owner.query<{ lead_id: string; owner_id: string; rule_id: string }>(
        `select lead_id::text, owner_id::text, rule_id::text from lead_assignments
         where workspace_id = $1 and lead_id = any($2::uuid[])`,
        [set.workspaceId, ids],
      );
      const { rows: leadOwners } = await owner.query<{ id: string; owner_id: string | null }>(
        'select id::text, owner_id::text from leads where workspace_id = $1 and id = any($2::uuid[])',
        [set.workspaceId, ids],
      );
      const assigned = new Map(got.filter((r) => r.rule_id === rule.id).map((r) => [r.lead_id, r.owner_id]));
      const withoutRow = ids.filter((id) => !assigned.has(id)).length;
      const ownerMismatch = leadOwners.filter((l) => assigned.get(l.id) !== l.owner_id).length;
      const perMember = pool.map((u) => [...assigned.values()].filter((o) => o === u).length);
      const turnAdvanced = (await turnOf()) - turn0;
      assign = {
        leads: ids.length,
        pool: pool.length,
        create,
        assignmentRows: got.length,
        withoutRow,
        ownerMismatch,
        perMember,
        turnAdvanced,
        met:
          errors === 0 &&
          ids.length === assignCount &&
          got.length === assignCount &&
          withoutRow === 0 &&
          ownerMismatch === 0 &&
          perMember.reduce((n, c) => n + c, 0) === assignCount &&
          Math.max(...perMember) - Math.min(...perMember) <= 1,
      };
      note(
        `assignment: ${ids.length} leads in ${create.seconds} s (p95 ${create.p95} ms, ${errors} errors); per member ${perMember.join(', ')}; ${withoutRow} without a row, ${ownerMismatch} owners differing; turn +${turnAdvanced}`,
      );
    } finally {
      // The rule goes, so the kept data set's later leads are not assigned by it.
      await call(adminCookie, 'DELETE', `/assignment-rules/${rule.id}`);
    }
  }

  // The table and the targets.
  const at8 = (prefix: string) => rows.filter((r) => r.scenario.startsWith(prefix) && r.concurrency === 8);
  const targets: { target: string; measured: string; met: boolean }[] = [];
  const check = (target: string, prefix: string, limit: number) => {
    const hits = at8(prefix);
    if (hits.length === 0) return;
    targets.push({
      target,
      measured: hits.map((r) => `${r.scenario} ${r.figures.p95}`).join('; '),
      met: hits.every((r) => r.figures.errors === 0 && r.figures.p95 < limit),
    });
  };
  check(`forecast screen p95 < ${TARGET_MS.forecast} ms at 8`, 'forecast', TARGET_MS.forecast);
  check(`conversion p95 < ${TARGET_MS.conversion} ms at 8`, 'conversion', TARGET_MS.conversion);
  if (assign)
    targets.push({
      target: `round-robin assignment of ${assignCount} leads created by 8 connections: none doubled, none skipped`,
      measured: `${assign.assignmentRows} assignment rows for ${assign.leads} leads, per member ${assign.perMember.join('/')}, ${assign.withoutRow} without, ${assign.ownerMismatch} owners differing`,
      met: assign.met,
    });
  const result = {
    at: new Date().toISOString(),
    machine: {
      cores: os.cpus().length,
      model: os.cpus()[0]?.model,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadBefore: loadBefore.map(round),
      loadAfter: os.loadavg().map(round),
    },
    data: {
      deals: dealCount,
      reps: REPS,
      otherReps: OTHER_REPS,
      currencies: CURRENCIES.map((c) => c[0]),
      period,
      teamDealsInPeriod: Object.fromEntries(counted.map((r) => [r.status, r.n])),
      leadsToConvert: leadCount,
      assignLeads: assignCount,
      pool: poolSize,
    },
    seconds,
    forecast: forecastShape,
    forecastComputed: computed,
    results: rows,
    assign,
    targets,
  };
  const table = [
    `Sales: ${dealCount.toLocaleString('en')} deals, a team of ${REPS} (+${OTHER_REPS}), period ${period}; ${result.machine.cores} cores, Node ${process.version}; load average ${result.machine.loadBefore[0]} before, ${result.machine.loadAfter[0]} after`,
    '',
    '| scenario | conc. | requests | p50 ms | p95 ms | p99 ms | req/s | errors |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.concurrency} | ${r.figures.requests} | ${r.figures.p50} | ${r.figures.p95} | ${r.figures.p99} | ${r.figures.throughput} | ${r.figures.errors} |`,
    ),
    ...(assign
      ? [
          '',
          `Round robin: ${assign.leads} leads created by 8 connections in ${assign.create.seconds} s (p95 ${assign.create.p95} ms, ${assign.create.errors} errors); ${assign.assignmentRows} assignment rows; per member (${assign.pool}) ${assign.perMember.join(', ')}; turn advanced by ${assign.turnAdvanced}`,
        ]
      : []),
    '',
    'Targets (set for 500,000 deals):',
    ...targets.map((t) => `- ${t.met ? 'met' : 'MISSED'}: ${t.target} — ${t.measured}`),
    '',
  ].join('\n');
  if (!args.explain) {
    process.stdout.write(table);
    const file = path.join(root, 'bench/results', `${result.at.replace(/[:.]/g, '-')}-sales.json`);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    note(`results in ${path.relative(process.cwd(), file)}`);
  }
} finally {
  await stop();
}
