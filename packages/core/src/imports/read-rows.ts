import { Worker } from 'node:worker_threads';
import { AppError } from '../errors/app-error.ts';
import type { FromWorker, ParseRequest, ToWorker } from './parse-worker.ts';
import { PARSE_HEAP_MB, type ReadLimits } from './read-limits.ts';
import type { Encoding, FileFormat, SourceInfo } from './sources.ts';
import type { StoredFile } from './stored-file.ts';

const WORKER = new URL('./parse-worker.ts', import.meta.url);

const fileError = (message: string) =>
  new AppError('validation_failed', message, { errors: [{ field: 'file', message }] });

/**
 * Reads an uploaded file into rows in a worker thread with a heap of its own (PARSE_HEAP_MB): parsing a file —
 * inflating a workbook, splitting a 100,000-column line — never blocks the server's event loop, and a file that
 * needs more memory than that fails its import with a sentence while every other request goes on. The main thread
 * only serves the file's chunks and takes rows in batches. Breaking out of `rows` ends the thread.
 */
export async function readRows(
  file: StoredFile,
  format: FileFormat,
  options: ReadOptions = {},
): Promise<{ info: SourceInfo; rows: AsyncIterable<string[]> }> {
  const { worker, info, next } = await startReader(file, format, options, false);
  async function* rows(): AsyncIterable<string[]> {
    try {
      while (true) {
        worker.postMessage({ t: 'more' } satisfies ToWorker);
        const reply = await next();
        if (reply.t !== 'rows') throw new Error('The file reader answered out of turn.');
        yield* reply.rows;
        if (reply.done) return;
      }
    } finally {
      await worker.terminate();
    }
  }
  return { info, rows: rows() };
}

/** Counts a file's rows (the header row included) in a worker thread, as `readRows` reads them, handing none over. */
export async function countRows(
  file: StoredFile,
  format: FileFormat,
  options: ReadOptions = {},
): Promise<number> {
  const { worker, next } = await startReader(file, format, options, true);
  try {
    const reply = await next();
    if (reply.t !== 'count') throw new Error('The file reader answered out of turn.');
    return reply.count;
  } finally {
    await worker.terminate();
  }
}

export interface ReadOptions {
  encoding?: Encoding | undefined;
  limits?: ReadLimits | undefined;
  /** The thread's heap in MiB (tests lower it). */
  heapMb?: number | undefined;
}

/** Starts a reader thread and waits for what the file turned out to be. */
async function startReader(file: StoredFile, format: FileFormat, options: ReadOptions, countOnly: boolean) {
  const heapMb = options.heapMb ?? PARSE_HEAP_MB;
  const request: ParseRequest = {
    format,
    encoding: options.encoding,
    sizes: [...file.sizes],
    limits: options.limits,
    countOnly,
  };
  const worker = new Worker(WORKER, {
    workerData: request,
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.min(16, heapMb) },
    stdout: false,
    stderr: false,
  });
  // Replies (info, rows, failures) in order of arrival; a failure of the thread itself ends the queue.
  const replies: FromWorker[] = [];
  let wake: (() => void) | undefined;
  let broken: Error | undefined;
  const push = (reply: FromWorker) => {
    replies.push(reply);
    wake?.();
  };
  worker.on('message', (message: FromWorker) => {
    if (message.t !== 'read') return push(message);
    file.read(message.seq).then(
      (data) => worker.postMessage({ t: 'chunk', seq: message.seq, data } satisfies ToWorker),
      (error: Error) => {
        broken ??= error;
        wake?.();
        void worker.terminate();
      },
    );
  });
  worker.on('error', (error: Error & { code?: string }) => {
    broken ??=
      error.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? fileError(
            `Reading the file needs more than the ${heapMb} MiB of memory an import may use; split it into smaller files, or save it as CSV.`,
          )
        : fileError(`The file cannot be read: ${error.message}`);
    wake?.();
  });
  worker.on('exit', () => {
    broken ??= fileError('The file could not be read to its end.');
    wake?.();
  });
  const next = async (): Promise<FromWorker> => {
    while (replies.length === 0) {
      if (broken) throw broken;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
    const reply = replies.shift()!;
    if (reply.t === 'fail')
      throw fileError(reply.file ? reply.message : `The file cannot be read: ${reply.message}`);
    return reply;
  };

  let first: FromWorker;
  try {
    first = await next();
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  if (first.t !== 'info') {
    await worker.terminate();
    throw new Error('The file reader answered out of turn.');
  }
  return { worker, info: first.info, next };
}
