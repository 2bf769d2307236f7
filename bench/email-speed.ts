// Email speed: `node bench/email-speed.ts [--messages 5000] [--people 1000] [--deliveries 100] [--rate 2]
// [--sends 500] [--concurrency 8] [--data dir]`. A throwaway Dovecot and SMTP peer on loopback, an embedded
// PostgreSQL, the app built in this process and the mailbox sync service started beside it. Three measurements:
//  1. Initial sync: `--people` people are created, then `--messages` mixed messages (plain text and HTML, English,
//     Persian and Arabic subjects, one in twenty with a 50 KB attachment, one in five a reply to an earlier one,
//     nine in ten from one of the people) are written straight into the user's maildir and indexed by doveadm;
//     then the mailbox is connected and timed until its progress says done = total and its status is 'ready'.
//     Target: at least 1,000 messages/s, end to end (fetch, parse, store, thread, match). A second start of the
//     sync with nothing new is timed too.
//  2. Delivery → stored: `--deliveries` messages delivered one by one by LMTP at `--rate` a second while the sync
//     idles on the inbox; for each, the time from LMTP's acceptance to its row in email_messages (polled every
//     25 ms), and afterwards each is looked for on its person's timeline over HTTP. Target: p95 < 5 s.
//  3. Sending: `--sends` messages through `sendEmail` with `--concurrency` at once to a local SMTP peer (on a thread of
//     its own, email-smtp-peer.ts, as a provider's server is not on the app's event loop), each also
//     appended to Sent over IMAP; then again with the mailbox's IMAP port pointed at a closed port, so the append
//     fails at once (the send ignores that failure), to show what the Sent copy costs. Target: ≥ 100 messages/s.
// Mail is parsed in worker threads as a worker process does (RABITA_MAIL_PARSE_THREADS, default cores − 1); run
// with RABITA_MAIL_PARSE_THREADS=0 to parse in the sync's thread for comparison (`initialSync.parseThreads` says which).
// Prints a table and writes bench/results/<time>-email.json.
import { randomBytes } from 'node:crypto';
import fsp, { chown, mkdir, utimes, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { createUserWithWorkspace, lazySecretBox, principalForMember } from '@rabita/core';
import { createPool, openDatabase } from '@rabita/db';
import { buildApp, createLogger, loadConfig, startDatabase } from '@rabita/server';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { startDovecot } from '../packages/core/src/email/dovecot-harness.ts';
import { emailSettings } from '../packages/core/src/email/email.settings.ts';
import { type SendInput, sendEmail } from '../packages/core/src/email/messages.service.ts';
import { defaultParseThreads } from '../packages/core/src/email/parse-pool.ts';
import { startMailSync } from '../packages/core/src/email/sync-supervisor.ts';
import type { PeerMessage } from './email-smtp-peer.ts';
import { summarise } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '5000' },
    people: { type: 'string', default: '1000' },
    deliveries: { type: 'string', default: '100' },
    rate: { type: 'string', default: '2' },
    sends: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '8' },
    data: { type: 'string' },
  },
});
const messages = Number(args.messages);
const peopleCount = Number(args.people);
const deliveries = Number(args.deliveries);
const rate = Number(args.rate);
const sends = Number(args.sends);
const concurrency = Number(args.concurrency);
if (![messages, peopleCount, deliveries, rate, sends, concurrency].every((n) => Number.isInteger(n) && n > 0))
  throw new Error(
    '--messages, --people, --deliveries, --rate, --sends and --concurrency must be positive integers',
  );

/** Dovecot's mail (and, under root, the whole server) belongs to uid 65534; the harness does the same. */
const MAIL_ID = 65534;
const USER = 'bench';
const PASSWORD = 'bench-mail-password';
const KEY = randomBytes(32);
const loadBefore = os.loadavg();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = performance.now();
const note = (line: string) =>
  process.stderr.write(`${((performance.now() - started) / 1000).toFixed(1)} s  ${line}\n`);
const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;

/** The address of the i-th person created for the bench. */
const personAddress = (i: number) => `client${i}@customer${i % 50}.example`;

