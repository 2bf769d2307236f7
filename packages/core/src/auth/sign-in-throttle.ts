import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors/app-error.ts';

/**
 * Failed sign-ins (passwords and second-factor codes alike) slow down further tries with delays that double, for
 * the account from one address, for the account from anywhere, and for one address on any account. There is no
 * lock that the right password cannot pass: once a delay has run out, the next try is heard, and a browser the
 * account signed in from before (a known device) is not held back by failures from elsewhere.
 */
export interface SignInThrottle {
  /**
   * Throws `rate_limited` while this account (from this address, or anywhere unless `knownDevice`) or this
   * address must wait.
   */
  check(accountKey: string, ip: string, options?: { knownDevice?: boolean }): Promise<void>;
  /** Counts a failed attempt against the account, the account from this address, and the address. */
  fail(accountKey: string, ip: string): Promise<void>;
  /** Clears the account's failures after a successful sign-in. */
  succeed(accountKey: string, ip: string): Promise<void>;
}

export interface ThrottleLimits {
  /** Failures of one account from one address before delays start. */
  freePerPair: number;
  /** Failures of one account from all addresses together before delays start (known devices pass). */
  freePerAccount: number;
  /** Failures from one address, on any accounts, before delays start. */
  freePerIp: number;
  /** The longest delay, in seconds; failures are forgotten a day after the last one. */
  maxDelaySeconds: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = {
  freePerPair: 5,
  freePerAccount: 20,
  freePerIp: 50,
  maxDelaySeconds: 15 * 60,
};

const FORGET_AFTER_SECONDS = 24 * 3600;

/** The delay after the `failures`-th failure: none while free, then 1 s, 2 s, 4 s … up to the cap. */
export function delayAfter(failures: number, free: number, maxSeconds: number): number {
  if (failures <= free) return 0;
  return Math.min(maxSeconds, 2 ** Math.min(30, failures - free - 1));
}

/** Sign-in limits kept in PostgreSQL (`rate_limits`), so every app process shares them. */
export function createSignInThrottle(
  pool: pg.Pool,
  limits: ThrottleLimits = DEFAULT_THROTTLE,
): SignInThrottle {
  const common = {
    storeClient: pool,
    storeType: 'pool',
    tableName: 'rate_limits',
    tableCreated: true,
    clearExpiredByTimeout: false,
  };
  // Per scope: a counter of failures (forgotten a day after the last), and a "wait until" set after each failure
  // past the free ones.
  const scope = (name: string, free: number) => ({
    free,
    failures: new RateLimiterPostgres({
      ...common,
      keyPrefix: `signin-${name}-failures`,
      points: Number.MAX_SAFE_INTEGER,
      duration: FORGET_AFTER_SECONDS,
    }),
    wait: new RateLimiterPostgres({ ...common, keyPrefix: `signin-${name}-wait`, points: 1, duration: 1 }),
  });
  const pair = scope('pair', limits.freePerPair);
  const account = scope('account', limits.freePerAccount);
  const address = scope('ip', limits.freePerIp);

  const waiting = async (s: ReturnType<typeof scope>, key: string) => {
    const res = await s.wait.get(key);
    return res !== null && res.consumedPoints > 1 && res.msBeforeNext > 0
      ? Math.max(1, Math.ceil(res.msBeforeNext / 1000))
      : 0;
  };
  const failed = async (s: ReturnType<typeof scope>, key: string) => {
    const res = await s.failures.penalty(key, 1);
    const delay = delayAfter(res.consumedPoints, s.free, limits.maxDelaySeconds);
    if (delay > 0) await s.wait.block(key, delay);
  };

  return {
    async check(accountKey, ip, options = {}) {
      const waits = await Promise.all([
        waiting(pair, `${accountKey}|${ip}`),
        options.knownDevice ? 0 : waiting(account, accountKey),
        waiting(address, ip),
      ]);
      const wait = Math.max(...waits);
      if (wait > 0) {
        throw new AppError(
          'rate_limited',
          `Too many failed sign-in attempts; try again in ${wait} seconds.`,
          {
            retryAfterSeconds: wait,
          },
        );
      }
    },
    async fail(accountKey, ip) {
      await Promise.all([
        failed(pair, `${accountKey}|${ip}`),
        failed(account, accountKey),
        failed(address, ip),
      ]).catch((error) => {
        if (!(error instanceof RateLimiterRes)) throw error;
      });
    },
    async succeed(accountKey, ip) {
      const key = `${accountKey}|${ip}`;
      await Promise.all([
        pair.failures.delete(key),
        pair.wait.delete(key),
        account.failures.delete(accountKey),
        account.wait.delete(accountKey),
      ]);
    },
  };
}
