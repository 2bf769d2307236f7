import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type * as PiscinaModule from 'piscina';
import { lazyPackage } from '../lazy-package.ts';
import {
  type ParsedMessage,
  parseHeadersOnly,
  parseMessage,
  type SourceHead,
  sourceHead,
} from './message-parse.ts';
import { type ParseReply, type ParseTask, transferable } from './parse-worker.ts';

const piscina = lazyPackage<typeof PiscinaModule>('piscina');

/**
 * A parse thread's heap (V8's old generation), in MiB. A message within the sync's 40 MB limit needs at most about
 * 550 MiB to parse (measured: 39 MB of HTML, sanitised and turned into text); typical mail needs a few MiB. A
 * message that needs more ends its thread, not the process, and is read headers-only.
 */
export const PARSE_THREAD_HEAP_MB = 1024;
/**
 * A thread with nothing to parse for this long exits; the next batch starts one again. Starting one costs about a
 * second of CPU (a fresh V8 isolate loading and compiling the parser), so a mailbox receiving a message every few
 * minutes should not pay it for each.
 */
const IDLE_MS = 5 * 60_000;
/**
 * A message whose parse takes longer than this, counted from when a thread starts on it (a hostile one; the largest
 * real ones take ~20 s), is read headers-only.
 */
const TIMEOUT_MS = 120_000;
/**
 * Messages handed to piscina per thread at once. One: piscina (with `minThreads: 0`) starts no new thread for tasks
 * already queued when every thread has died (found with two threads running out of memory at once: the rest of the
 * batch waited forever); a task handed over only when a place is free always has a thread or starts one.
 */
const PER_THREAD = 1;
const WORKER = new URL('./parse-worker.ts', import.meta.url);
/**
 * Parsed when the pool starts, to learn that threads can run here at all and to load the whole parser (mailparser,
 * the sanitiser, HTML to text) in the first thread before mail comes.
 */
const PROBE = [
  'From: probe@rabita.invalid',
  'Subject: probe',
  'Message-ID: <probe@rabita.invalid>',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>probe</p>',
].join('\r\n');

/**
 * Parse threads by default: on four cores or more, every core but one (the sync's own thread stores what they
 * parse); below that none — on two cores PostgreSQL and the sync already share them, and a thread measured no gain
 * (docs/PERFORMANCE.md, "Email").
 */
export function defaultParseThreads(): number {
  const cores = availableParallelism();
  return cores >= 4 ? cores - 1 : 0;
}

export interface ParseLimits {
  maxBytes: number;
  maxAttachmentBytes: number;
}

/** A message as parsed, and why it was read headers-only when its parse thread failed on it. */
export interface ParseOutcome {
  message: ParsedMessage;
  /** Set when the parse thread crashed, ran out of memory or took too long: the message was read headers-only. */
  failure?: string | undefined;
}

/** Parses batches of raw messages (`parseMessage` for each), in worker threads or in this one. */
export interface MessageParser {
  /** Threads the pool may run (0: messages are parsed in the caller's thread). */
  readonly threads: number;
  /**
   * Parses every source, the outcomes in the sources' order. A source handed to a thread is transferred: the
   * caller's Buffer is empty afterwards, so read what is needed of it (its length) first.
   */
  parseAll(sources: Buffer[], limits: ParseLimits): Promise<ParseOutcome[]>;
  /** Ends the threads; a parse still running fails (its batch is fetched again), none is read headers-only. */
  close(): Promise<void>;
}

export interface ParsePoolOptions {
  /** Threads at most (RABITA_MAIL_PARSE_THREADS); 0 parses in the caller's thread; default `defaultParseThreads()`. */
  threads?: number | undefined;
  /** Each thread's heap in MiB (tests lower it). */
  heapMb?: number | undefined;
  idleMs?: number | undefined;
  timeoutMs?: number | undefined;
  /** Told when the threads cannot start and messages are parsed in this thread instead. */
  log?: ((message: string, detail?: Record<string, unknown>) => void) | undefined;
  /** The thread's task file (tests use one that crashes on purpose). */
  worker?: URL | undefined;
}

/** Parses each message in the caller's thread, one after another, as the sync did before parse threads. */
export function inThreadParser(): MessageParser {
  return {
    threads: 0,
    async parseAll(sources, limits) {
      const out: ParseOutcome[] = [];
      for (const source of sources) out.push({ message: await parseMessage(source, limits) });
      return out;
    },
    async close() {},
  };
}

/**
 * Parses messages in worker threads (piscina): at most `threads`, each with a bounded heap, started when mail
 * comes and ended when idle. Sources are transferred to the threads, attachments transferred back. A message
 * whose thread crashes, runs out of memory or takes too long is read headers-only from a copy of its header
 * block kept here (`failure` says why), so one hostile message never costs the rest of its batch. When no thread
 * can start at all (the first parse of a tiny message fails), every message is parsed in the caller's thread.
 */
