// The background of `calls-pop.ts`, in a worker thread so that its HTTP clients do not take turns with the app on the
// app's event loop: call events at a steady rate on the other agents' extensions (calls-kit.ts) and the mixed load
// (mixed-load.ts), until the main thread posts `stop`; then it posts back their figures.
import { parentPort, workerData } from 'node:worker_threads';
import { type CallTraffic, callEventPoster, driveCallEvents, national } from './calls-kit.ts';
import { driveMixed, type MixedFigures, mixedCycle } from './mixed-load.ts';

/** What the main thread tells the worker. */
export interface PopLoadOptions {
  base: string;
  apiKey: string;
  cookie: string;
  /** New calls a second. */
  rate: number;
  /** Extensions 201… that the calls ring, one after another. */
  agents: number;
  /** The background calls come from people 1 to this. */
  callers: number;
  /** The mixed load's connections; 0 runs none. */
  connections: number;
  /** The mixed load's requests a second, all connections together; 0: as fast as they are answered. */
  mixedRate: number;
  /** The person the mixed load reads. */
  personId: string;
}

/** What the worker answers once stopped. */
export interface PopLoadFigures {
  events: CallTraffic;
  mixed: MixedFigures | null;
}

const options = workerData as PopLoadOptions;
const stopped = new AbortController();
parentPort?.once('message', () => stopped.abort());
const [events, mixed] = await Promise.all([
  driveCallEvents({
    post: callEventPoster(options.base, options.apiKey),
    rate: options.rate,
    from: (n) => `9${national(1 + ((n * 104729) % options.callers))}`,
    extension: (n) => String(201 + (n % options.agents)),
    signal: stopped.signal,
  }),
  options.connections > 0
    ? driveMixed(
        { base: options.base, cookie: options.cookie },
        {
          cycle: mixedCycle(options.personId),
          connections: options.connections,
          rate: options.mixedRate,
          signal: stopped.signal,
        },
      )
    : Promise.resolve(null),
]);
parentPort?.postMessage({ events, mixed } satisfies PopLoadFigures);
