// A parse thread's task for the parse pool's tests only: the real one, except that a message whose header carries
// `X-Test-Crash: exit`, `oom` or `hang` ends its thread, exhausts its heap or never finishes, as a message that
// trips a bug in a parser would.
import { parentPort } from 'node:worker_threads';
import parse, { type ParseTask } from './parse-worker.ts';

export default async function parseOrCrash(task: ParseTask) {
  const start = Buffer.from(
    task.source.buffer,
    task.source.byteOffset,
    Math.min(task.source.byteLength, 4096),
  ).toString('latin1');
  const crash = /X-Test-Crash: (\w+)/.exec(start)?.[1];
  // As the real task does first: the pool's time limit for this message starts now.
  if (crash) parentPort?.postMessage({ started: task.id });
  if (crash === 'exit') process.exit(3);
  if (crash === 'oom') {
    const hoard: unknown[] = [];
    for (;;) hoard.push(Array.from({ length: 1000 }, (_, i) => ({ i })));
  }
  if (crash === 'hang') for (;;);
  return parse(task);
}
