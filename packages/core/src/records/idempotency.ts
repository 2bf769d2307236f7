import { createHash } from 'node:crypto';
import { withWorkspace } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { createRecordIn } from './create-record.ts';
import { claimKey, selectAnswer, storeAnswer } from './idempotency.repository.ts';

/** How long a key's answer is kept and replayed. */
export const IDEMPOTENCY_HOURS = 24;
/** What a key may be: 1–255 visible ASCII characters (a UUID is the usual choice). */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** An answer to a create sent with a key: the first one, replayed when the same request comes again. */
export interface IdempotentAnswer {
  status: number;
  body: Record<string, unknown>;
  /** True when this is the stored answer of an earlier request, not a new write. */
  replayed: boolean;
}

/** JSON with object keys in order, so two bodies that differ only in key order are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** Whose key it is: keys are per caller, so one API key never sees another's answers. */
function callerOf(principal: Principal): string {
  if (principal.apiKeyId) return `key:${principal.apiKeyId}`;
  if (principal.userId) return `user:${principal.userId}`;
  throw new AppError('forbidden', 'An Idempotency-Key needs a signed-in person or an API key.');
}

/**
 * Creates a record once per `Idempotency-Key`: the key is claimed in the creating transaction (a concurrent
 * request with the same key waits for it, then replays its answer), and the answer is stored with it, so a key is
 * spent exactly when its record exists. The same key again within 24 hours replays the first answer; with another
 * request (a different object or body) it is a 409. A refused create stores nothing: the key stays unused.
 */
export async function createRecordOnce(
  ctx: ServiceContext,
  objectKey: string,
  input: unknown,
  key: string,
): Promise<IdempotentAnswer> {
  if (!IDEMPOTENCY_KEY.test(key))
    throw new AppError(
      'validation_failed',
      'The Idempotency-Key must be 1 to 255 visible ASCII characters.',
      {
        errors: [
          { field: 'idempotency-key', message: 'Use 1 to 255 visible ASCII characters, such as a UUID.' },
        ],
      },
    );
  const { principal } = ctx;
  const caller = callerOf(principal);
  const fingerprint = createHash('sha256')
    .update(`POST /objects/${objectKey}\n${canonicalJson(input)}`)
    .digest('hex');
  return withWorkspace(ctx.db, principal.workspaceId, async (trx) => {
    const ws = principal.workspaceId;
    if (!(await claimKey(trx, ws, caller, key, fingerprint))) {
      const stored = await selectAnswer(trx, ws, caller, key);
      if (stored?.fingerprint !== fingerprint)
        throw new AppError(
          'conflict',
          'This Idempotency-Key was used for a different request in the last 24 hours: send a new key with a new request.',
        );
      if (stored.status === null || stored.body === null)
        throw new Error('An idempotency key was committed without its answer.');
      return {
        status: stored.status,
        body: JSON.parse(stored.body) as Record<string, unknown>,
        replayed: true,
      };
    }
    const body = (await createRecordIn(trx, principal, objectKey, input)) as Record<string, unknown>;
    await storeAnswer(trx, ws, caller, key, { status: 201, body: JSON.stringify(body) });
    return { status: 201, body, replayed: false };
  });
}
