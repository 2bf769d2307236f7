// What the HTTP benchmarks share: a free loopback port for the app they build in-process, and a signed-in client of
// its API (sign-in, JSON calls that throw on an error answer, records made by the batch API).
import net from 'node:net';

/** A port nothing listens on at 127.0.0.1, for the app a benchmark starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The API at `base` (`http://127.0.0.1:<port>`), for accounts made with `password`. */
export function apiClient(base: string, password: string) {
  /** The session cookie of a sign-in. */
  async function signIn(email: string): Promise<string> {
    const res = await fetch(`${base}/api/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
    return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }

  /** A JSON call as the cookie's user; an answer of 300 or more throws with its body. */
  async function call<T>(cookie: string, method: string, url: string, body?: unknown): Promise<T> {
    const res = await fetch(`${base}/api/v1${url}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** `count` records of `object` made by the batch API, 1,000 a request, `record(i)` the i-th; their ids. */
  async function createInBatches(
    cookie: string,
    object: string,
    count: number,
    record: (i: number) => Record<string, unknown>,
  ): Promise<string[]> {
    const ids: string[] = [];
    for (let done = 0; done < count; done += 1000) {
      const n = Math.min(1000, count - done);
      const res = await call<{ data: { id?: string; error?: { message: string } }[] }>(
        cookie,
        'POST',
        `/objects/${object}/batch`,
        { records: Array.from({ length: n }, (_, k) => record(done + k)) },
      );
      for (const row of res.data) {
        if (!row.id) throw new Error(`a record of ${object} was refused: ${row.error?.message}`);
        ids.push(row.id);
      }
    }
    return ids;
  }

  return { signIn, call, createInBatches };
}
