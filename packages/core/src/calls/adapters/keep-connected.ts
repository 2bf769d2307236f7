import type { CallEventInput } from '../call-fold.ts';

// What the AMI and ARI clients share: connecting again with backoff until stopped, and handing call events on in the
// order they arrived. Each client keeps its own protocol: what a connection is, and when it has succeeded.

export type AdapterLog = (
  level: 'info' | 'warn' | 'error',
  message: string,
  detail?: Record<string, unknown>,
) => void;

/** Backoff bounds in ms: the first wait, doubled after each failure since the last success, up to the longest. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 60_000 };

/**
 * Keeps a connection going: resolves `target` (the guard's checked address or URL) and calls `open` with it; when
 * the target is refused or the connection ends (`retry`), waits and tries again — the initial wait, doubled per
 * failure since the last `succeeded`, up to the longest — until `stop`.
 */
export function keepConnected<T>(options: {
  /** For the log: `AMI`, `ARI`. */
  name: string;
  target: () => Promise<T>;
  open: (target: T) => void;
  backoff?: Backoff | undefined;
  log: AdapterLog;
}): { succeeded(): void; retry(): void; stop(): void } {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  let failures = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const retry = () => {
    if (stopped) return;
    failures += 1;
    timer = setTimeout(
      () => void connect(),
      Math.min(backoff.maxMs, backoff.initialMs * 2 ** (failures - 1)),
    );
    timer.unref();
  };

  const connect = async () => {
    if (stopped) return;
    let target: T;
    try {
      target = await options.target();
    } catch (error) {
      options.log('warn', `${options.name} host refused`, { error: (error as Error).message });
      return retry();
    }
    if (stopped) return;
    options.open(target);
  };

  void connect();
  return {
    succeeded: () => {
      failures = 0;
    },
    retry,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * Hands call events on one batch after the other, so a call's events reach the fold in the order the phone system
 * sent them; a batch that is not kept is logged and the next still goes. `idle` waits for those under way.
 */
export function orderedHandOff(onEvents: (events: CallEventInput[]) => Promise<void>, log: AdapterLog) {
  let queue: Promise<void> = Promise.resolve();
  return {
    push(events: CallEventInput[]): void {
      if (events.length === 0) return;
      queue = queue
        .then(() => onEvents(events))
        .catch((error: unknown) => log('warn', 'call events not kept', { error: (error as Error).message }));
    },
    idle: (): Promise<void> => queue,
  };
}
