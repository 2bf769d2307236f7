import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { type Database, withWorkspace } from '@rabita/db';
import { currentPrincipal } from '../auth/current-principal.ts';
import type { Principal } from '../auth/principal.ts';
import type { SecretBox } from '../auth/secret-box.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import {
  guardedLookup,
  hostOf,
  isBlockedAddress,
  parseWebhookUrl,
  UnsafeUrlError,
} from '../webhooks/url-guard.ts';
import { readableMessage } from './messages.service.ts';
import { remoteImageUrls } from './remote-images.ts';

// Remote images of received mail, shown only when the reader asks, fetched by Rabita so the sender never sees the
// reader's address, cookies or browser. The message's frame is sandboxed (an opaque origin), so the browser sends
// no cookie with the image requests it makes: the frame's HTML carries a sealed access token instead, naming the
// caller, the message and an expiry. The proxy fetches only a URL that is in the stored message, through the same
// address guard as webhooks and mail hosts, and answers only raster images it recognises by their first bytes.

/** How long a frame's image links work (the frame loads its images when it is drawn). */
export const IMAGE_ACCESS_SECONDS = 3600;
export const IMAGE_TIMEOUT_MS = 5_000;
export const IMAGE_MAX_BYTES = 5 * 1024 * 1024;
export const IMAGE_MAX_REDIRECTS = 3;
const USER_AGENT = 'Rabita-ImageProxy/1';

interface ImageAccess {
  workspaceId: string;
  messageId: string;
  kind: Principal['kind'];
  userId: string | null;
  sessionId: string | null;
  apiKeyId: string | null;
  expiresAt: number;
}

/** A token for a frame's image links: this caller (as they are now), this message, for IMAGE_ACCESS_SECONDS. */
export function sealImageAccess(
  box: SecretBox,
  principal: Principal,
  messageId: string,
  now = Date.now(),
): string {
  const expires = Math.floor(now / 1000) + IMAGE_ACCESS_SECONDS;
  return box.seal(
    [
      'img',
      expires,
      principal.workspaceId,
      messageId,
      principal.kind,
      principal.userId ?? '-',
      principal.sessionId ?? '-',
      principal.apiKeyId ?? '-',
    ].join(' '),
  );
}

/** The token's parts, or undefined when this server did not make it, it was changed, or it has expired. */
export function openImageAccess(box: SecretBox, sealed: string, now = Date.now()): ImageAccess | undefined {
  if (sealed.length > 2000) return undefined;
  let parts: string[];
  try {
    parts = box.open(sealed).split(' ');
  } catch {
    return undefined;
  }
  const [tag, expires, workspaceId, messageId, kind, userId, sessionId, apiKeyId] = parts;
  if (tag !== 'img' || parts.length !== 8 || !workspaceId || !messageId) return undefined;
  if (kind !== 'session' && kind !== 'apiKey') return undefined;
  const expiresAt = Number(expires) * 1000;
  if (!Number.isFinite(expiresAt) || expiresAt <= now) return undefined;
  const orNull = (value: string | undefined) => (value === undefined || value === '-' ? null : value);
  return {
    workspaceId,
    messageId,
    kind,
    userId: orNull(userId),
    sessionId: orNull(sessionId),
    apiKeyId: orNull(apiKeyId),
    expiresAt,
  };
}

/** The caller a token names, with their role as it is now; undefined once their session, key or membership ended. */
async function principalOfAccess(db: Database, access: ImageAccess): Promise<Principal | undefined> {
  const named: Principal = {
    kind: access.kind,
    workspaceId: access.workspaceId,
    userId: access.userId,
    sessionId: access.sessionId,
    apiKeyId: access.apiKeyId,
    role: { id: '', key: '', name: '', permissions: { actions: [], objects: {} } },
  };
  return withWorkspace(db, access.workspaceId, (trx) => currentPrincipal(trx, named, { session: true }));
}

export interface RemoteImageDeps {
  secrets: { get(): Promise<SecretBox> };
  /** RABITA_MAIL_ALLOW_PRIVATE: images from private, loopback and link-local addresses too. */
  allowPrivate: boolean;
}

/** Who asks for a message's image: a caller recognised by their session or key, or a frame's access token. */
export interface ImageCaller {
  db: Database;
  principal: Principal | null;
  access?: string | undefined;
  origin?: ServiceContext['origin'];
}

/**
 * Image `index` of a message, fetched from where the stored message says, for a caller who may read the whole
 * message (the check the message's HTML has). With an access token the caller is the one it names, as they are
 * now. Unknown images, messages and tokens are not found alike.
 */
export async function remoteImage(
  caller: ImageCaller,
  messageId: string,
  index: number,
  deps: RemoteImageDeps,
): Promise<FetchedImage> {
  let principal = caller.principal;
  if (caller.access !== undefined) {
    const access = openImageAccess(await deps.secrets.get(), caller.access);
    principal =
      access && access.messageId === messageId
        ? ((await principalOfAccess(caller.db, access)) ?? null)
        : null;
    if (!principal) throw new AppError('not_found', `Message ${messageId} has no image ${index}.`);
  }
  if (!principal)
    throw new AppError('unauthenticated', 'Sign in, send an API key, or use the frame’s image link.');
  const row = await readableMessage({ db: caller.db, principal, origin: caller.origin }, messageId);
  const url = row.body_html === null ? undefined : remoteImageUrls(row.body_html)[index];
  if (url === undefined) throw new AppError('not_found', `Message ${messageId} has no image ${index}.`);
  return fetchImage(url, { allowPrivate: deps.allowPrivate });
}

