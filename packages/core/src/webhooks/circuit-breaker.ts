// One circuit breaker per webhook target. After `threshold` consecutive attempts the receiver did not answer
// (a timeout, a refused or reset connection), the target is held for a pause that doubles each time it opens
// again, up to `maxPauseMs`. When the pause ends the next attempt is a trial: an answer closes the breaker, another
// failure holds the target again at once for a longer pause. Held deliveries stay pending, their due time moved
// to the pause's end: they are retried later, never lost.

export interface BreakerOptions {
  threshold: number;
  firstPauseMs: number;
  maxPauseMs: number;
}

export const BREAKER_DEFAULTS: BreakerOptions = { threshold: 3, firstPauseMs: 30_000, maxPauseMs: 600_000 };

interface TargetState {
  /** Consecutive attempts without an answer. */
  failures: number;
  /** How many times the breaker opened since the target last answered (the pause doubles each time). */
  opened: number;
  /** Held until this time (ms since the epoch); 0 when closed. */
  until: number;
}

export class CircuitBreakers {
  readonly #targets = new Map<string, TargetState>();
  readonly #options: BreakerOptions;

  constructor(options: Partial<BreakerOptions> = {}) {
    this.#options = { ...BREAKER_DEFAULTS, ...options };
  }

  /** The time the target is held until, or null when it may be tried now. */
  heldUntil(target: string, now = Date.now()): Date | null {
    const state = this.#targets.get(target);
    return state && state.until > now ? new Date(state.until) : null;
  }

  /** The receiver answered (whatever its status): the target's streak ends. */
  succeeded(target: string): void {
    this.#targets.delete(target);
  }

  /** The receiver did not answer; returns the time the target is now held until, if the breaker opened. */
  failed(target: string, now = Date.now()): Date | null {
    const state = this.#targets.get(target) ?? { failures: 0, opened: 0, until: 0 };
    state.failures += 1;
    this.#targets.set(target, state);
    if (state.failures < this.#options.threshold) return null;
    const pause = Math.min(this.#options.firstPauseMs * 2 ** state.opened, this.#options.maxPauseMs);
    state.opened += 1;
    state.until = now + pause;
    return new Date(state.until);
  }
}
