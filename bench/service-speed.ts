// Service desk speed (issue 14, "Speed"): `node bench/service-speed.ts [--tickets 20000] [--messages 100000]
// [--people 2000] [--articles 2000] [--burst 10000] [--deadline-minutes 1] [--seconds 5] [--slots 4] [--data dir]`.
// An embedded PostgreSQL (or DATABASE_URL), the app built in this process and listening on loopback, one job worker
// beside it (the `rabita start` default, four quick slots). Data: 50 agents in 5 teams and `--people` requesters through
// the API, then `--tickets` tickets and `--messages` conversation messages written by set-based SQL as the record
// engine stores them (one more ticket has exactly 200 messages), `--articles` knowledge-base articles in English,
// Arabic and Persian through the KB service; then `vacuum (analyze)`. Measured over HTTP by a signed-in agent (a
// member) at concurrency 1 and 8 for `--seconds` each:
//  1. Each inbox view (mine, my team's, unassigned, breaching soon, pending, all open): the web app's first page,
//     by time left, and by priority then time left. Target: p95 < 50 ms at 8.
//  2. Opening the 200-message ticket: its record, and its conversation's newest page. Target: p95 < 50 ms at 8.
//  3. KB search in Arabic, Persian and English. Target: p95 < 30 ms at 8.
//  4. The status burst: `--burst` tickets under an SLA policy (created waiting on the customer, clocks paused) are
//     moved to open by PATCH at 8 at once; each recomputes its clocks, and its first response then warns at half of
//     `--deadline-minutes` and breaches at it, through the worker's jobs. For each ticket: how late its clocks were
//     rebuilt after its change was sent, and how late the jobs rebuilt them after its warning and its deadline
//     (`computed_at` against the instant, polled every 500 ms). Target: none late by more than 60 s.
// `--only inbox,ticket,kb,burst` runs some parts; `--explain` prints each read's plans instead (EXPLAIN ANALYZE,
// BUFFERS), `--explain-without idx,…` with those indexes dropped for the plan. Prints a table and writes
// bench/results/<time>-service.json. With `--data`, the generated data set is kept and found again by a later run
// with the same sizes (the burst makes its own tickets each run).
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createUserWithWorkspace, listRecords, principalForMember } from '@rabita/core';
import { createPool, type Database } from '@rabita/db';
import { startWorker } from '@rabita/server';
import {
  INBOX_ORDERS,
  PENDING_STATUSES,
  viewFilter,
} from '../apps/web/src/modules/service/utils/inbox-views.ts';
import { listMessages } from '../packages/core/src/service/conversation.service.ts';
import { createKbArticle, searchKb } from '../packages/core/src/service/kb.service.ts';
import { apiClient, startBenchApp } from './api-kit.ts';
import { drive, type LoadRequest } from './load.ts';
import { captureStatements } from './replay.ts';
import { type Figures, percentile, summarise } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    tickets: { type: 'string', default: '20000' },
    messages: { type: 'string' },
    people: { type: 'string', default: '2000' },
    articles: { type: 'string', default: '2000' },
    burst: { type: 'string', default: '10000' },
    'deadline-minutes': { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    slots: { type: 'string', default: '4' },
    // Which parts to run: inbox, ticket, kb, burst (all by default).
    only: { type: 'string' },
    // Print the plans of the reads' statements (EXPLAIN ANALYZE, BUFFERS, as the application role) and stop.
    explain: { type: 'boolean', default: false },
    'explain-without': { type: 'string' },
    data: { type: 'string' },
  },
});
const ticketCount = Number(args.tickets);
const messageCount = args.messages === undefined ? ticketCount * 5 : Number(args.messages);
const peopleCount = Number(args.people);
const articleCount = Number(args.articles);
const burstCount = Number(args.burst);
const deadlineMinutes = Number(args['deadline-minutes']);
const seconds = Number(args.seconds);
if (
  ![ticketCount, messageCount, peopleCount, articleCount, burstCount, deadlineMinutes, seconds].every(
    (n) => Number.isInteger(n) && n > 0,
  )
)
  throw new Error(
    '--tickets, --messages, --people, --articles, --burst, --deadline-minutes and --seconds must be positive integers',
  );
const parts = new Set((args.only ?? 'inbox,ticket,kb,burst').split(','));