const PERSIAN_SUBJECTS = ['درخواست پیش‌فاکتور', 'پیگیری سفارش', 'قرارداد سالانه', 'جلسهٔ هفتهٔ آینده'];
const ARABIC_SUBJECTS = ['طلب عرض سعر', 'تأكيد الطلب', 'فاتورة الشهر', 'موعد الاجتماع'];
const ENGLISH_SUBJECTS = ['Quote request', 'Order follow-up', 'Annual contract', 'Meeting next week'];
const PARAGRAPH =
  'Thank you for your message. We have reviewed the proposal and would like to discuss the delivery dates, ' +
  'the payment terms and the support contract before we sign. ';
const PERSIAN_PARAGRAPH = 'سلام، ممنون از پیام شما. لطفاً پیش‌فاکتور و زمان تحویل را برای ما بفرستید. ';
const ARABIC_PARAGRAPH = 'مرحبا، شكراً على رسالتكم. نرجو إرسال عرض السعر وموعد التسليم في أقرب وقت. ';
const ATTACHMENT = randomBytes(50 * 1024);

/** The bench's i-th mailbox message: its kind, language, sender, attachment and parent vary with i. */
async function composeMessage(i: number, date: Date): Promise<Buffer> {
  const kind = i % 4;
  const fromPerson = i % 10 !== 9;
  const from = fromPerson ? personAddress((i * 7) % peopleCount) : `stranger${i}@elsewhere.example`;
  const subject =
    kind === 2
      ? PERSIAN_SUBJECTS[i % 4]!
      : kind === 3
        ? ARABIC_SUBJECTS[i % 4]!
        : `${ENGLISH_SUBJECTS[i % 4]!} #${i}`;
  const paragraph = kind === 2 ? PERSIAN_PARAGRAPH : kind === 3 ? ARABIC_PARAGRAPH : PARAGRAPH;
  const text = paragraph.repeat(4 + (i % 8));
  // One in five replies to an earlier message (which the newest-first sync stores after its reply).
  const parent = i >= 10 && i % 5 === 0 ? i - 1 - (i % 9) : undefined;
  return new MailComposer({
    from: { name: `Client ${i}`, address: from },
    to: `${USER}@localhost.example`,
    subject: parent === undefined ? subject : `Re: ${subject}`,
    ...(kind === 1 || kind === 3
      ? { html: `<div dir="auto"><p>${text}</p><p><a href="https://example.com/${i}">details</a></p></div>` }
      : { text }),
    messageId: `<bench-${i}@customer.example>`,
    ...(parent === undefined
      ? {}
      : {
          inReplyTo: `<bench-${parent}@customer.example>`,
          references: [`<bench-${parent}@customer.example>`],
        }),
    date,
    attachments:
      i % 20 === 7
        ? [{ filename: `offer-${i}.pdf`, contentType: 'application/pdf', content: ATTACHMENT }]
        : [],
  })
    .compile()
    .build();
}

/**
 * Writes the messages straight into the user's maildir (cur/, unseen, the file's time its internal date), as a
 * server that already holds them would have them; faster than LMTP or APPEND one by one.
 */
async function fillMaildir(home: string, count: number): Promise<{ bytes: number }> {
  const maildir = path.join(home, 'Maildir');
  for (const sub of ['', 'cur', 'new', 'tmp']) {
    await mkdir(path.join(maildir, sub), { recursive: true });
    await chown(path.join(maildir, sub), MAIL_ID, MAIL_ID).catch(() => {});
  }
  await chown(home, MAIL_ID, MAIL_ID).catch(() => {});
  const span = 60 * 86_400_000;
  const now = Date.now();
  let bytes = 0;
  const write = async (i: number) => {
    const date = new Date(now - span + Math.floor((i / count) * span));
    const raw = await composeMessage(i, date);
    bytes += raw.length;
    const file = path.join(
      maildir,
      'cur',
      `${Math.floor(date.getTime() / 1000)}.M${i}P${process.pid}.rabita-bench,S=${raw.length}:2,`,
    );
    await writeFile(file, raw);
    await chown(file, MAIL_ID, MAIL_ID).catch(() => {});
    await utimes(file, date, date);
  };
  for (let i = 0; i < count; i += 64)
    await Promise.all(Array.from({ length: Math.min(64, count - i) }, (_, k) => write(i + k)));
  return { bytes };
}

