import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { type Database, withWorkspace } from '@rabita/db';
import { CircuitBreakers } from './circuit-breaker.ts';
import { guardedLookup, hostOf, isBlockedAddress, parseWebhookUrl } from './url-guard.ts';
import {
  type ClaimedDelivery,
  claimNextDelivery,
  dueTargets,
  holdTarget,
  recordAttempt,
} from './webhook-deliveries.repository.ts';

/** Waits before each retry after a failed attempt: 1 min, 5 min, 30 min, 2 h, 12 h; then the delivery fails. */
export const RETRY_DELAYS_SECONDS = [60, 300, 1800, 7200, 43200];

/** How long one attempt may take: to connect (TCP), and in all (connect, TLS, the request and the answer). */
export interface DeliveryTimeouts {
  connectMs: number;
  totalMs: number;
}

export const DEFAULT_TIMEOUTS: DeliveryTimeouts = { connectMs: 3_000, totalMs: 10_000 };
/** Targets sent to at once by one process, and at most this many of one workspace's. */
const MAX_TARGETS = 16;
const MAX_TARGETS_PER_WORKSPACE = 4;
/**
 * A claimed delivery is not due again for this long: more than any attempt takes (3 s to connect, 10 s in all), and
 * less than the 40 s at the earliest after which a killed worker's job is released (its last beat up to 20 s before
 * it died, silent for 60 s: jobs/job-worker.ts), so the released job finds the delivery due and sends it at once,
 * within the two minutes promised for a dead worker's jobs. At 60 s the released job could come too early, leaving
 * the delivery to the next minutely run: up to two minutes after the claim, measured at 115 s in
 * test/scale/many-instances.test.ts.
 */
export const WEBHOOK_LEASE_SECONDS = 30;

/** The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the webhook's secret>`. */
export function signatureHeader(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

interface Outcome {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** True when the receiver could not be reached or did not answer in time (what the circuit breaker counts). */
  unanswered: boolean;
}

/** POSTs the body once: no redirects followed, time-limited, the address checked at connect time. */
function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  allowPrivate: boolean,
  timeouts: DeliveryTimeouts,
): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const refused = (error: string) => resolve({ statusCode: null, error, durationMs: 0, unanswered: false });
    let target: URL;
    try {
      target = parseWebhookUrl(url);
    } catch (error) {
      refused((error as Error).message);
      return;
    }
    // Node connects to an IP literal without calling `lookup`, so such a host is checked here.
    const host = hostOf(target);
    if (!allowPrivate && net.isIP(host) && isBlockedAddress(host)) {
      refused(`Refused: ${host} is an address webhooks may not call.`);
      return;
    }
    const timers: NodeJS.Timeout[] = [];
    const finish = (outcome: Omit<Outcome, 'durationMs'>) => {
      for (const timer of timers) clearTimeout(timer);
      resolve({ ...outcome, durationMs: Date.now() - started });
    };
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Rabita-Webhooks/1', ...headers },
        ...(allowPrivate ? {} : { lookup: guardedLookup as never }),
      },
      (response) => {
        response.resume(); // the receiver's body is not kept
        response.on('end', () =>
          finish({ statusCode: response.statusCode ?? null, error: null, unanswered: false }),
        );
        response.on('error', (error) =>
          finish({ statusCode: response.statusCode ?? null, error: error.message, unanswered: false }),
        );
      },
    );
    timers.push(
      setTimeout(
        () => request.destroy(new Error(`No answer within ${timeouts.totalMs / 1000} s.`)),
        timeouts.totalMs,
      ),
    );
    request.on('socket', (socket) => {
      if (!socket.connecting) return;
      const connecting = setTimeout(
        () => request.destroy(new Error(`Could not connect within ${timeouts.connectMs / 1000} s.`)),
        timeouts.connectMs,
      );
      timers.push(connecting);
      socket.once('connect', () => clearTimeout(connecting));
    });
    request.on('error', (error) =>
      finish({
        statusCode: null,
        error: error.message,
        unanswered: (error as NodeJS.ErrnoException).code !== 'ERR_WEBHOOK_ADDRESS_REFUSED',
      }),
    );
    request.end(body);
  });
}

/** The circuit breakers of this process's targets (webhooks), and the targets it is sending to right now. */
const breakers = new CircuitBreakers();
const sending = new Map<string, string>();

