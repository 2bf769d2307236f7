import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Tx } from '@rabita/db';
import { createChallenge, extractParams, verifySolution } from 'altcha-lib/v1';
import type pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { SecretBox } from '../auth/secret-box.ts';
import { AppError } from '../errors/app-error.ts';
import { insertSpentChallenge, selectFormKey, upsertFormKey } from './web-forms.repository.ts';

// Spam protection without any third-party service: an ALTCHA proof of work signed with the workspace's own key
// (kept sealed at rest), a signed time the form was handed out (a minimum fill time), a honeypot field, rate
// limits per address and per form kept in PostgreSQL, and a list of disposable e-mail domains. A rule that
// catches a submission names itself in `reasons`; the submission is kept, quarantined, for an admin to judge.

/** A proof-of-work challenge as handed to a page (ALTCHA v1: SHA-256 of salt + a secret number, signed). */
export type Challenge = Awaited<ReturnType<typeof createChallenge>>;
type Payload = Exclude<Parameters<typeof verifySolution>[0], string>;

/** Why a submission was held back (kept with it, shown to admins). */
export type SpamReason =
  | 'altcha_missing'
  | 'altcha_invalid'
  | 'altcha_replayed'
  | 'honeypot'
  | 'timestamp_missing'
  | 'timestamp_invalid'
  | 'too_fast'
  | 'disposable_email'
  | 'unknown_fields';

/** The hidden field a person never sees and a form-filling robot fills. */
export const HONEYPOT_FIELD = 'website_url';
/** How long a handed-out challenge and time stamp stay good. */
export const CHALLENGE_MINUTES = 30;
/** The proof of work's size: on average half of these SHA-256 hashes (a second or so in a browser). */
export const ALTCHA_MAX_NUMBER = 50_000;

/** The workspace's proof-of-work key (made and sealed on first use). */
export async function formKey(trx: Tx, workspaceId: string, box: SecretBox): Promise<string> {
  const sealed = await selectFormKey(trx, workspaceId);
  if (sealed) return box.open(sealed);
  await upsertFormKey(trx, workspaceId, box.seal(randomBytes(32).toString('hex')));
  const stored = await selectFormKey(trx, workspaceId);
  if (!stored) throw new Error('The web form key was not stored.');
  return box.open(stored);
}

/** A new challenge for one form, expiring after CHALLENGE_MINUTES, signed with the workspace's key. */
export async function issueChallenge(key: string, publicId: string): Promise<Challenge> {
  return createChallenge({
    hmacKey: key,
    maxNumber: ALTCHA_MAX_NUMBER,
    expires: new Date(Date.now() + CHALLENGE_MINUTES * 60_000),
    params: { form: publicId },
  });
}

function decodePayload(raw: string): Payload | undefined {
  if (raw.length > 2000) return undefined;
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const p = value as Record<string, unknown>;
    if (
      typeof p.algorithm !== 'string' ||
      !['SHA-1', 'SHA-256', 'SHA-512'].includes(p.algorithm) ||
      typeof p.challenge !== 'string' ||
      typeof p.salt !== 'string' ||
      typeof p.signature !== 'string' ||
      typeof p.number !== 'number' ||
      !Number.isSafeInteger(p.number)
    )
      return undefined;
    return value as Payload;
  } catch {
    return undefined;
  }
}

/**
 * Checks a solved challenge: signed with this workspace's key, for this form, not expired, solved — and not used
 * before (its signature is spent in the caller's transaction, so a refused write leaves it usable).
 */
export async function checkAltcha(
  trx: Tx,
  workspaceId: string,
  key: string,
  publicId: string,
  raw: string | undefined,
): Promise<SpamReason | undefined> {
  if (!raw) return 'altcha_missing';
  const payload = decodePayload(raw);
  if (payload?.algorithm !== 'SHA-256') return 'altcha_invalid';
  if (extractParams(payload).form !== publicId) return 'altcha_invalid';
  if (!(await verifySolution(payload, key, true))) return 'altcha_invalid';
  const expires = Number(extractParams(payload).expires);
  const fresh = await insertSpentChallenge(
    trx,
    workspaceId,
    payload.signature,
    new Date(Number.isFinite(expires) ? expires * 1000 : Date.now() + CHALLENGE_MINUTES * 60_000),
  );
  return fresh ? undefined : 'altcha_replayed';
}

function stampSignature(key: string, publicId: string, ms: number): string {
  return createHmac('sha256', key).update(`issued:${publicId}:${ms}`).digest('base64url');
}

/** The signed moment a form was handed out (`<ms>.<hmac>`), sent back with the submission. */
export function issueStamp(key: string, publicId: string, now = Date.now()): string {
  return `${now}.${stampSignature(key, publicId, now)}`;
}

/** Checks the signed hand-out time: present, ours, not older than a day, and at least `minSeconds` ago. */
export function checkStamp(
  key: string,
  publicId: string,
  stamp: string | undefined,
  minSeconds: number,
  now = Date.now(),
): SpamReason | undefined {
  if (!stamp) return 'timestamp_missing';
  const match = /^(\d{13})\.([A-Za-z0-9_-]{43})$/.exec(stamp);
  if (!match) return 'timestamp_invalid';
  const ms = Number(match[1]);
  const given = Buffer.from(match[2] ?? '');
  const expected = Buffer.from(stampSignature(key, publicId, ms));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'timestamp_invalid';
  if (ms > now + 60_000 || now - ms > 24 * 3600_000) return 'timestamp_invalid';
  return now - ms < minSeconds * 1000 ? 'too_fast' : undefined;
}

let disposable: Set<string> | undefined;

/** Whether the e-mail address's domain (or a domain above it) is a known disposable-mail domain. */
export function disposableEmail(email: string): boolean {
  if (!disposable) {
    const file = createRequire(import.meta.url).resolve('disposable-email-domains');
    disposable = new Set(JSON.parse(readFileSync(file, 'utf8')) as string[]);
  }
  const at = email.lastIndexOf('@');
  if (at < 0) return false;
  const labels = email
    .slice(at + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, '')
    .split('.');
  for (let i = 0; i < labels.length - 1; i++) if (disposable.has(labels.slice(i).join('.'))) return true;
  return false;
}

/** Submissions per minute from one address, whatever the form. */
export const PER_IP_PER_MINUTE = 10;

/** Rate limits for public submissions, per address and per form, shared by every app process. */
export interface SubmissionLimits {
  /** Throws `rate_limited` (with the seconds to wait) when the address or the form is over its limit. */
  take(ip: string, formId: string, formPerMinute: number): Promise<void>;
}

export function createSubmissionLimits(pool: pg.Pool): SubmissionLimits {
  const common = {
    storeClient: pool,
    storeType: 'pool',
    tableName: 'rate_limits',
    tableCreated: true,
    clearExpiredByTimeout: false,
    points: 1_000_000_000,
    duration: 60,
  };
  const byIp = new RateLimiterPostgres({ ...common, keyPrefix: 'webform-ip' });
  const byForm = new RateLimiterPostgres({ ...common, keyPrefix: 'webform-form' });
  return {
    async take(ip, formId, formPerMinute) {
      for (const [limiter, key, limit, what] of [
        [byIp, ip, PER_IP_PER_MINUTE, 'this address'],
        [byForm, formId, formPerMinute, 'this form'],
      ] as const) {
        const res = await limiter.consume(key, 1);
        if (res.consumedPoints > limit) {
          const wait = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
          throw new AppError('rate_limited', `Too many submissions from ${what}; try again in ${wait} s.`, {
            retryAfterSeconds: wait,
          });
        }
      }
    },
  };
}
