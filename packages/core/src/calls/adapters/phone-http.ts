import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { guardedLookup, hostOf, isBlockedAddress, UnsafeUrlError } from '../../webhooks/url-guard.ts';

// HTTP from Rabita to a phone system (ARI's and Twilio's REST calls, a call's recording), through the webhooks'
// outbound guard: http(s) only, every address checked where the socket connects (IP literals here, names in the
// lookup) unless the instance allows private phone systems (RABITA_CALLS_ALLOW_PRIVATE), a socket of its own, a
// deadline for the whole exchange, and redirects followed only for GETs and only a few times.

export const PHONE_HTTP_TIMEOUT_MS = 10_000;
export const PHONE_HTTP_MAX_REDIRECTS = 3;
const USER_AGENT = 'Rabita-Calls/1';

/** Why a request to the phone system failed (its message is safe to show an admin). */
export class PhoneHttpError extends Error {}

export interface PhoneRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | undefined;
  allowPrivate: boolean;
  timeoutMs?: number | undefined;
}

/**
 * Sends one request (following up to PHONE_HTTP_MAX_REDIRECTS redirects for a GET) and resolves with the answer
 * once its headers arrived; the deadline keeps running while the caller reads the body (`done()` clears it).
 */
export async function phoneHttp(
  address: string,
  given: PhoneRequest,
): Promise<{ response: http.IncomingMessage; url: URL; done(): void }> {
  let options = given;
  const deadline = Date.now() + (options.timeoutMs ?? PHONE_HTTP_TIMEOUT_MS);
  let url = parseUrl(address);
  for (let hop = 0; ; hop++) {
    const answer = await once(url, options, deadline);
    const status = answer.response.statusCode ?? 0;
    const location = answer.response.headers.location;
    if (!([301, 302, 303, 307, 308].includes(status) && location) || options.method === 'POST') return answer;
    answer.response.resume();
    answer.done();
    if (hop >= PHONE_HTTP_MAX_REDIRECTS)
      throw new PhoneHttpError(`More than ${PHONE_HTTP_MAX_REDIRECTS} redirects from ${url.host}.`);
    const next = parseUrl(new URL(location, url).toString());
    // Credentials go to the origin they were meant for, never on to where it redirects.
    if (next.origin !== url.origin && options.headers?.authorization) {
      const { authorization: _, ...rest } = options.headers;
      options = { ...options, headers: rest };
    }
    url = next;
  }
}

/** Reads a small answer's body (at most `max` bytes; a longer one is cut). */
export async function readSmall(response: http.IncomingMessage, max = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (size >= max) continue;
    chunks.push(chunk.subarray(0, max - size));
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PhoneHttpError('Not a URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new PhoneHttpError(`Only http and https URLs are followed, not ${url.protocol}.`);
  return url;
}

function once(
  url: URL,
  options: PhoneRequest,
  deadline: number,
): Promise<{ response: http.IncomingMessage; url: URL; done(): void }> {
  return new Promise((resolve, reject) => {
    const host = hostOf(url);
    // Node connects to an IP literal without calling `lookup`, so such a host is checked here.
    if (!options.allowPrivate && net.isIP(host) && isBlockedAddress(host)) {
      reject(
        new PhoneHttpError(
          `${host} is a private, loopback or special-purpose address; the operator can allow phone systems on such addresses with RABITA_CALLS_ALLOW_PRIVATE=1.`,
        ),
      );
      return;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      reject(new PhoneHttpError(`No answer from ${url.host} in time.`));
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: options.method ?? 'GET',
        headers: { 'user-agent': USER_AGENT, ...options.headers },
        agent: false,
        ...(options.allowPrivate ? {} : { lookup: guardedLookup as never }),
      },
      (response) => resolve({ response, url, done: () => clearTimeout(timer) }),
    );
    const timer = setTimeout(
      () => request.destroy(new PhoneHttpError(`No answer from ${url.host} in time.`)),
      left,
    );
    request.on('error', (error) => {
      clearTimeout(timer);
      if (error instanceof PhoneHttpError) return reject(error);
      if (error instanceof UnsafeUrlError)
        return reject(
          new PhoneHttpError(
            `${url.hostname} resolves to a private, loopback or special-purpose address; the operator can allow phone systems on such addresses with RABITA_CALLS_ALLOW_PRIVATE=1.`,
          ),
        );
      reject(new PhoneHttpError(`${url.host}: ${error.message}`));
    });
    request.end(options.body);
  });
}
