import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Database, withWorkspace } from '@rabita/db';
import type { SecretBox } from '../auth/secret-box.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid, newId } from '../ids.ts';
import { queueStep } from './runs.ts';
import {
  insertRun,
  selectHookSecret,
  selectRunByKey,
  selectVersion,
  selectWorkflow,
  setHookSecret,
} from './workflows.repository.ts';

// Inbound webhooks: a workflow whose trigger is `webhook` is started by a POST signed with its own secret.
// The signature is HMAC-SHA256 over `<timestamp>.<raw body>` with the secret, sent as
// `X-Rabita-Signature: sha256=<hex>` beside `X-Rabita-Timestamp: <unix seconds>`; a call more than five minutes
// from the server's clock is refused (a captured call cannot be replayed later), and within those minutes the
// same delivery (`X-Rabita-Delivery`, else the signature itself) starts one run at most.

/** How far a call's timestamp may be from the server's clock, in seconds. */
export const HOOK_TOLERANCE_SECONDS = 300;
/** The largest body an inbound webhook takes. */
export const HOOK_BODY_LIMIT = 64 * 1024;

/** The path a workflow's inbound webhook is called at, below `/api/v1`. */
export const hookPath = (workspaceId: string, workflowId: string) =>
  `/hooks/${workspaceId}/workflows/${workflowId}`;

/** The signature a caller sends: `sha256=` and the hex HMAC of `<timestamp>.<body>` with the secret. */
export function signHook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Makes (or replaces) a workflow's inbound webhook secret; the only time it is shown. */
export async function rotateHookSecret(ctx: ServiceContext, box: SecretBox, id: string) {
  const ws = ctx.principal.workspaceId;
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  await withWorkspace(ctx.db, ws, async (trx) => {
    if (!isUuid(id) || !(await selectWorkflow(trx, ws, id, { lock: true })))
      throw new AppError('not_found', 'There is no such workflow.');
    await setHookSecret(trx, ws, id, box.seal(secret));
  });
  return { secret, path: `/api/v1${hookPath(ws, id)}` };
}

const refused = () =>
  new AppError('unauthenticated', 'The signature does not match this workflow’s webhook secret.');

/**
 * An inbound call: checks its signature and time, then starts one run of the workflow's published version with
 * the body as `trigger.payload`. Answers the same 404 for a workspace, workflow or hook that does not exist or is
 * off, so the route tells a stranger nothing; a repeated delivery answers its first run, marked `duplicate`.
 */
export async function receiveHook(
  db: Database,
  box: SecretBox,
  call: {
    workspaceId: string;
    workflowId: string;
    timestamp: string | undefined;
    signature: string | undefined;
    delivery: string | undefined;
    body: string;
    payload: unknown;
    now?: Date;
  },
): Promise<{ runId: string; duplicate: boolean }> {
  const missing = new AppError('not_found', 'There is no webhook here.');
  if (!isUuid(call.workspaceId) || !isUuid(call.workflowId)) throw missing;
  const now = (call.now ?? new Date()).getTime() / 1000;
  const ts = Number(call.timestamp);
  if (!call.timestamp || !/^\d{1,12}$/.test(call.timestamp) || Math.abs(now - ts) > HOOK_TOLERANCE_SECONDS)
    throw new AppError(
      'unauthenticated',
      `X-Rabita-Timestamp must be the call's time in Unix seconds, within ${HOOK_TOLERANCE_SECONDS / 60} minutes of the server's clock.`,
    );
  if (!call.signature || !/^sha256=[0-9a-f]{64}$/.test(call.signature)) throw refused();
  if (call.delivery !== undefined && !/^[\w.:-]{1,200}$/.test(call.delivery))
    throw new AppError(
      'validation_failed',
      'X-Rabita-Delivery must be 1–200 letters, digits, dots, colons or dashes.',
      {
        errors: [{ field: 'x-rabita-delivery', message: 'Not a delivery id.' }],
      },
    );
  return withWorkspace(db, call.workspaceId, async (trx) => {
    const ws = call.workspaceId;
    const w = await selectWorkflow(trx, ws, call.workflowId);
    const sealed = w ? await selectHookSecret(trx, ws, w.id) : undefined;
    const v =
      w?.enabled && w.current_version !== null
        ? await selectVersion(trx, ws, w.id, w.current_version)
        : undefined;
    if (!w || !sealed || !v || v.definition.trigger.type !== 'webhook') throw missing;
    const expected = Buffer.from(signHook(box.open(sealed), call.timestamp!, call.body));
    const given = Buffer.from(call.signature!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw refused();
    const key = `webhook:${call.delivery ?? createHash('sha256').update(call.signature!).digest('hex')}`;
    const runId = await insertRun(trx, {
      workspaceId: ws,
      id: newId(),
      workflowId: w.id,
      version: v.version,
      triggerKey: key,
      triggerObject: null,
      triggerRecordId: null,
      trigger: {
        kind: 'webhook',
        payload: call.payload,
        delivery: call.delivery ?? null,
        receivedAt: new Date().toISOString(),
      },
      status: v.definition.start ? 'queued' : 'succeeded',
      reason: null,
      depth: 0,
      startedBy: null,
      currentStep: v.definition.start,
    });
    if (!runId) return { runId: (await selectRunByKey(trx, ws, w.id, key))!.id, duplicate: true };
    if (v.definition.start) await queueStep(trx, runId);
    return { runId, duplicate: false };
  });
}
