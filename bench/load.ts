// HTTP load for the benchmarks: one request driven by autocannon for a fixed time, every response timed.
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { type Figures, summarise } from './stats.ts';

/** A request of a scenario: its path under the server, method (GET by default) and JSON body. */
export interface LoadRequest {
  path: string;
  method?: string;
  body?: string;
}

/** What `drive` hands its worker thread (`load-thread.ts`). */
export interface LoadJob {
  target: { base: string; cookie: string; seconds: number };
  request: LoadRequest;
  connections: number;
}

/**
 * Sends `request` to `base` with `connections` at once for `seconds`, signed in by `cookie`, and sums up the
 * response times; a status of 400 or above counts as an error, as do autocannon's errors and timeouts. The clients
 * run in a worker thread of their own (`load-thread.ts`): a bench that builds the app in its own process
 * (`service-speed.ts`) would otherwise time every response with the clients taking turns with the server on one
 * event loop, reading and timing 8 connections' responses between the server's own requests, which no deployment
 * does (the same reason `calls-pop.ts` drives its background from a thread).
 */
export function drive(
  target: { base: string; cookie: string; seconds: number },
  request: LoadRequest,
  connections: number,
): Promise<Figures> {
  const job: LoadJob = { target, request, connections };
  const worker = new Worker(new URL('./load-thread.ts', import.meta.url), { workerData: job });
  return new Promise<Figures>((resolve, reject) => {
    let answered = false;
    worker.once('message', (figures: Figures) => {
      answered = true;
      resolve(figures);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the load thread stopped (${code}) before its figures`));
    });
  });
}

/** `drive` in the calling thread (the load thread's own work). */
export async function driveHere(
  target: { base: string; cookie: string; seconds: number },
  request: LoadRequest,
  connections: number,
): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${target.base}${request.path}`,
        method: (request.method ?? 'GET') as 'GET',
        headers: { cookie: target.cookie, 'content-type': 'application/json' },
        ...(request.body ? { body: request.body } : {}),
        connections,
        duration: target.seconds,
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, status, _bytes, time) => {
      if (status >= 400) errors += 1;
      latencies.push(time);
    });
  });
  return summarise(latencies, errors + result.errors + result.timeouts, (performance.now() - started) / 1000);
}