export interface FetchedImage {
  /** From the image's first bytes, never the remote server's word. */
  contentType: string;
  body: Buffer;
}

/**
 * The content type of a raster image from its first bytes (PNG, JPEG, GIF, WebP, BMP, ICO, AVIF), or undefined.
 * A short, fixed allow-list: SVG (which can script) and anything else a browser might sniff are not on it.
 */
export function sniffImageType(bytes: Buffer): string | undefined {
  const at = (offset: number, text: string) =>
    bytes.subarray(offset, offset + text.length).toString('latin1') === text;
  if (at(0, '\x89PNG\r\n\x1a\n')) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (at(0, 'GIF87a') || at(0, 'GIF89a')) return 'image/gif';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'image/webp';
  if (at(0, 'BM') && bytes.length >= 26) return 'image/bmp';
  if (at(0, '\x00\x00\x01\x00') && bytes.length >= 22) return 'image/x-icon';
  if (at(4, 'ftyp') && (at(8, 'avif') || at(8, 'avis'))) return 'image/avif';
  return undefined;
}

const failed = (url: URL | string, why: string) =>
  new AppError('image_fetch_failed', `The image at ${String(url).slice(0, 300)} could not be shown: ${why}`);

type Hop = { redirect: string } | { image: FetchedImage };

/** One GET: no cookie, no referrer, a plain user agent, the address checked where the socket connects. */
function getOnce(
  url: URL,
  options: { allowPrivate: boolean; deadline: number; maxBytes: number },
): Promise<Hop> {
  return new Promise((resolve, reject) => {
    const host = hostOf(url);
    // Node connects to an IP literal without calling `lookup`, so such a host is checked here.
    if (!options.allowPrivate && net.isIP(host) && isBlockedAddress(host)) {
      reject(failed(url, `${host} is a private, loopback or special-purpose address.`));
      return;
    }
    const left = options.deadline - Date.now();
    if (left <= 0) {
      reject(failed(url, `no answer within ${IMAGE_TIMEOUT_MS / 1000} s.`));
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    const request = client.get(
      url,
      {
        headers: {
          'user-agent': USER_AGENT,
          accept: 'image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9',
        },
        // A socket of its own each time: a pooled one may have been opened under other settings.
        agent: false,
        ...(options.allowPrivate ? {} : { lookup: guardedLookup as never }),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if ([301, 302, 303, 307, 308].includes(status) && location) {
          response.resume();
          resolve({ redirect: location });
          return;
        }
        const stop = (error: AppError) => {
          response.destroy();
          reject(error);
        };
        if (status !== 200) return stop(failed(url, `the server answered ${status}.`));
        const type = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (!type.startsWith('image/') || type.includes('svg'))
          return stop(
            failed(url, `the server sent ${type || 'no content type'}, not an image Rabita shows.`),
          );
        const tooLarge = () =>
          new AppError(
            'image_too_large',
            `The image at ${url.host} is over ${options.maxBytes / 1024 / 1024} MB.`,
          );
        if (Number(response.headers['content-length'] ?? 0) > options.maxBytes) return stop(tooLarge());
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) stop(tooLarge());
          else chunks.push(chunk);
        });
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          const contentType = sniffImageType(body);
          if (!contentType) reject(failed(url, 'it is not a PNG, JPEG, GIF, WebP, BMP, ICO or AVIF image.'));
          else resolve({ image: { contentType, body } });
        });
        response.on('error', (error) =>
          reject(error instanceof AppError ? error : failed(url, error.message)),
        );
      },
    );
    const timer = setTimeout(
      () => request.destroy(failed(url, `no answer within ${IMAGE_TIMEOUT_MS / 1000} s.`)),
      left,
    );
    request.on('close', () => clearTimeout(timer));
    request.on('error', (error) => {
      if (error instanceof AppError) return reject(error);
      if (error instanceof UnsafeUrlError)
        return reject(
          failed(url, `${url.hostname} resolves to a private, loopback or special-purpose address.`),
        );
      reject(failed(url, error.message));
    });
  });
}

/**
 * Fetches an image for a reader: http(s) only, every address checked unless `allowPrivate` (redirects too, at
 * most IMAGE_MAX_REDIRECTS), IMAGE_TIMEOUT_MS in all, at most IMAGE_MAX_BYTES (streamed, stopped when over),
 * and only a raster image recognised by its bytes. Throws `image_fetch_failed` or `image_too_large`.
 */
export async function fetchImage(
  address: string,
  options: { allowPrivate: boolean; timeoutMs?: number; maxBytes?: number },
): Promise<FetchedImage> {
  const deadline = Date.now() + (options.timeoutMs ?? IMAGE_TIMEOUT_MS);
  const maxBytes = options.maxBytes ?? IMAGE_MAX_BYTES;
  let url: URL;
  try {
    url = parseWebhookUrl(address);
  } catch (error) {
    throw failed(address, (error as Error).message);
  }
  for (let hop = 0; ; hop++) {
    const answer = await getOnce(url, { allowPrivate: options.allowPrivate, deadline, maxBytes });
    if ('image' in answer) return answer.image;
    if (hop >= IMAGE_MAX_REDIRECTS) throw failed(url, `more than ${IMAGE_MAX_REDIRECTS} redirects.`);
    try {
      url = parseWebhookUrl(new URL(answer.redirect, url).toString());
    } catch (error) {
      throw failed(url, `it redirects to a URL Rabita does not follow (${(error as Error).message})`);
    }
  }
}
