import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../errors/app-error.ts';
import type { ReadLimits } from './read-limits.ts';
import { type Encoding, type FileFormat, openRows } from './sources.ts';

// The worker thread that reads one uploaded file into rows (started by read-rows.ts). It asks the main thread for
// the file's chunks one at a time and hands rows back in batches, one batch per request, so neither side holds more
// than a batch; a file that needs more memory than the thread may use ends the thread, not the server.

export interface ParseRequest {
  format: FileFormat;
  encoding: Encoding | undefined;
  sizes: number[];
  limits: ReadLimits | undefined;
  /** Only count the rows (the header row included), handing none over. */
  countOnly: boolean;
}

/** Messages from the worker to the main thread. */
export type FromWorker =
  | { t: 'read'; seq: number }
  | { t: 'info'; info: { format: FileFormat; encoding: Encoding | null; delimiter: string | null } }
  | { t: 'rows'; rows: string[][]; done: boolean }
  | { t: 'count'; count: number }
  | { t: 'fail'; message: string; file: boolean };

/** Messages from the main thread to the worker. */
export type ToWorker = { t: 'chunk'; seq: number; data: Uint8Array } | { t: 'more' };

const BATCH_ROWS = 500;
const BATCH_CHARS = 1024 * 1024;

const port = parentPort!;
const request = workerData as ParseRequest;
const waiting = new Map<number, (data: Buffer) => void>();
let more: (() => void) | undefined;
port.on('message', (message: ToWorker) => {
  if (message.t === 'chunk') {
    const resolve = waiting.get(message.seq);
    waiting.delete(message.seq);
    resolve?.(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength));
  } else more?.();
});
const send = (message: FromWorker) => port.postMessage(message);
const asked = () =>
  new Promise<void>((resolve) => {
    more = resolve;
  });

const file = {
  sizes: request.sizes,
  read: (seq: number) =>
    new Promise<Buffer>((resolve) => {
      waiting.set(seq, resolve);
      send({ t: 'read', seq });
    }),
};

try {
  const { info, rows } = await openRows(file, request.format, {
    encoding: request.encoding,
    limits: request.limits,
  });
  send({ t: 'info', info });
  if (request.countOnly) {
    let count = 0;
    for await (const _ of rows) count += 1;
    send({ t: 'count', count });
  }
  const iterator = rows[Symbol.asyncIterator]();
  let done = request.countOnly;
  // The header row comes alone: an upload reads only it, and a bad row further on fails the import, not the upload.
  let most = 1;
  while (!done) {
    await asked();
    const batch: string[][] = [];
    let chars = 0;
    while (batch.length < most && chars < BATCH_CHARS) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        break;
      }
      batch.push(next.value);
      for (const cell of next.value) chars += cell.length;
    }
    send({ t: 'rows', rows: batch, done });
    most = BATCH_ROWS;
  }
} catch (error) {
  const file = error instanceof AppError;
  send({ t: 'fail', message: (error as Error).message, file });
}
// The main thread ends this thread once it has what it needs.
