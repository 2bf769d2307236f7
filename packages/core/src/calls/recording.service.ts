import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import type { SecretBox } from '../auth/secret-box.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import { selectAdapterConnection } from './adapters/adapters.repository.ts';
import { PhoneHttpError, phoneHttp } from './adapters/phone-http.ts';
import { selectCall } from './calls.repository.ts';
import { gateMatches } from './calls.service.ts';

// A call's recording, fetched by Rabita from the URL the phone system reported and streamed to a reader who may
// hear it: the browser is never sent to the PBX (whose address, and often credentials in the URL, stay on the
// server), and the fetch goes through the outbound guard like webhooks and the mail image proxy.

/** The largest recording streamed (an hour of 8 kHz 16-bit WAV is about 58 MB). */
export const RECORDING_MAX_BYTES = 200 * 1024 * 1024;
/** How long the phone system may stay silent while the recording streams. */
export const RECORDING_IDLE_MS = 15_000;

export interface FetchedRecording {
  contentType: string;
  contentLength: number | undefined;
  body: Readable;
}

const unavailable = (why: string) =>
  new AppError('calls_recording_unavailable', `The recording could not be fetched: ${why}`.slice(0, 500));

/**
 * Fetches a recording: http(s) through the outbound guard (redirects limited, a deadline for the answer, an idle
 * limit while it streams), only `audio/*`, at most `maxBytes` (refused up front by its length, cut off when a
 * stream without one grows past it). Throws `calls_recording_unavailable`.
 */
export async function fetchRecording(
  url: string,
  options: {
    allowPrivate: boolean;
    maxBytes?: number | undefined;
    timeoutMs?: number | undefined;
    authorization?: string | undefined;
  },
): Promise<FetchedRecording> {
  const maxBytes = options.maxBytes ?? RECORDING_MAX_BYTES;
  let answer: Awaited<ReturnType<typeof phoneHttp>>;
  try {
    answer = await phoneHttp(url, {
      allowPrivate: options.allowPrivate,
      timeoutMs: options.timeoutMs,
      headers: {
        accept: 'audio/*',
        ...(options.authorization ? { authorization: options.authorization } : {}),
      },
    });
  } catch (error) {
    throw unavailable(error instanceof PhoneHttpError ? error.message : 'the phone system did not answer.');
  }
  const { response } = answer;
  answer.done();
  const refuse = (why: string) => {
    response.destroy();
    return unavailable(why);
  };
  const status = response.statusCode ?? 0;
  if (status !== 200) throw refuse(`the phone system answered ${status}.`);
  const type = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!/^audio\/[a-z0-9.+-]{1,60}$/.test(type))
    throw refuse(`the phone system sent ${type.slice(0, 80) || 'no content type'}, not audio.`);
  const declared = response.headers['content-length'];
  const length = declared === undefined ? undefined : Number(declared);
  if (length !== undefined && (!Number.isSafeInteger(length) || length > maxBytes))
    throw refuse(`it is larger than ${Math.round(maxBytes / 1024 / 1024)} MB.`);
  response.setTimeout(RECORDING_IDLE_MS, () => response.destroy(new Error('The phone system went silent.')));
  let size = 0;
  const capped = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        done(new Error('The recording is larger than allowed.'));
      } else done(null, chunk);
    },
  });
  response.on('error', (error) => capped.destroy(error));
  response.pipe(capped);
  return { contentType: type, contentLength: length, body: capped };
}

/**
 * The recording of a call, for a reader who is its agent or may see one of the records its number matched (as
 * `GET /calls/:id` shows them). Anyone else, a call without a recording and an unknown call are not found
 * alike.
 */
export async function callRecording(
  ctx: ServiceContext,
  id: string,
  deps: { secrets: { get(): Promise<SecretBox> }; allowPrivate: boolean; maxBytes?: number | undefined },
): Promise<FetchedRecording> {
  const notFound = () => new AppError('not_found', 'This call has no recording you may hear.');
  if (!isUuid(id)) throw notFound();
  const found = await inWorkspace(ctx, async (trx, ws) => {
    const row = await selectCall(trx, ws, id.toLowerCase());
    if (!row?.recordingUrl) return undefined;
    const isAgent = ctx.principal.userId !== null && row.agentUserId === ctx.principal.userId;
    if (!isAgent) {
      const [view] = await gateMatches(trx, ctx.principal, [row]);
      if (!view || view.matches.length === 0) return undefined;
    }
    const connection = await selectAdapterConnection(trx, ws, row.connectionId);
    return { url: row.recordingUrl, connection };
  });
  if (!found) throw notFound();
  // A Twilio-style recording on the connection's own API is fetched with its account's credentials.
  let authorization: string | undefined;
  const c = found.connection;
  if (c?.type === 'twilio' && c.adapterSecret && c.settings.accountSid) {
    const api = new URL(c.settings.apiUrl ?? 'https://api.twilio.com');
    if (new URL(found.url).origin === api.origin) {
      const token = (await deps.secrets.get()).open(c.adapterSecret);
      authorization = `Basic ${Buffer.from(`${c.settings.accountSid}:${token}`).toString('base64')}`;
    }
  }
  return fetchRecording(found.url, {
    allowPrivate: deps.allowPrivate,
    maxBytes: deps.maxBytes,
    authorization,
  });
}
