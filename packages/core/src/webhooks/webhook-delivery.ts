import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { type Database, withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { guardedLookup, hostOf, isBlockedAddress, parseWebhookUrl } from './url-guard.ts';

/** Waits before each retry after a failed attempt: 1 min, 5 min, 30 min, 2 h, 12 h; then the delivery fails. */
export const RETRY_DELAYS_SECONDS = [60, 300, 1800, 7200, 43200];
const TIMEOUT_MS = 10_000;
const BATCH = 50;

/** The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the webhook's secret>`. */
export function signatureHeader(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

interface Outcome {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** POSTs the body once: no redirects followed, 10 s limit, the address checked at connect time. */
function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  allowPrivate: boolean,
): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = parseWebhookUrl(url);
    } catch (error) {
      resolve({ statusCode: null, error: (error as Error).message, durationMs: 0 });
      return;
    }
    // Node connects to an IP literal without calling `lookup`, so such a host is checked here.
    const host = hostOf(target);
    if (!allowPrivate && net.isIP(host) && isBlockedAddress(host)) {
      resolve({
        statusCode: null,
        error: `Refused: ${host} is a private, loopback or link-local address.`,
        durationMs: 0,
      });
      return;
    }
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Rabita-Webhooks/1', ...headers },
        timeout: TIMEOUT_MS,
        ...(allowPrivate ? {} : { lookup: guardedLookup as never }),
      },
      (response) => {
        response.resume(); // the receiver's body is not kept
        response.on('end', () =>
          resolve({ statusCode: response.statusCode ?? null, error: null, durationMs: Date.now() - started }),
        );
        response.on('error', (error) =>
          resolve({
            statusCode: response.statusCode ?? null,
            error: error.message,
            durationMs: Date.now() - started,
          }),
        );
      },
    );
    request.on('timeout', () => request.destroy(new Error(`No answer within ${TIMEOUT_MS / 1000} s.`)));
    request.on('error', (error) =>
      resolve({ statusCode: null, error: error.message, durationMs: Date.now() - started }),
    );
    request.end(body);
  });
}

/** Tries one pending delivery (locked, so two workers never send it twice at once); records the attempt. */
async function attempt(db: Database, workspaceId: string, id: string, allowPrivate: boolean): Promise<void> {
  await withWorkspace(db, workspaceId, async (trx) => {
    const { rows } = await sql<{
      url: string;
      secret: string;
      payload: unknown;
      event: string;
      attemptCount: number;
    }>`
      select w.url, w.secret, d.payload, d.event, d.attempt_count
      from webhook_deliveries d join webhooks w on w.workspace_id = d.workspace_id and w.id = d.webhook_id
      where d.workspace_id = ${workspaceId} and d.id = ${id} and d.status = 'pending' and d.next_attempt_at <= now()
      for update of d skip locked`.execute(trx);
    const row = rows[0];
    if (!row) return;
    const body = JSON.stringify(row.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const outcome = await post(
      row.url,
      body,
      {
        'rabita-signature': signatureHeader(row.secret, body, timestamp),
        'rabita-event': row.event,
        'rabita-delivery': id,
      },
      allowPrivate,
    );
    const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    const tries = row.attemptCount + 1;
    const delay = RETRY_DELAYS_SECONDS[tries - 1];
    const status = ok ? 'delivered' : delay === undefined ? 'failed' : 'pending';
    const entry = {
      at: new Date().toISOString(),
      statusCode: outcome.statusCode,
      durationMs: outcome.durationMs,
      error: outcome.error ?? (ok ? null : `The receiver answered ${outcome.statusCode}.`),
    };
    await sql`
      update webhook_deliveries set
        status = ${status},
        attempt_count = ${tries},
        attempts = attempts || ${JSON.stringify([entry])}::jsonb,
        delivered_at = ${ok ? sql`now()` : sql`null`},
        next_attempt_at = ${status === 'pending' ? sql`now() + make_interval(secs => ${delay ?? 0})` : sql`null`}
      where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
  });
}

/**
 * Sends every delivery that is due, across workspaces, a batch at a time. Returns when none is due; the
 * minutely schedule (and the kick each write gives) brings it back for retries.
 */
export async function deliverDueWebhooks(db: Database, options: { allowPrivate: boolean }): Promise<number> {
  let sent = 0;
  for (;;) {
    const { rows } = await sql<{ workspaceId: string; id: string }>`
      select * from rabita_due_webhook_deliveries(${BATCH})`.execute(db);
    if (rows.length === 0) return sent;
    for (const row of rows) await attempt(db, row.workspaceId, row.id, options.allowPrivate);
    sent += rows.length;
    if (rows.length < BATCH) return sent;
  }
}