/** A loopback port nothing listens on (taken and released at once). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const dataDir = args.data ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'rabita-bench-email-')));
const config = loadConfig({
  RABITA_DATA: dataDir,
  LOG_LEVEL: 'warn',
  RABITA_OPEN_SIGNUP: 'true',
  RABITA_IN_PROCESS_WORKER: 'false',
  RABITA_MAIL_ALLOW_PRIVATE: 'true',
  RABITA_SECRET_KEY: KEY.toString('hex'),
  // Parse threads as the operator sets them (RABITA_MAIL_PARSE_THREADS=0 parses in the sync's thread, for comparison).
  RABITA_MAIL_PARSE_THREADS: process.env.RABITA_MAIL_PARSE_THREADS,
});
const log = createLogger({ logLevel: 'warn' });
const dovecot = await startDovecot({ users: [{ name: USER, password: PASSWORD }] });
/** The SMTP peer on a thread of its own (email-smtp-peer.ts): its URL, the messages it received, and its end. */
async function startPeerThread(): Promise<{
  url: string;
  received(): Promise<number>;
  close(): Promise<void>;
}> {
  const worker = new Worker(new URL('./email-smtp-peer.ts', import.meta.url));
  const next = () =>
    new Promise<PeerMessage>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const first = await next();
  if (!('url' in first)) throw new Error('the SMTP peer thread did not say where it listens');
  return {
    url: first.url,
    async received() {
      const answer = next();
      worker.postMessage('count');
      const m = await answer;
      if (!('received' in m)) throw new Error('the SMTP peer thread answered something else than its count');
      return m.received;
    },
    async close() {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('close');
      await exited;
    },
  };
}
const smtp = await startPeerThread();
const database = await startDatabase(config, log);
const handle = openDatabase(database.connectionString, { poolSize: 10 });
const owner = createPool(database.connectionString, 2, 'rabita-bench-email');
const app = await buildApp(config, { db: handle.db, pool: handle.pool });
await app.ready();
const secrets = lazySecretBox(async () => KEY);
/** Starts the mailbox sync service as a worker process runs it (the inbox idles; other folders poll at 2 min). */
const startSync = () =>
  startMailSync(
    {
      db: handle.db,
      session: { idleHours: 1, maxDays: 1 },
      // RABITA_MAIL_PARSE_THREADS as the configuration read it.
      settings: config.moduleSettings.with(emailSettings, {
        allowPrivate: true,
        maxMessageBytes: 25 * 1024 * 1024,
        pollMs: 120_000,
      }),
      secrets,
      log: (level, message, detail) => {
        if (level !== 'info' || message === 'message skipped')
          process.stderr.write(`sync ${level}: ${message} ${JSON.stringify(detail ?? {})}\n`);
      },
    },
    { tickMs: 500 },
  );
let sync: { stop(): Promise<void> } | undefined;

