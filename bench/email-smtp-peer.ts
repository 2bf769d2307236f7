// The SMTP peer of `email-speed.ts`, in a worker thread: it accepts every message, as a provider's server would, on a
// thread of its own, so that receiving them does not take turns with the sends on the app's event loop (a real
// deployment's SMTP server is another machine). Posts its URL once listening; answers `count` with the messages
// received so far; `close` stops it and ends the thread.
import { parentPort } from 'node:worker_threads';
import { startSmtpReceiver } from '../packages/core/src/workflows/smtp-receiver.ts';

/** What the worker posts: its address once listening, then each count asked for. */
export type PeerMessage = { url: string } | { received: number };

let received = 0;
const smtp = await startSmtpReceiver(() => {
  received++;
});
parentPort?.on('message', async (message: 'count' | 'close') => {
  if (message === 'count') parentPort?.postMessage({ received } satisfies PeerMessage);
  else {
    await smtp.close();
    parentPort?.close();
  }
});
parentPort?.postMessage({ url: smtp.url } satisfies PeerMessage);
