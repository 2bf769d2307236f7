// The mixed load (80% reads, 20% writes), shared by `run.ts` (its `mixed` scenario) and `calls-pop.ts` (the load the
// screen pop is measured under): connections each going round the same five requests — list, record, search,
// record, create — so the mix is exactly 80% reads and 20% writes whatever each one costs.
import autocannon from 'autocannon';
import type { LoadRequest } from './load.ts';
import { LIST_OPTIONS } from './queries.ts';
import { type Figures, summarise } from './stats.ts';

/** The person the mixed load creates, over and over. */
export const NEW_PERSON = JSON.stringify({ firstName: 'سارا', lastName: 'Bench', jobTitle: 'Tester' });

/**
 * One round of the mix: the list scenario's first page (people by lifecycle stage and loyalty tier, so the workspace
 * needs the custom field `loyaltyTier`), the person `personId` twice, a search for a Persian name, a new person.
 */
export function mixedCycle(personId: string): LoadRequest[] {
  return [
    { path: '/api/v1/objects/people/query', method: 'POST', body: JSON.stringify(LIST_OPTIONS) },
    { path: `/api/v1/objects/people/${personId}`, method: 'GET' },
    { path: `/api/v1/search?q=${encodeURIComponent('علی')}`, method: 'GET' },
    { path: `/api/v1/objects/people/${personId}`, method: 'GET' },
    { path: '/api/v1/objects/people', method: 'POST', body: NEW_PERSON },
  ];
}

/** The mixed load's figures (throughput counts every answer; a 201 is a write, anything else a read). */
export interface MixedFigures extends Figures {
  reads: number;
  writes: number;
}

/**
 * Drives `cycle` against `base` as `cookie` with `connections` at once, for `seconds` or until `signal` aborts
 * (whichever comes first), every response timed; errors are autocannon's and answers of 300 or more. With `rate`,
 * the connections together send at most that many requests a second (a steady load beside a measurement); without
 * it, as fast as the app answers (the load takes whatever the app has to spare).
 */
export async function driveMixed(
  target: { base: string; cookie: string },
  options: {
    cycle: LoadRequest[];
    connections: number;
    rate?: number;
    seconds?: number;
    signal?: AbortSignal;
  },
): Promise<MixedFigures> {
  let reads = 0;
  let writes = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const finished = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.base,
        headers: { cookie: target.cookie, 'content-type': 'application/json' },
        requests: options.cycle.map((r) => ({ ...r, method: (r.method ?? 'GET') as 'GET' })),
        connections: options.connections,
        ...(options.rate ? { overallRate: options.rate } : {}),
        // Until aborted: a day is longer than any run.
        duration: options.seconds ?? 86_400,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    if (options.signal?.aborted) instance.stop();
    else options.signal?.addEventListener('abort', () => instance.stop(), { once: true });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (statusCode === 201) writes += 1;
      else reads += 1;
    });
  });
  const elapsed = (performance.now() - started) / 1000;
  const seconds = options.signal?.aborted ? elapsed : (options.seconds ?? elapsed);
  return {
    ...summarise(latencies, finished.errors + finished.non2xx, seconds),
    throughput: Math.round((reads + writes) / seconds),
    reads,
    writes,
  };
}
