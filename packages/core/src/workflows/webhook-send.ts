import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import {
  guardedLookup,
  hostOf,
  isBlockedAddress,
  parseWebhookUrl,
  UnsafeUrlError,
} from '../webhooks/url-guard.ts';

/** How a workflow's webhook call went. */
export interface SendOutcome {
  statusCode: number | null;
  error: string | null;
  /** Seconds the receiver asked to wait (`Retry-After`), when it did. */
  retryAfterSeconds: number | null;
  /** The SSRF guard refused the address (or the URL): trying again cannot help. */
  refused?: boolean | undefined;
}

const CONNECT_MS = 3_000;
const RESPONSE_MS = 30_000;

/** Seconds from a `Retry-After` header (seconds or an HTTP date), capped at an hour. */
export function retryAfterSeconds(header: string | undefined, now = Date.now()): number | null {
  if (!header) return null;
  const seconds = /^\d+$/.test(header.trim()) ? Number(header.trim()) : (Date.parse(header) - now) / 1000;
  return Number.isFinite(seconds) ? Math.min(Math.max(0, Math.ceil(seconds)), 3600) : null;
}

/**
 * Sends one JSON request through the webhooks' SSRF guard (addresses checked at connect time, IP literals here),
 * with an `Idempotency-Key` header, 3 s to connect and 30 s for the answer.
 */
export function sendWorkflowRequest(
  url: string,
  method: string,
  body: string,
  idempotencyKey: string,
  allowPrivate: boolean,
): Promise<SendOutcome> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = parseWebhookUrl(url);
    } catch (error) {
      resolve({ statusCode: null, error: (error as Error).message, retryAfterSeconds: null, refused: true });
      return;
    }
    const host = hostOf(target);
    if (!allowPrivate && net.isIP(host) && isBlockedAddress(host)) {
      resolve({
        statusCode: null,
        error: `Refused: ${host} is an address webhooks may not call.`,
        retryAfterSeconds: null,
        refused: true,
      });
      return;
    }
    const timers: NodeJS.Timeout[] = [];
    const finish = (outcome: SendOutcome) => {
      for (const timer of timers) clearTimeout(timer);
      resolve(outcome);
    };
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(
      target,
      {
        method,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Rabita-Workflows/1',
          'idempotency-key': idempotencyKey,
        },
        ...(allowPrivate ? {} : { lookup: guardedLookup as never }),
      },
      (response) => {
        response.resume();
        const retry = retryAfterSeconds(response.headers['retry-after']);
        response.on('end', () =>
          finish({ statusCode: response.statusCode ?? null, error: null, retryAfterSeconds: retry }),
        );
        response.on('error', (e) =>
          finish({ statusCode: response.statusCode ?? null, error: e.message, retryAfterSeconds: retry }),
        );
      },
    );
    timers.push(setTimeout(() => request.destroy(new Error('No answer within 30 s.')), RESPONSE_MS));
    request.on('socket', (socket) => {
      if (!socket.connecting) return;
      const connecting = setTimeout(
        () => request.destroy(new Error('Could not connect within 3 s.')),
        CONNECT_MS,
      );
      timers.push(connecting);
      socket.once('connect', () => clearTimeout(connecting));
    });
    request.on('error', (e) =>
      finish({
        statusCode: null,
        error: e.message,
        retryAfterSeconds: null,
        refused:
          e instanceof UnsafeUrlError || (e as NodeJS.ErrnoException).code === 'ERR_WEBHOOK_ADDRESS_REFUSED',
      }),
    );
    request.end(body);
  });
}
