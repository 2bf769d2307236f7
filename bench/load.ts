// HTTP load for the benchmarks: one request driven by autocannon for a fixed time, every response timed.
import autocannon from 'autocannon';
import { type Figures, summarise } from './stats.ts';

/** A request of a scenario: its path under the server, method (GET by default) and JSON body. */
export interface LoadRequest {
  path: string;
  method?: string;
  body?: string;
}

/**
 * Sends `request` to `base` with `connections` at once for `seconds`, signed in by `cookie`, and sums up the
 * response times; a status of 400 or above counts as an error, as do autocannon's errors and timeouts.
 */
export async function drive(
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
