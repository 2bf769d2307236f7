import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors/app-error.ts';

export interface SignInThrottle {
  /** Throws `rate_limited` when this account or address has failed too often lately. */
  check(accountKey: string, ip: string): Promise<void>;
  /** Counts a failed attempt against both the account and the address. */
  fail(accountKey: string, ip: string): Promise<void>;
  /** Clears the account's failures after a successful sign-in. */
  succeed(accountKey: string): Promise<void>;
}

export interface ThrottleLimits {
  /** Failed attempts allowed per account in the window. */
  perAccount: number;
  /** Failed attempts allowed per client address in the window. */
  perIp: number;
  windowSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { perAccount: 10, perIp: 50, windowSeconds: 15 * 60 };

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
  const account = new RateLimiterPostgres({
    ...common,
    keyPrefix: 'signin-account',
    points: limits.perAccount,
    duration: limits.windowSeconds,
  });
  const address = new RateLimiterPostgres({
    ...common,
    keyPrefix: 'signin-ip',
    points: limits.perIp,
    duration: limits.windowSeconds,
  });

  const blocked = (res: RateLimiterRes | null, limit: number) =>
    res !== null && res.consumedPoints >= limit ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 0;

  return {
    async check(accountKey, ip) {
      const [a, i] = await Promise.all([account.get(accountKey), address.get(ip)]);
      const wait = Math.max(blocked(a, limits.perAccount), blocked(i, limits.perIp));
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
      // Rejections here only mean the limit is now reached; the next check reports it.
      await Promise.all([account.consume(accountKey, 1), address.consume(ip, 1)]).catch((error) => {
        if (!(error instanceof RateLimiterRes)) throw error;
      });
    },
    async succeed(accountKey) {
      await account.delete(accountKey);
    },
  };
}