export function startParsePool(options: ParsePoolOptions = {}): MessageParser {
  const threads = options.threads ?? defaultParseThreads();
  if (threads <= 0) return inThreadParser();
  const heapMb = options.heapMb ?? PARSE_THREAD_HEAP_MB;
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  const inThread = inThreadParser();
  let pool: PiscinaModule.Piscina<ParseTask, ParseReply> | undefined;
  let started: Promise<boolean>;
  let closed = false;

  // Sources handed to piscina at once; the rest wait here, in order (their memory stays with the batch until then).
  const limit = threads * PER_THREAD;
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = (): Promise<void> => {
    if (running < limit) {
      running += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => waiting.push(resolve));
  };
  // A finished task hands its place to the next waiting one, if any.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };

  // A task's time limit starts when its thread says it took it (the `started` message), not while it waits.
  let nextId = 0;
  const timers = new Map<number, () => void>();
  const onStarted = (message: unknown) => {
    const id = (message as { started?: unknown } | null)?.started;
    if (typeof id === 'number') timers.get(id)?.();
  };
  const run = (source: Buffer, parseLimits: ParseLimits, limitMs = timeoutMs) => {
    const own = transferable(source, new Set());
    const id = nextId++;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    timers.set(id, () => {
      timer ??= setTimeout(() => abort.abort(timeoutError()), limitMs).unref();
    });
    const reply = pool!
      .run(
        { id, source: own, limits: parseLimits },
        { transferList: [own.buffer as ArrayBuffer], signal: abort.signal },
      )
      .finally(() => {
        timers.delete(id);
        clearTimeout(timer);
      });
    return { own, reply };
  };

  const start = async (): Promise<boolean> => {
    try {
      const { Piscina } = piscina();
      pool = new Piscina<ParseTask, ParseReply>({
        filename: fileURLToPath(options.worker ?? WORKER),
        minThreads: 0,
        maxThreads: threads,
        idleTimeout: options.idleMs ?? IDLE_MS,
        resourceLimits: { maxOldGenerationSizeMb: heapMb },
      });
      // A thread that fails while starting says so here (its task is still queued, and would wait forever); one that
      // dies between tasks is replaced when needed, so nothing else waits on this.
      const failedStart = new Promise<never>((_, reject) => pool!.once('error', reject));
      failedStart.catch(() => {});
      pool.on('error', () => {});
      pool.on('message', onStarted);
      const probe = await Promise.race([
        // Its first parse loads the parser, which takes seconds on a busy machine: it gets the default limit at least.
        run(Buffer.from(PROBE), { maxBytes: 1024, maxAttachmentBytes: 1024 }, Math.max(timeoutMs, TIMEOUT_MS))
          .reply,
        failedStart,
      ]);
      if (probe.messageId !== 'probe@rabita.invalid') throw new Error('The parse thread answered wrongly.');
      return true;
    } catch (error) {
      if (!closed)
        options.log?.('mail parse threads could not start; parsing in the sync thread', {
          error: (error as Error).message,
        });
      await pool?.destroy().catch(() => {});
      pool = undefined;
      return false;
    }
  };

  const parseOne = async (source: Buffer, kept: SourceHead, limits: ParseLimits): Promise<ParseOutcome> => {
    await slot();
    let handed: Uint8Array | undefined;
    try {
      if (closed) throw new Error('The mail parse threads were closed.');
      const task = run(source, limits);
      handed = task.own;
      return { message: fromReply(await task.reply) };
    } catch (error) {
      if (closed) throw error;
      // A source still here never reached a thread (no thread could start for it): it is parsed here, whole.
      if (handed !== undefined && handed.byteLength > 0 && handed.byteLength === kept.size)
        return { message: await parseMessage(Buffer.from(handed), limits) };
      return { message: await parseHeadersOnly(kept, limits), failure: describe(error, timeoutMs) };
    } finally {
      release();
    }
  };

  // The first thread starts now, loading the parser while the sync connects and lists its folders; it exits when
  // idle like any other.
  started = start();
  return {
    threads,
    async parseAll(sources, limits) {
      if (closed) throw new Error('The mail parse threads were closed.');
      if (!(await started)) return inThread.parseAll(sources, limits);
      // The header blocks are copied before any source leaves, so a failed parse can still read its message.
      const kept = sources.map((source) => sourceHead(source));
      return Promise.all(sources.map((source, i) => parseOne(source, kept[i]!, limits)));
    },
    async close() {
      closed = true;
      for (const wake of waiting.splice(0)) wake();
      await pool?.destroy();
    },
  };
}

/** The reason a task is aborted with when it overran its time limit. */
const timeoutError = () => Object.assign(new Error('The parse took too long.'), { name: 'TimeoutError' });

/** A ParsedMessage back from a thread: attachment bytes (plain Uint8Arrays after the crossing) become Buffers again. */
function fromReply(reply: ParseReply): ParsedMessage {
  return {
    ...reply,
    attachments: reply.attachments.map((a) => ({
      ...a,
      content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength),
    })),
  };
}

/** Why a thread gave no message, in the words the skip log uses. */
function describe(error: unknown, timeoutMs: number): string {
  const e = error as { code?: string; name?: string; message?: string };
  if (e.code === 'ERR_WORKER_OUT_OF_MEMORY')
    return 'Read headers-only: parsing needed more memory than a parse thread may use.';
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'ABORT_ERR')
    return `Read headers-only: parsing took longer than ${Math.round(timeoutMs / 1000)} s.`;
  return `Read headers-only: the parse thread stopped (${String(e.message ?? error).slice(0, 200)}).`;
}