/** Sends one claimed delivery and records the attempt; returns how it went. */
async function attempt(
  db: Database,
  workspaceId: string,
  delivery: ClaimedDelivery,
  options: { allowPrivate: boolean; timeouts: DeliveryTimeouts },
): Promise<Outcome> {
  const body = JSON.stringify(delivery.payload);
  const timestamp = Math.floor(Date.now() / 1000);
  const outcome = await post(
    delivery.url,
    body,
    {
      'rabita-signature': signatureHeader(delivery.secret, body, timestamp),
      'rabita-event': delivery.event,
      'rabita-delivery': delivery.id,
    },
    options.allowPrivate,
    options.timeouts,
  );
  const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  const tries = delivery.attemptCount + 1;
  const delay = RETRY_DELAYS_SECONDS[tries - 1];
  await withWorkspace(db, workspaceId, (trx) =>
    recordAttempt(trx, workspaceId, delivery.id, {
      status: ok ? 'delivered' : delay === undefined ? 'failed' : 'pending',
      tries,
      retryInSeconds: delay ?? 0,
      entry: {
        at: new Date().toISOString(),
        statusCode: outcome.statusCode,
        durationMs: outcome.durationMs,
        error: outcome.error ?? (ok ? null : `The receiver answered ${outcome.statusCode}.`),
      },
    }),
  );
  return outcome;
}

/**
 * Sends one target's due deliveries one after another (one in flight per target keeps their order) until none is
 * due or its circuit breaker holds it. Returns the number of attempts made.
 */
async function drainTarget(
  db: Database,
  workspaceId: string,
  webhookId: string,
  options: { allowPrivate: boolean; timeouts: DeliveryTimeouts; leaseSeconds: number },
): Promise<number> {
  let attempts = 0;
  for (;;) {
    const held = breakers.heldUntil(webhookId);
    if (held) {
      await withWorkspace(db, workspaceId, (trx) => holdTarget(trx, workspaceId, webhookId, held));
      return attempts;
    }
    const delivery = await withWorkspace(db, workspaceId, (trx) =>
      claimNextDelivery(trx, workspaceId, webhookId, options.leaseSeconds),
    );
    if (!delivery) return attempts;
    const outcome = await attempt(db, workspaceId, delivery, options);
    attempts += 1;
    if (outcome.unanswered) breakers.failed(webhookId);
    else if (outcome.statusCode !== null) breakers.succeeded(webhookId);
  }
}

/**
 * Sends every delivery that is due, across workspaces: each target (webhook) drained on its own, up to 16 targets
 * at once and 4 of any one workspace, so a receiver that never answers holds back only its own deliveries.
 * Returns the number of attempts once none is due; the minutely schedule (and the kick each write gives) brings it
 * back for retries.
 */
export async function deliverDueWebhooks(
  db: Database,
  options: {
    allowPrivate: boolean;
    timeouts?: Partial<DeliveryTimeouts> | undefined;
    /** How long a claimed delivery is held for its attempt (WEBHOOK_LEASE_SECONDS; shorter in tests). */
    leaseSeconds?: number | undefined;
  },
): Promise<number> {
  const settings = {
    allowPrivate: options.allowPrivate,
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    leaseSeconds: options.leaseSeconds ?? WEBHOOK_LEASE_SECONDS,
  };
  let attempted = 0;
  let failure: unknown;
  const running = new Set<Promise<void>>();
  // Targets that had nothing to claim this run (another worker holds their due delivery): not asked for again.
  const idle = new Set<string>();
  for (;;) {
    const room = failure === undefined ? MAX_TARGETS - sending.size : 0;
    const targets = room > 0 ? await dueTargets(db, room * 2, [...sending.keys(), ...idle]) : [];
    for (const { workspaceId, webhookId } of targets) {
      const ofWorkspace = [...sending.values()].filter((w) => w === workspaceId).length;
      if (sending.size >= MAX_TARGETS || sending.has(webhookId) || ofWorkspace >= MAX_TARGETS_PER_WORKSPACE)
        continue;
      sending.set(webhookId, workspaceId);
      const lane: Promise<void> = drainTarget(db, workspaceId, webhookId, settings)
        .then(
          (n) => {
            attempted += n;
            if (n === 0) idle.add(webhookId);
          },
          // A lane that fails (the database, not a receiver) stops only itself; the run reports it at the end.
          (error: unknown) => {
            failure ??= error;
          },
        )
        .finally(() => {
          sending.delete(webhookId);
          running.delete(lane);
        });
      running.add(lane);
    }
    // Nothing of ours is running: every due target is done, or another run in this process is sending to it.
    if (running.size === 0) {
      if (failure !== undefined) throw failure;
      return attempted;
    }
    await Promise.race(running);
  }
}
