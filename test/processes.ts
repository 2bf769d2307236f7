// What the tests that start real processes share: a free loopback port, and a child's output and exit watched.
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A port nobody listens on at 127.0.0.1 at this moment. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A started process: its output so far (stdout and stderr together) and its exit code. */
export interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Watches `child`, keeping it in `running` until it exits (for a clean-up that stops what is left). */
export function watchChild(child: ChildProcess, running: Set<ChildProcess>): Run {
  running.add(child);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return { child, output: () => out, exited };
}