const AGENTS = 50;
const TEAMS = 5;
const PASSWORD = 'bench password';
const INBOX_FIELDS = 'number,subject,requester,status,priority,owner,slaDueAt,slaStatus,createdAt';
/** KB searches, one in each language, of words many articles hold. */
const KB_QUERIES = [
  ['Arabic', 'إدارة علاقات العملاء'],
  ['Persian', 'مدیریت ارتباط با مشتری'],
  ['English', 'refund order'],
] as const;
const TARGET_MS = { inbox: 50, ticket: 50, kb: 30, lateSeconds: 60 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = performance.now();
const loadBefore = os.loadavg();
const note = (line: string) =>
  process.stderr.write(`${((performance.now() - started) / 1000).toFixed(1)} s  ${line}\n`);
const round = (n: number) => Math.round(n * 100) / 100;

const root = path.resolve(import.meta.dirname, '..');
const seedLines = async (name: string) =>
  (await fsp.readFile(path.join(root, 'test/fixtures/seeds', name), 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 20);
const ARABIC = await seedLines('crm-article-ar.txt');
const PERSIAN = await seedLines('crm-article-fa.txt');
const ENGLISH = [
  'A customer relationship management system keeps every conversation with a customer in one place.',
  'To request a refund, open the order in your account and choose the items you want to return.',
  'Invoices are sent by email on the first day of each month and can be downloaded from the billing page.',
  'If you forgot your password, use the reset link on the sign-in page; the link expires after one hour.',
  'Delivery usually takes three to five working days; tracking numbers are emailed when the parcel ships.',
  'Support agents answer tickets by priority: urgent tickets first, then high, normal and low.',
  'You can change your shipping address until the order is packed; after that, contact support.',
  'Two-factor authentication protects your account with a code from an authenticator app.',
  'Exports include every field of the records you can see, as CSV or spreadsheet files.',
  'The warranty covers manufacturing defects for two years from the date of purchase.',
];
const SUBJECTS = {
  en: ['Refund request', 'Order not delivered', 'Cannot sign in', 'Invoice question', 'Damaged item'],
  ar: ['طلب استرداد المبلغ', 'الطلب لم يصل', 'لا أستطيع تسجيل الدخول', 'سؤال عن الفاتورة', 'المنتج تالف'],
  fa: [
    'درخواست بازپرداخت',
    'سفارش نرسیده است',
    'ورود به حساب ممکن نیست',
    'پرسش دربارهٔ فاکتور',
    'کالا آسیب دیده است',
  ],
};
const BODIES = {
  en: ENGLISH,
  ar: ARABIC.slice(0, 40),
  fa: PERSIAN.slice(0, 40),
};

const { config, log, database, dataDir, handle, owner, base, stop } = await startBenchApp({
  name: 'service',
  env: { RABITA_IN_PROCESS_WORKER: 'false', RABITA_WORKER_CONCURRENCY: String(args.slots) },
  ...(args.data ? { data: args.data } : {}),
});
const { signIn, call, createInBatches } = apiClient(base, PASSWORD);
let runner: Awaited<ReturnType<typeof startWorker>> | undefined;

/** The data set a run made (kept with `--data` for the next run of the same sizes). */
interface DataSet {
  workspaceId: string;
  adminId: string;
  adminEmail: string;
  agentId: string;
  agentEmail: string;
  agents: string[];
  team: string[];
  people: string[];
  bigTicketId: string;
}

/** The accounts, teams and requesters through the API, and the workspace's shape. */
async function makeAccounts(): Promise<Omit<DataSet, 'bigTicketId'>> {
  const tag = Date.now().toString(36);
  const adminEmail = `desk-admin-${tag}@bench.example`;
  const admin = await createUserWithWorkspace(handle.db, {
    email: adminEmail,
    password: PASSWORD,
    name: 'Desk admin',
  });
  const agents: string[] = [];
  let agentEmail = '';
  for (let i = 0; i < AGENTS; i++) {
    const email = `agent-${i}-${tag}@bench.example`;
    const agent = await createUserWithWorkspace(handle.db, {
      email,
      password: PASSWORD,
      name: i % 2 ? `وكيل ${i}` : `کارشناس ${i}`,
      workspaceId: admin.workspaceId,
      role: 'member',
    });
    agents.push(agent.userId);
    if (i === 0) agentEmail = email;
  }
  const cookie = await signIn(adminEmail);
  const perTeam = AGENTS / TEAMS;
  for (let t = 0; t < TEAMS; t++)
    await call(cookie, 'POST', '/teams', {
      name: `Desk team ${t + 1}`,
      members: agents.slice(t * perTeam, (t + 1) * perTeam),
    });
  const people = await createInBatches(cookie, 'people', peopleCount, (i) => ({
    firstName: ['مریم', 'علی', 'فاطمة', 'Sara', 'محمد'][i % 5],
    lastName: ['کریمی', 'العلي', 'Smith', 'رضایی', 'حسن'][i % 5],
    emails: [`customer${i}@customers.example`],
  }));
  return {
    workspaceId: admin.workspaceId,
    adminId: admin.userId,
    adminEmail,
    agentId: agents[0]!,
    agentEmail,
    agents,
    team: agents.slice(0, perTeam),
    people,
  };
}

/**
 * Tickets and their messages by set-based SQL as the record engine stores them: time-ordered ids, numbers from
 * the workspace's counter, statuses by age (the newest twentieth mostly open, one in a hundred older ones), SLA summary fields as the desk
 * writes them. One more ticket, the newest, has exactly 200 messages and is the signed-in agent's.
 */
async function generateTickets(set: Omit<DataSet, 'bigTicketId'>): Promise<string> {
  const client = await owner.connect();
  try {
    await client.query(`
      create function pg_temp.bench_uuid(at timestamptz) returns uuid language sql volatile as $$
        select (lpad(to_hex(floor(extract(epoch from at) * 1000)::bigint), 12, '0') || '7'
          || substr(md5(random()::text), 1, 3) || substr('89ab', 1 + floor(random() * 4)::int, 1)
          || substr(md5(random()::text), 1, 15))::uuid $$`);
    const t0 = performance.now();
    // h(n, salt): a stable spread of 0..99 per ticket.
    await client.query(
      `insert into tickets (workspace_id, id, number, subject, description, requester_id, channel, status, priority,
         type, queue, owner_id, language, resolved_at, closed_at, first_response_at, sla_status, sla_due_at,
         created_at, updated_at, created_by)
       select $1, pg_temp.bench_uuid(c.created_at), g.n,
         (case c.lang when 'en' then $5::text[] when 'ar' then $6::text[] else $7::text[] end)[1 + abs(hashint4(g.n + 3)) % 5]
           || ' #' || g.n,
         (case c.lang when 'en' then $8::text[] when 'ar' then $9::text[] else $10::text[] end)[1 + abs(hashint4(g.n + 4)) % 10],
         ($4::uuid[])[1 + abs(hashint4(g.n + 5)) % cardinality($4::uuid[])],
         (array['email', 'email', 'email', 'web_form', 'portal', 'chat', 'phone', 'api'])[1 + abs(hashint4(g.n + 6)) % 8],
         c.status,
         (array['low', 'low', 'normal', 'normal', 'normal', 'normal', 'high', 'high', 'urgent', 'normal'])[1 + abs(hashint4(g.n + 7)) % 10],
         (array['question', 'incident', 'problem', 'request', 'complaint', 'return'])[1 + abs(hashint4(g.n + 8)) % 6],
         'general',
         case when c.status not in ('resolved', 'closed') and abs(hashint4(g.n + 9)) % 10 = 0 then null
           else ($3::uuid[])[1 + abs(hashint4(g.n + 10)) % cardinality($3::uuid[])] end,
         c.lang,
         case when c.status in ('resolved', 'closed') then c.created_at + interval '20 hours' end,
         case when c.status = 'closed' then c.created_at + interval '3 days' end,
         case when c.status <> 'new' then c.created_at + interval '35 minutes' end,
         c.sla_status,
         case c.sla_status
           when 'on_track' then $11::timestamptz + (abs(hashint4(g.n + 11)) % 4320) * interval '1 minute'
           when 'warning' then $11::timestamptz + (abs(hashint4(g.n + 11)) % 60) * interval '1 minute'
           when 'breached' then $11::timestamptz - (abs(hashint4(g.n + 11)) % 2880) * interval '1 minute'
         end,
         c.created_at, c.created_at + interval '1 hour', $12
       from generate_series(1, $2::int) g(n)
       cross join lateral (
         select x.*,
           case when x.status in ('resolved', 'closed') then
                  case when abs(hashint4(g.n + 12)) % 100 < 85 then 'met' else 'breached' end
                when x.status in ('pending_customer', 'pending_third_party', 'on_hold') then 'paused'
                else (array['on_track', 'on_track', 'on_track', 'on_track', 'on_track', 'on_track', 'on_track',
                  'warning', 'breached', 'none'])[1 + abs(hashint4(g.n + 13)) % 10] end as sla_status
         from (
           select
             $11::timestamptz - (($2::int - g.n)::float8 / $2::int) * interval '365 days' - interval '1 hour'
               as created_at,
             (array['en', 'en', 'ar', 'ar', 'fa', 'fa', 'en', 'ar', 'fa', 'en'])[1 + abs(hashint4(g.n + 1)) % 10] as lang,
             case when g.n > $2::int * 0.95 then
                    (array['new', 'new', 'open', 'open', 'open', 'open', 'open', 'open', 'open', 'pending_customer',
                      'pending_customer', 'pending_customer', 'pending_customer', 'pending_third_party', 'on_hold',
                      'resolved', 'resolved', 'closed', 'open', 'new'])[1 + abs(hashint4(g.n + 2)) % 20]
                  when abs(hashint4(g.n + 2)) % 100 < 84 then 'closed'
                  when abs(hashint4(g.n + 2)) % 100 < 99 then 'resolved'
                  -- A backlog's tail: one in a hundred older tickets is still open or waiting.
                  else (array['open', 'open', 'pending_customer', 'on_hold', 'new'])[1 + abs(hashint4(g.n + 14)) % 5]
             end as status
         ) x
       ) c`,
      [
        set.workspaceId,
        ticketCount,
        set.agents,
        set.people,
        SUBJECTS.en,
        SUBJECTS.ar,
        SUBJECTS.fa,
        BODIES.en,
        BODIES.ar.slice(0, 10),
        BODIES.fa.slice(0, 10),
        new Date(),
        set.adminId,
      ],
    );
    note(`${ticketCount.toLocaleString('en')} tickets in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // The 200-message ticket: the newest, open, the signed-in agent's, in Persian.
    const big = await client.query<{ id: string }>(
      `insert into tickets (workspace_id, id, number, subject, description, requester_id, channel, status, priority,
         queue, owner_id, language, first_response_at, sla_status, sla_due_at, created_at, updated_at, created_by)
       values ($1, pg_temp.bench_uuid(now() - interval '40 hours'), $2::bigint + 1, 'پیگیری طولانی سفارش', $3, $4,
         'email', 'open', 'high', 'general', $5, 'fa', now() - interval '39 hours', 'on_track',
         now() + interval '3 hours', now() - interval '40 hours', now(), $6)
       returning id`,
      [set.workspaceId, ticketCount, BODIES.fa[0], set.people[0], set.agentId, set.adminId],
    );
    const bigTicketId = big.rows[0]!.id;
    await client.query(
      `insert into ticket_counters (workspace_id, last_number) values ($1, $2::bigint + 1)
       on conflict (workspace_id) do update set last_number = excluded.last_number`,
      [set.workspaceId, ticketCount],
    );
    // Messages: the i-th goes to ticket 1 + (i - 1) % N, its j-th (j = (i - 1) / N) 90 minutes after the last;
    // the customer writes first, then agents and customer take turns, every fifth an internal note.
    const m0 = performance.now();
    const chunk = 1_000_000;
    for (let from = 1; from <= messageCount; from += chunk) {
      const to = Math.min(messageCount, from + chunk - 1);
      await client.query(
        `insert into ticket_messages (workspace_id, id, ticket_id, kind, body, author_user_id, author_person_id,
           created_at)
         select $1, pg_temp.bench_uuid(m.at), t.id, m.kind,
           (case t.language when 'en' then $5::text[] when 'ar' then $6::text[] else $7::text[] end)
             [1 + abs(hashint4(g.i)) % cardinality(case t.language when 'en' then $5::text[] when 'ar' then $6::text[] else $7::text[] end)],
           case when m.kind <> 'customer' then coalesce(t.owner_id, $8) end,
           case when m.kind = 'customer' then t.requester_id end,
           m.at
         from generate_series($3::int, $4::int) g(i)
         join tickets t on t.workspace_id = $1 and t.number = 1 + (g.i - 1) % $2::int
         cross join lateral (
           select t.created_at + ((g.i - 1) / $2::int) * interval '90 minutes' as at,
             case when (g.i - 1) / $2::int = 0 then 'customer'
                  when ((g.i - 1) / $2::int) % 5 = 4 then 'note'
                  when ((g.i - 1) / $2::int) % 2 = 1 then 'reply' else 'customer' end as kind
         ) m`,
        [set.workspaceId, ticketCount, from, to, BODIES.en, BODIES.ar, BODIES.fa, set.adminId],
      );
    }
    await client.query(
      `insert into ticket_messages (workspace_id, id, ticket_id, kind, body, author_user_id, author_person_id,
         created_at)
       select $1, pg_temp.bench_uuid(m.at), $2, m.kind, ($3::text[])[1 + j % cardinality($3::text[])],
         case when m.kind <> 'customer' then $4::uuid end, case when m.kind = 'customer' then $5::uuid end, m.at
       from generate_series(0, 199) j
       cross join lateral (
         select now() - interval '40 hours' + j * interval '12 minutes' as at,
           case when j = 0 then 'customer' when j % 5 = 4 then 'note' when j % 2 = 1 then 'reply' else 'customer' end
             as kind
       ) m`,
      [set.workspaceId, bigTicketId, BODIES.fa, set.agentId, set.people[0]],
    );
    note(
      `${(messageCount + 200).toLocaleString('en')} messages in ${((performance.now() - m0) / 1000).toFixed(1)} s`,
    );
    return bigTicketId;
  } finally {
    client.release();
  }
}

/** Knowledge-base articles in English, Arabic and Persian, published, through the KB service. */
async function generateArticles(set: Omit<DataSet, 'bigTicketId'>): Promise<void> {
  const principal = (await principalForMember(handle.db, set.adminId, set.workspaceId))!;
  const ctx = { db: handle.db, principal };
  const pick = (lines: string[], i: number, n: number) =>
    Array.from({ length: n }, (_, k) => lines[(i * 7 + k * 13) % lines.length]!).join('\n\n');
  const t0 = performance.now();
  for (let i = 0; i < articleCount; i++)
    await createKbArticle(ctx, {
      translations: {
        en: {
          title: `${SUBJECTS.en[i % 5]} — guide ${i + 1}`,
          body: pick(ENGLISH, i, 4),
          status: 'published',
        },
        ar: { title: `${SUBJECTS.ar[i % 5]} — دليل ${i + 1}`, body: pick(ARABIC, i, 4), status: 'published' },
        fa: {
          title: `${SUBJECTS.fa[i % 5]} — راهنمای ${i + 1}`,
          body: pick(PERSIAN, i, 4),
          status: 'published',
        },
      },
    });
  note(`${articleCount} KB articles (×3 languages) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

interface Row {
  scenario: string;
  concurrency: number;
  figures: Figures;
}

try {
  const marker = path.join(
    dataDir,
    `service-${ticketCount}-${messageCount}-${peopleCount}-${articleCount}.marker`,
  );
  let set: DataSet;
  try {
    set = JSON.parse(await fsp.readFile(marker, 'utf8')) as DataSet;
    note(`using the data set in ${dataDir}`);
  } catch {
    const accounts = await makeAccounts();
    note(`${AGENTS} agents in ${TEAMS} teams, ${accounts.people.length} requesters`);
    const bigTicketId = await generateTickets(accounts);
    await generateArticles(accounts);
    set = { ...accounts, bigTicketId };
    if (args.data) await fsp.writeFile(marker, JSON.stringify(set));
  }
  const v0 = performance.now();
  await owner.query('vacuum (analyze) tickets, ticket_messages, kb_translations, people');
  note(`vacuum (analyze): ${((performance.now() - v0) / 1000).toFixed(1)} s`);

  const viewer = { userId: set.agentId, teamMembers: [...set.team].sort() };
  // Each view in the inbox's two orders: time left, and priority (urgent first) then time left.
  const inboxViews = (now: number) =>
    (['mine', 'team', 'unassigned', 'breaching', 'pending', 'open'] as const).flatMap((view) =>
      (['timeLeft', 'priority'] as const).map((order) => ({
        view: order === 'timeLeft' ? view : `${view} by priority`,
        options: {
          limit: 50,
          sort: INBOX_ORDERS[order],
          filter: viewFilter(view, viewer, now),
          fields: INBOX_FIELDS.split(','),
        },
      })),
    );
  if (args.explain) {
    // Each read's statements as its service sends them, then each explained as it ran (the workspace's
    // transaction, as the application role, its own settings replayed first).
    const principal = (await principalForMember(handle.db, set.agentId, set.workspaceId))!;
    const reads: { name: string; work: (db: Database) => Promise<unknown> }[] = [
      ...inboxViews(Date.now()).map(({ view, options }) => ({
        name: `inbox: ${view}`,
        work: (db: Database) => listRecords({ db, principal }, 'tickets', options),
      })),
      {
        name: 'ticket: its conversation',
        work: (db: Database) => listMessages({ db, principal }, set.bigTicketId, { limit: 31 }),
      },
      ...KB_QUERIES.map(([label, q]) => ({
        name: `kb search: ${label}`,
        work: (db: Database) => searchKb({ db, principal }, { q, limit: 20 }, ''),
      })),
    ];
    // `--explain-without a,b`: the same plans with these indexes dropped in the explaining transaction (rolled
    // back), to see what they buy; dropping needs the tables' owner, who then acts as the application role.
    const without = args['explain-without']?.split(',').filter(Boolean) ?? [];
    const appPool = without.length
      ? owner
      : createPool(database.connectionString, 1, 'rabita-bench-explain', 'rabita_app');
    const client = await appPool.connect();
    try {
      for (const read of reads) {
        const { statements } = await captureStatements(handle.pool, read.work);
        await client.query('begin');
        for (const index of without) await client.query(`drop index ${client.escapeIdentifier(index)}`);
        if (without.length) await client.query('set local role rabita_app');
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
            `== ${read.name}\n${statement.sql}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n\n`,
          );
        }
        await client.query('rollback');
      }
    } finally {
      client.release();
      if (appPool !== owner) await appPool.end();
    }
    parts.clear();
  }

  if (!args.explain) runner = await startWorker(config, database.connectionString, handle.db, log);
  const agentCookie = await signIn(set.agentEmail);
  const adminCookie = await signIn(set.adminEmail);
  const target = { base, cookie: agentCookie, seconds };
  const rows: Row[] = [];
  const measure = async (scenario: string, request: LoadRequest) => {
    // Warm up (JIT, metadata and plan caches), and check the request answers.
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${base}${request.path}`, {
        method: request.method ?? 'GET',
        headers: { cookie: agentCookie },
      });
      const body = await res.text();
      if (res.status >= 400) throw new Error(`${scenario}: ${res.status} ${body.slice(0, 300)}`);
    }
    for (const c of [1, 8]) {
      const figures = await drive(target, request, c);
      rows.push({ scenario, concurrency: c, figures });
      note(`${scenario} @${c}: p50 ${figures.p50} ms, p95 ${figures.p95} ms, ${figures.throughput}/s`);
    }
  };

  // 1. Inbox views, as the web app asks for them.
  if (parts.has('inbox')) {
    for (const { view, options } of inboxViews(Date.now())) {
      const query = new URLSearchParams({
        limit: String(options.limit),
        sort: options.sort,
        filter: JSON.stringify(options.filter),
        fields: INBOX_FIELDS,
        expand: 'requester,owner',
      });
      const page = await call<{ data: unknown[] }>(agentCookie, 'GET', `/objects/tickets?${query}`);
      note(`inbox ${view}: ${page.data.length} rows on the first page`);
      await measure(`inbox: ${view}`, { path: `/api/v1/objects/tickets?${query}` });
    }
  }

  // 2. Opening the 200-message ticket: the record, and the conversation's newest page (the web app's 30).
  if (parts.has('ticket')) {
    await measure('ticket: the record (200 messages)', {
      path: `/api/v1/objects/tickets/${set.bigTicketId}`,
    });
    await measure('ticket: its conversation, newest 30 of 200', {
      path: `/api/v1/tickets/${set.bigTicketId}/messages?limit=30`,
    });
  }

  // 3. KB search, a query in each language.
  if (parts.has('kb'))
    for (const [label, q] of KB_QUERIES) {
      const hits = await call<{ data: unknown[] }>(
        agentCookie,
        'GET',
        `/service/kb/search?q=${encodeURIComponent(q)}`,
      );
      note(`KB search ${label} "${q}": ${hits.data.length} hits on the first page`);
      await measure(`kb search: ${label}`, {
        path: `/api/v1/service/kb/search?q=${encodeURIComponent(q)}&limit=20`,
      });
    }

  // 4. The status burst.
  let burst:
    | {
        tickets: number;
        sendSeconds: number;
        patch: Figures;
        recomputeLateMs: { p95: number; max: number };
        allRecomputedSeconds: number;
        warnLateMs: { p95: number; max: number; seen: number };
        deadlineLateMs: { p95: number; max: number; seen: number };
        allDeadlinesDoneSeconds: number | null;
      }
    | undefined;
  if (parts.has('burst')) {
    const policy = await call<{ id: string }>(adminCookie, 'POST', '/service/sla-policies', {
      name: 'Bench burst',
      condition: { field: 'queue', op: 'eq', value: 'general' },
      businessTime: false,
      targets: Object.fromEntries(
        ['low', 'normal', 'high', 'urgent'].map((p) => [
          p,
          { first_response: deadlineMinutes, resolution: 480 },
        ]),
      ),
      pauseStatuses: [...PENDING_STATUSES],
      warn: { percent: 50 },
    });
    const c0 = performance.now();
    const ids = await createInBatches(adminCookie, 'tickets', burstCount, (i) => ({
      subject: `${SUBJECTS.fa[i % 5]} (موج ${i})`,
      status: 'pending_customer',
      priority: ['low', 'normal', 'high', 'urgent'][i % 4],
      requester: set.people[i % set.people.length],
      owner: set.agents[i % set.agents.length],
    }));
    note(
      `${ids.length} tickets waiting on the customer under policy ${policy.id} (${((performance.now() - c0) / 1000).toFixed(1)} s)`,
    );
    const [paused] = (
      await owner.query<{ n: number }>(
        `select count(*)::int as n from sla_clocks where workspace_id = $1 and ticket_id = any($2) and state = 'paused'`,
        [set.workspaceId, ids],
      )
    ).rows;
    if ((paused?.n ?? 0) < ids.length)
      throw new Error(`only ${paused?.n} of ${ids.length} burst tickets have paused clocks`);

    // The burst: every ticket moved to open by PATCH, 8 at once, each send time noted.
    const sentAt = new Map<string, number>();
    const patchMs: number[] = [];
    let errors = 0;
    let next = 0;
    const burstStart = Date.now();
    const s0 = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          sentAt.set(id, Date.now());
          const t0 = performance.now();
          const res = await fetch(`${base}/api/v1/objects/tickets/${id}`, {
            method: 'PATCH',
            headers: { cookie: adminCookie, 'content-type': 'application/json' },
            body: JSON.stringify({ status: 'open' }),
          });
          await res.arrayBuffer();
          patchMs.push(performance.now() - t0);
          if (res.status >= 300) errors++;
        }
      }),
    );
    const sendSeconds = (performance.now() - s0) / 1000;
    const patch = summarise(patchMs, errors, sendSeconds);
    note(
      `burst: ${ids.length} status changes in ${sendSeconds.toFixed(1)} s (${patch.throughput}/s, p95 ${patch.p95} ms, ${errors} errors)`,
    );

    // Each ticket's first-response clock: rebuilt after its change, then after its warning and its deadline.
    type ClockRow = {
      ticket_id: string;
      state: string;
      warned_at: Date | null;
      breached_at: Date | null;
      computed_at: Date;
    };
    const readClocks = async () =>
      (
        await owner.query<ClockRow>(
          `select ticket_id, state, warned_at, breached_at, computed_at from sla_clocks
           where workspace_id = $1 and metric = 'first_response' and ticket_id = any($2)`,
          [set.workspaceId, ids],
        )
      ).rows;
    // The change's clocks are rebuilt in its own transaction, when its status event is logged: how late after the
    // PATCH was sent (the clocks themselves are soon rebuilt again by the warning's and deadline's jobs).
    const changed = (
      await owner.query<{ ticket_id: string; at: Date }>(
        `select ticket_id, max(at) as at from ticket_sla_events
         where workspace_id = $1 and ticket_id = any($2) and kind = 'status' group by ticket_id`,
        [set.workspaceId, ids],
      )
    ).rows;
    if (changed.length < ids.length)
      throw new Error(`only ${changed.length} of ${ids.length} status changes reached the SLA log`);
    const recomputeLate = changed.map((r) => Math.max(0, r.at.getTime() - sentAt.get(r.ticket_id)!));
    const lastRecompute = Math.max(...changed.map((r) => r.at.getTime()));
    const warnLate = new Map<string, number>();
    const deadlineLate = new Map<string, number>();
    const lastDeadline = Math.max(...sentAt.values()) + deadlineMinutes * 60_000;
    const giveUp = lastDeadline + 5 * 60_000;
    let lastNote = Date.now();
    while (deadlineLate.size < ids.length && Date.now() < giveUp) {
      for (const r of await readClocks()) {
        if (r.warned_at && !warnLate.has(r.ticket_id) && r.computed_at >= r.warned_at)
          warnLate.set(r.ticket_id, r.computed_at.getTime() - r.warned_at.getTime());
        if (r.breached_at && !deadlineLate.has(r.ticket_id) && r.computed_at >= r.breached_at)
          deadlineLate.set(r.ticket_id, r.computed_at.getTime() - r.breached_at.getTime());
      }
      if (Date.now() - lastNote > 10_000) {
        note(`clocks: ${warnLate.size} warned, ${deadlineLate.size} breached of ${ids.length}`);
        lastNote = Date.now();
      }
      await sleep(500);
    }
    const spread = (values: number[], seen = values.length) => {
      const sorted = [...values].sort((a, b) => a - b);
      return { p95: round(percentile(sorted, 95)), max: round(sorted.at(-1) ?? Number.NaN), seen };
    };
    const finalClocks = await readClocks();
    const allDone =
      deadlineLate.size === ids.length
        ? (Math.max(...finalClocks.map((r) => r.computed_at.getTime())) - burstStart) / 1000
        : null;
    burst = {
      tickets: ids.length,
      sendSeconds: round(sendSeconds),
      patch,
      recomputeLateMs: spread(recomputeLate),
      allRecomputedSeconds: round((lastRecompute - burstStart) / 1000),
      warnLateMs: spread([...warnLate.values()]),
      deadlineLateMs: spread([...deadlineLate.values()]),
      allDeadlinesDoneSeconds: allDone === null ? null : round(allDone),
    };
    note(
      `clocks rebuilt after the change: p95 ${burst.recomputeLateMs.p95} ms, max ${burst.recomputeLateMs.max} ms; ` +
        `after the warning: p95 ${burst.warnLateMs.p95} ms, max ${burst.warnLateMs.max} ms (${warnLate.size}); ` +
        `after the deadline: p95 ${burst.deadlineLateMs.p95} ms, max ${burst.deadlineLateMs.max} ms (${deadlineLate.size})`,
    );
  }

  // The table and the targets.
  const at8 = (prefix: string) => rows.filter((r) => r.scenario.startsWith(prefix) && r.concurrency === 8);
  const targets: { target: string; measured: string; met: boolean }[] = [];
  const check = (target: string, prefix: string, limit: number) => {
    const hits = at8(prefix);
    if (hits.length === 0) return;
    targets.push({
      target,
      measured: hits.map((r) => `${r.scenario.replace(/^[^:]+: /, '')} ${r.figures.p95}`).join('; '),
      met: hits.every((r) => r.figures.errors === 0 && r.figures.p95 < limit),
    });
  };
  check(`inbox views p95 < ${TARGET_MS.inbox} ms at 8`, 'inbox:', TARGET_MS.inbox);
  check(`opening a 200-message ticket p95 < ${TARGET_MS.ticket} ms at 8`, 'ticket:', TARGET_MS.ticket);
  check(`KB search p95 < ${TARGET_MS.kb} ms at 8`, 'kb search:', TARGET_MS.kb);
  if (burst) {
    const worst = Math.max(burst.recomputeLateMs.max, burst.warnLateMs.max, burst.deadlineLateMs.max);
    targets.push({
      target: `status burst of ${burst.tickets}: no clock or deadline late by more than ${TARGET_MS.lateSeconds} s`,
      measured: `worst ${round(worst / 1000)} s; ${burst.deadlineLateMs.seen} of ${burst.tickets} deadlines seen`,
      met:
        burst.patch.errors === 0 &&
        burst.deadlineLateMs.seen === burst.tickets &&
        worst <= TARGET_MS.lateSeconds * 1000,
    });
  }
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
      tickets: ticketCount + 1,
      messages: messageCount + 200,
      people: peopleCount,
      agents: AGENTS,
      articles: articleCount,
      burst: burstCount,
      deadlineMinutes,
    },
    seconds,
    results: rows,
    burst,
    targets,
  };
  const table = [
    `Service desk: ${(ticketCount + 1).toLocaleString('en')} tickets, ${(messageCount + 200).toLocaleString('en')} messages, ${articleCount} articles; ${result.machine.cores} cores, Node ${process.version}; load average ${result.machine.loadBefore[0]} before, ${result.machine.loadAfter[0]} after`,
    '',
    '| scenario | conc. | p50 ms | p95 ms | p99 ms | req/s | errors |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.concurrency} | ${r.figures.p50} | ${r.figures.p95} | ${r.figures.p99} | ${r.figures.throughput} | ${r.figures.errors} |`,
    ),
    ...(burst
      ? [
          '',
          '| status burst | value |',
          '|---|---|',
          `| ${burst.tickets} PATCHes to open at 8 at once | ${burst.sendSeconds} s, ${burst.patch.throughput}/s, p95 ${burst.patch.p95} ms, ${burst.patch.errors} errors |`,
          `| clocks rebuilt after the change sent, p95 / max ms | ${burst.recomputeLateMs.p95} / ${burst.recomputeLateMs.max} (all within ${burst.allRecomputedSeconds} s of the burst's start) |`,
          `| warning (at ${deadlineMinutes * 30} s) rebuilt late by, p95 / max ms | ${burst.warnLateMs.p95} / ${burst.warnLateMs.max} (${burst.warnLateMs.seen} seen) |`,
          `| deadline (at ${deadlineMinutes * 60} s) rebuilt late by, p95 / max ms | ${burst.deadlineLateMs.p95} / ${burst.deadlineLateMs.max} (${burst.deadlineLateMs.seen} seen; all within ${burst.allDeadlinesDoneSeconds ?? '–'} s of the burst's start) |`,
        ]
      : []),
    '',
    'Targets (set for 1,000,000 tickets and 5,000,000 messages):',
    ...targets.map((t) => `- ${t.met ? 'met' : 'MISSED'}: ${t.target} — ${t.measured}`),
    '',
  ].join('\n');
  if (!args.explain) process.stdout.write(table);
  const file = path.join(root, 'bench/results', `${result.at.replace(/[:.]/g, '-')}-service.json`);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  if (!args.explain) {
    await fsp.writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    note(`results in ${path.relative(process.cwd(), file)}`);
  }
} finally {
  await runner?.stop();
  await stop();
}