try {
  const account = {
    email: `email-${Date.now().toString(36)}@bench.example`,
    password: 'bench password',
    name: 'Bench',
  };
  const user = await createUserWithWorkspace(handle.db, account);
  const signIn = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/sign-in',
    payload: { email: account.email, password: account.password },
  });
  const session = signIn.cookies.find((c) => c.name === 'rabita_session');
  if (!session) throw new Error(`sign-in failed: ${signIn.statusCode} ${signIn.body}`);
  const headers = { cookie: `rabita_session=${session.value}` };
  const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) => {
    const res = await app.inject({
      method,
      url: `/api/v1${url}`,
      headers,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res;
  };
  const query = async <T extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
    (await owner.query<T>(text, values)).rows;

  // The people the messages' senders match.
  const personIds: string[] = [];
  for (let done = 0; done < peopleCount; done += 1000) {
    const n = Math.min(1000, peopleCount - done);
    const res = await call('POST', '/objects/people/batch', {
      records: Array.from({ length: n }, (_, k) => ({
        firstName: `مشتری ${done + k}`,
        lastName: 'بنچ',
        emails: [personAddress(done + k)],
      })),
    });
    for (const row of (res.json() as { data: { id?: string; error?: { message: string } }[] }).data) {
      if (!row.id) throw new Error(`a person was refused: ${row.error?.message}`);
      personIds.push(row.id);
    }
  }
  note(`${personIds.length} people created`);

  // 1. Initial sync.
  const home = path.join(dovecot.dir, 'mail', USER);
  const writeStart = performance.now();
  const { bytes } = await fillMaildir(home, messages);
  const writeSeconds = (performance.now() - writeStart) / 1000;
  const indexStart = performance.now();
  const status = await dovecot.doveadm(['mailbox', 'status', '-u', USER, 'messages', 'INBOX']);
  const indexSeconds = (performance.now() - indexStart) / 1000;
  if (!status.includes(`messages=${messages}`)) throw new Error(`Dovecot counted ${status.trim()}`);
  note(
    `${messages} messages (${round(bytes / 1_048_576)} MB) composed and written to the maildir in ${round(writeSeconds)} s, indexed by doveadm in ${round(indexSeconds)} s`,
  );

  sync = startSync();
  const connectStart = performance.now();
  const connected = await call('POST', '/mailboxes', {
    name: 'بنچ',
    address: `${USER}@localhost.example`,
    kind: 'personal',
    imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'none' },
    smtp: { host: '127.0.0.1', port: Number(new URL(smtp.url).port), security: 'none' },
    username: USER,
    secret: PASSWORD,
  });
  const mailboxId = (connected.json() as { id: string }).id;
  const connectMs = performance.now() - connectStart;
  type MailboxState = { status: string; done: number | null; total: number | null; synced: Date | null };
  const mailboxState = async () =>
    (
      await query<MailboxState>(
        `select status, (progress->>'done')::int as done, (progress->>'total')::int as total,
           last_synced_at as synced from mailboxes where id = $1`,
        [mailboxId],
      )
    )[0]!;
  let firstProgressAt: number | undefined;
  let lastReport = performance.now();
  const syncLimitMs = Math.max(600_000, messages * 50);
  for (;;) {
    const state = await mailboxState();
    const now = performance.now();
    if (firstProgressAt === undefined && (state.done ?? 0) > 0) firstProgressAt = now;
    if (state.status === 'ready' && state.total !== null && state.done === state.total) break;
    if (state.status === 'failing') throw new Error('the mailbox failed; see the sync log above');
    if (now - connectStart > syncLimitMs)
      throw new Error(`the initial sync took over ${syncLimitMs / 1000} s`);
    if (now - lastReport > 10_000) {
      note(`syncing: ${state.done ?? 0} of ${state.total ?? '?'} (${state.status})`);
      lastReport = now;
    }
    await sleep(50);
  }
  const syncSeconds = (performance.now() - connectStart) / 1000;
  const syncRate = messages / syncSeconds;
  const [stored] = await query<{ messages: number; threads: number; linked: number; people: number }>(
    `select (select count(*)::int from email_messages where workspace_id = $1) as messages,
       (select count(*)::int from email_threads where workspace_id = $1) as threads,
       (select count(distinct message_id)::int from email_links where workspace_id = $1 and object_key = 'people') as linked,
       (select count(distinct record_id)::int from email_links where workspace_id = $1 and object_key = 'people') as people`,
    [user.workspaceId],
  );
  note(
    `initial sync: ${messages} messages in ${round(syncSeconds, 2)} s = ${Math.round(syncRate)} messages/s; ` +
      `stored ${stored!.messages} in ${stored!.threads} threads, ${stored!.linked} linked to ${stored!.people} people`,
  );

  // The sync started again with nothing new: connect, list, compare each folder's cursor, back to IDLE.
  await sync.stop();
  const resyncAt = new Date();
  const resyncStart = performance.now();
  sync = startSync();
  for (;;) {
    const state = await mailboxState();
    if (state.status === 'ready' && state.synced && state.synced >= resyncAt) break;
    if (performance.now() - resyncStart > 120_000) throw new Error('the second sync took over 2 minutes');
    await sleep(10);
  }
  const resyncMs = performance.now() - resyncStart;
  note(`second sync with nothing new: ${Math.round(resyncMs)} ms`);

  // 2. Delivery → stored, while the sync idles on the inbox.
  const pending = new Map<string, number>();
  const latencies = new Map<string, number>();
  const deliverMs: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling || pending.size > 0) {
      if (pending.size > 0) {
        const ids = [...pending.keys()];
        const found = await query<{ message_id: string }>(
          'select message_id from email_messages where workspace_id = $1 and message_id = any($2)',
          [user.workspaceId, ids],
        );
        const now = performance.now();
        for (const { message_id } of found) {
          const at = pending.get(message_id);
          if (at === undefined) continue;
          latencies.set(message_id, Math.max(0, now - at));
          pending.delete(message_id);
        }
      }
      await sleep(25);
    }
  })();
  const expected: { messageId: string; personId: string }[] = [];
  const every = 1000 / rate;
  for (let i = 0; i < deliveries; i++) {
    const tick = performance.now();
    const person = (i * 13) % peopleCount;
    const messageId = `live-${i}-${randomBytes(3).toString('hex')}@customer.example`;
    const raw = await new MailComposer({
      from: personAddress(person),
      to: `${USER}@localhost.example`,
      subject: i % 2 === 0 ? `پیگیری ${i}` : `متابعة ${i}`,
      text: PERSIAN_PARAGRAPH.repeat(3),
      messageId: `<${messageId}>`,
    })
      .compile()
      .build();
    const before = performance.now();
    await dovecot.deliver(USER, raw);
    const accepted = performance.now();
    deliverMs.push(accepted - before);
    if (!latencies.has(messageId)) pending.set(messageId, accepted);
    expected.push({ messageId, personId: personIds[person]! });
    await sleep(Math.max(0, every - (performance.now() - tick)));
  }
  const waitUntil = performance.now() + 30_000;
  while (pending.size > 0 && performance.now() < waitUntil) await sleep(50);
  polling = false;
  const missing = pending.size;
  pending.clear();
  await poller;
  const delivery = summarise([...latencies.values()], missing, deliveries / rate);
  // Each delivered message is on its person's timeline (read over HTTP, as the app shows it).
  const byPerson = new Map<string, Set<string>>();
  for (const e of expected)
    byPerson.set(e.personId, new Set([...(byPerson.get(e.personId) ?? []), e.messageId]));
  let onTimeline = 0;
  for (const [personId, ids] of byPerson) {
    const res = await call('GET', `/objects/people/${personId}/timeline?limit=100`);
    const entries = (res.json() as { data: { kind: string; messageId?: string }[] }).data;
    for (const entry of entries)
      if (entry.kind === 'email' && entry.messageId && ids.has(entry.messageId)) onTimeline++;
  }
  note(
    `delivery → stored: p50 ${delivery.p50} ms, p95 ${delivery.p95} ms, p99 ${delivery.p99} ms; ${missing} not stored; ${onTimeline} of ${deliveries} on their person's timeline`,
  );
  await sync.stop();
  sync = undefined;

  // 3. Sending, with and without the Sent copy.
  const principal = await principalForMember(handle.db, user.userId, user.workspaceId);
  if (!principal) throw new Error('the bench user is not a member of its workspace');
  const ctx = { db: handle.db, principal };
  const parents = await query<{ id: string; from_address: string }>(
    `select id, from_address from email_messages where workspace_id = $1 and direction = 'in'
     order by sent_at desc limit 200`,
    [user.workspaceId],
  );
  const sendOne = async (i: number, tag: string): Promise<number> => {
    const parent = i % 2 === 0 ? parents[i % parents.length] : undefined;
    const input: SendInput = {
      mailboxId,
      to: [parent?.from_address ?? personAddress((i * 17) % peopleCount)],
      text: `${PERSIAN_PARAGRAPH}\n${tag} ${i}`,
      ...(parent ? { replyTo: parent.id } : { subject: `پیش‌فاکتور ${tag} ${i}` }),
    };
    const t0 = performance.now();
    await sendEmail(ctx, input, { secrets, allowPrivate: true });
    return performance.now() - t0;
  };
  const sendAll = async (tag: string) => {
    const times: number[] = [];
    let next = 0;
    const receivedBefore = await smtp.received();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < sends) times.push(await sendOne(next++, tag));
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const receivedNow = await smtp.received();
    if (receivedNow - receivedBefore !== sends)
      throw new Error(`the SMTP peer received ${receivedNow - receivedBefore} of ${sends} messages`);
    return { ...summarise(times, 0, seconds), perSecond: round(sends / seconds) };
  };
  await sendOne(0, 'warm-up');
  const withSent = await sendAll('with-sent');
  const [sentCopies] = await query<{ n: number }>(
    `select count(*)::int as n from email_messages where workspace_id = $1 and direction = 'out'`,
    [user.workspaceId],
  );
  const sentStatus = await dovecot.doveadm(['mailbox', 'status', '-u', USER, 'messages', 'Sent']);
  note(
    `sending with the Sent copy: ${withSent.perSecond} messages/s (each p50 ${withSent.p50} ms, p95 ${withSent.p95} ms); Sent holds ${sentStatus.trim()}`,
  );
  // The same sends with the IMAP port closed: the Sent copy's connection is refused at once and skipped.
  await query('update mailboxes set imap_port = $2 where id = $1', [mailboxId, await closedPort()]);
  const withoutSent = await sendAll('without-sent');
  await query('update mailboxes set imap_port = $2 where id = $1', [mailboxId, dovecot.imapPort]);
  note(
    `sending without the Sent copy: ${withoutSent.perSecond} messages/s (each p50 ${withoutSent.p50} ms, p95 ${withoutSent.p95} ms)`,
  );

  const result = {
    at: new Date().toISOString(),
    machine: {
      cores: os.cpus().length,
      node: process.version,
      loadBefore: loadBefore.map((n) => round(n, 2)),
      loadAfter: os.loadavg().map((n) => round(n, 2)),
    },
    seed: {
      messages,
      people: peopleCount,
      megabytes: round(bytes / 1_048_576),
      maildirWriteSeconds: round(writeSeconds, 2),
      doveadmIndexSeconds: round(indexSeconds, 2),
    },
    initialSync: {
      messages,
      connectMs: Math.round(connectMs),
      firstProgressMs: firstProgressAt === undefined ? null : Math.round(firstProgressAt - connectStart),
      seconds: round(syncSeconds, 2),
      messagesPerSecond: Math.round(syncRate),
      parseThreads: config.moduleSettings.of(emailSettings).parseThreads ?? defaultParseThreads(),
      stored: stored!.messages,
      threads: stored!.threads,
      linkedToPeople: stored!.linked,
      peopleLinked: stored!.people,
    },
    resyncNothingNewMs: Math.round(resyncMs),
    delivery: {
      deliveries,
      rate,
      measuredBy: 'email_messages polled every 25 ms from LMTP acceptance',
      stored: latencies.size,
      missing,
      onTimeline,
      p50: delivery.p50,
      p95: delivery.p95,
      p99: delivery.p99,
      lmtpDeliverP50: summarise(deliverMs, 0, 1).p50,
    },
    sending: {
      sends,
      concurrency,
      withSentCopy: withSent,
      withoutSentCopy: withoutSent,
      storedOutgoing: sentCopies!.n,
    },
  };
  const met = (ok: boolean) => (ok ? 'met' : 'missed');
  const table = [
    '| measure | target | measured | |',
    '|---|---|---|---|',
    `| initial sync, ${messages} messages (connect → done = total, ready) | ≥ 1,000 messages/s | ${result.initialSync.messagesPerSecond} messages/s (${result.initialSync.seconds} s) | ${met(syncRate >= 1000)} |`,
    `| second sync with nothing new | — | ${result.resyncNothingNewMs} ms | |`,
    `| LMTP delivery → stored, ${deliveries} at ${rate}/s (IDLE), p50 / p95 / p99 ms | p95 < 5,000 | ${delivery.p50} / ${delivery.p95} / ${delivery.p99} (${missing} missing, ${onTimeline} on the timeline) | ${met(missing === 0 && delivery.p95 < 5000)} |`,
    `| sendEmail, ${sends} at ${concurrency} at once, with the Sent copy | ≥ 100 messages/s | ${withSent.perSecond} messages/s (p50 ${withSent.p50} ms) | ${met(withSent.perSecond >= 100)} |`,
    `| sendEmail without the Sent copy (IMAP refused) | — | ${withoutSent.perSecond} messages/s (p50 ${withoutSent.p50} ms) | |`,
  ].join('\n');
  process.stdout.write(`${table}\n`);
  const file = path.resolve(import.meta.dirname, 'results', `${result.at.replace(/[:.]/g, '-')}-email.json`);
  await fsp.writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  note(`results in ${path.relative(process.cwd(), file)}`);
} finally {
  await sync?.stop();
  await app.close();
  await owner.end();
  await handle.close();
  await database.stop();
  await smtp.close();
  await dovecot.stop();
  if (!args.data) await fsp.rm(dataDir, { recursive: true, force: true });
}
