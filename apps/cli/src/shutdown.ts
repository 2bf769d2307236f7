import type { Log } from '@rabita/server';
import closeWithGrace from 'close-with-grace';

/** Signals that ask Rabita to stop: Ctrl-C, `kill`, and the terminal closing. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * A repeat of the first signal within this time is the same request arriving twice (a Ctrl-C reaches
 * both `bin/rabita.js` and the server it started, and the wrapper passes it on), not a request to hurry.
 */
const REPEAT_MS = 2_000;

/**
 * Runs until SIGINT, SIGTERM or SIGHUP, then calls `stop` once and exits 0 (1 if `stop` failed or took
 * longer than `graceMs`). A different signal, or the same one again after two seconds, forces the exit.
 * An uncaught error also stops cleanly, then exits 1. The function returned asks for the same stop as a first
 * signal would (a web process asked by its first process; Rabita giving up after a failure, with the error).
 */
export function stopOnSignal(log: Log, stop: () => Promise<void>, graceMs = 30_000): (error?: Error) => void {
  let failure: Error | undefined;
  const closer = closeWithGrace(
    { delay: graceMs, logger: false, skip: [...STOP_SIGNALS] },
    async ({ err }) => {
      if (err) log.error({ err }, 'stopping after an unexpected error');
      await stop();
      log.info('stopped');
      // Exits 1: Rabita stopped because it could not go on.
      if (failure) throw failure;
    },
  );
  let first: { signal: string; at: number } | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!first) {
      first = { signal, at: Date.now() };
      log.info({ signal }, 'stopping');
      void closer.close();
      return;
    }
    // A web process asked to stop by its first process also gets the terminal's Ctrl-C meant for the whole group:
    // the same request.
    if ((signal === first.signal || first.signal === 'request') && Date.now() - first.at < REPEAT_MS) return;
    log.warn({ signal }, 'second signal: exiting without waiting for a clean stop');
    process.exit(1);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return (error) => {
    if (first) return;
    first = { signal: 'request', at: Date.now() };
    failure = error;
    if (error) log.error({ err: error }, 'stopping');
    else log.info('stopping');
    void closer.close();
  };
}
