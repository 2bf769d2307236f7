import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { SecretBox } from '../auth/secret-box.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import type { AdapterSettings } from './adapters/adapter-settings.ts';
import {
  ORIGINATE_CHANNEL,
  ORIGINATE_DONE_CHANNEL,
  type OriginateRequest,
  originateHere,
} from './adapters/adapter-supervisor.ts';
import { selectAdapterConnection } from './adapters/adapters.repository.ts';
import { PhoneHttpError, phoneHttp, readSmall } from './adapters/phone-http.ts';
import { type ConnectionRow, listConnections } from './calls.repository.ts';

// Click-to-call: the agent's own phone rings first, then the number is dialled, through the connection's phone
// system — AMI `Originate` by the worker that holds the connection's AMI client (directly when that is this
// process, else asked over NOTIFY), ARI's `POST /channels`, or a Twilio-style `Calls.json`. The call is then
// logged as any call is: its events come from the phone system.

/** How long an app process waits for the worker holding an AMI client to answer. */
export const ORIGINATE_RELAY_MS = 5_000;

const TYPES_THAT_DIAL = new Set(['asterisk-ami', 'asterisk-ari', 'twilio']);

/** Whether a connection's settings are enough to place calls (the secret is checked when dialling). */
const dials = (c: ConnectionRow) => {
  const s = c.settings as AdapterSettings;
  if (!TYPES_THAT_DIAL.has(c.type) || !c.hasAdapterSecret) return false;
  if (c.type === 'asterisk-ami') return Boolean(s.host && s.username);
  if (c.type === 'asterisk-ari') return Boolean(s.url && s.username);
  return Boolean(s.accountSid && s.callerId);
};

/** The caller's extension on a connection (the first one mapped to them), if any. */
const extensionOf = (c: ConnectionRow, userId: string | null) =>
  userId === null ? undefined : Object.entries(c.extensions).find(([, u]) => u === userId)?.[0];

export interface DialLine {
  connectionId: string;
  name: string;
  type: string;
  extension: string;
  /** Whether Rabita can place calls through it (else the browser dials `tel:`). */
  originates: boolean;
}

/** The connections where the caller has an extension, and whether each can place calls. */
export async function dialLines(ctx: ServiceContext): Promise<DialLine[]> {
  return inWorkspace(ctx, async (trx, ws) => {
    const out: DialLine[] = [];
    for (const c of await listConnections(trx, ws)) {
      const extension = extensionOf(c, ctx.principal.userId);
      if (extension !== undefined)
        out.push({ connectionId: c.id, name: c.name, type: c.type, extension, originates: dials(c) });
    }
    return out;
  });
}

/** A number as a person typed or a record stores it, reduced to what a phone system dials (`+`, digits, * #). */
export function dialable(raw: string): string | undefined {
  const digits = raw
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/^tel:/i, '')
    .replace(/[\s\-().\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '');
  return /^\+?[0-9*#]{2,32}$/.test(digits) ? digits : undefined;
}

const cannot = (message: string) => new AppError('calls_cannot_originate', message);

export interface OriginateDeps {
  pool: pg.Pool;
  secrets: { get(): Promise<SecretBox> };
  allowPrivate: boolean;
  /** RABITA_PUBLIC_URL, for the Twilio status callback when the connection names no public URL. */
  publicUrl: string;
}

/**
 * Places a call from the caller's extension to `to` through a connection where they have one (the given one, or
 * the first that can place calls). 409 `calls_cannot_originate` when none can — the browser then dials `tel:`.
 */
export async function originateCall(
  ctx: ServiceContext,
  input: { to: string; connectionId?: string | undefined },
  deps: OriginateDeps,
): Promise<{ connectionId: string; extension: string; to: string }> {
  const to = dialable(input.to);
  if (!to)
    throw new AppError('validation_failed', 'Not a number to dial: digits, perhaps after a +, and * #.', {
      errors: [{ field: 'to', message: 'Not a number to dial.' }],
    });
  if (input.connectionId !== undefined && !isUuid(input.connectionId))
    throw new AppError('not_found', 'There is no such phone connection.');
  const lines = await dialLines(ctx);
  const wanted = input.connectionId?.toLowerCase();
  const line =
    wanted !== undefined
      ? lines.find((l) => l.connectionId === wanted)
      : (lines.find((l) => l.originates) ?? lines[0]);
  if (!line)
    throw cannot(
      input.connectionId !== undefined
        ? 'You have no extension on this phone connection.'
        : 'You have no extension on any phone connection.',
    );
  if (!line.originates)
    throw cannot(`The phone connection “${line.name}” cannot place calls; dial the number on your phone.`);
  const ws = ctx.principal.workspaceId;
  const row = await inWorkspace(ctx, (trx) => selectAdapterConnection(trx, ws, line.connectionId));
  if (!row?.adapterSecret) throw cannot(`The phone connection “${line.name}” has no credentials.`);
  const request = { workspaceId: ws, connectionId: line.connectionId, extension: line.extension, number: to };
  try {
    if (row.type === 'asterisk-ami') await originateAmi(request, deps.pool);
    else {
      const secret = (await deps.secrets.get()).open(row.adapterSecret);
      if (row.type === 'asterisk-ari') await originateAri(row.settings, secret, request, deps);
      else await originateTwilio(row.settings, secret, request, deps);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw cannot(`The phone system did not place the call: ${(error as Error).message}`.slice(0, 500));
  }
  return { connectionId: line.connectionId, extension: line.extension, to };
}

/** AMI: in this process when it holds the client, else asks the holder over NOTIFY and waits for its answer. */
async function originateAmi(request: Omit<OriginateRequest, 'requestId'>, pool: pg.Pool): Promise<void> {
  if (!(await originateHere(request))) await relayOriginate(request, pool);
}

/**
 * Asks the worker holding a connection's AMI client (in whichever process) to place a call: a NOTIFY on
 * ORIGINATE_CHANNEL, then waits on a pooled connection of its own for the holder's answer on
 * ORIGINATE_DONE_CHANNEL, at most ORIGINATE_RELAY_MS (no answer: no worker holds it).
 */
export async function relayOriginate(
  request: Omit<OriginateRequest, 'requestId'>,
  pool: pg.Pool,
  timeoutMs = ORIGINATE_RELAY_MS,
): Promise<void> {
  const requestId = randomUUID();
  const client = await pool.connect();
  let timer: NodeJS.Timeout | undefined;
  let onNotice: ((m: pg.Notification) => void) | undefined;
  try {
    const answer = new Promise<{ ok: boolean; message?: string }>((resolve) => {
      onNotice = (m) => {
        if (m.channel !== ORIGINATE_DONE_CHANNEL) return;
        try {
          const a = JSON.parse(m.payload ?? '') as { requestId?: string; ok?: boolean; message?: string };
          if (a.requestId === requestId) resolve({ ok: a.ok === true, message: a.message });
        } catch {}
      };
      client.on('notification', onNotice);
      timer = setTimeout(
        () => resolve({ ok: false, message: 'No worker is connected to this phone system right now.' }),
        timeoutMs,
      );
    });
    await client.query(`listen ${ORIGINATE_DONE_CHANNEL}`);
    await client.query('select pg_notify($1, $2)', [
      ORIGINATE_CHANNEL,
      JSON.stringify({ requestId, ...request }),
    ]);
    const outcome = await answer;
    if (!outcome.ok) throw new Error(outcome.message ?? 'refused');
  } finally {
    clearTimeout(timer);
    if (onNotice) client.removeListener('notification', onNotice);
    await client.query(`unlisten ${ORIGINATE_DONE_CHANNEL}`).catch(() => {});
    client.release();
  }
}

/** Checks a REST answer: 2xx, else the phone system's words (cut short). */
async function expectOk(answer: Awaited<ReturnType<typeof phoneHttp>>): Promise<void> {
  const body = await readSmall(answer.response, 4096).finally(answer.done);
  const status = answer.response.statusCode ?? 0;
  if (status < 200 || status >= 300)
    throw new PhoneHttpError(
      `it answered ${status}${body ? `: ${body.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`,
    );
}

/** ARI: `POST /ari/channels` rings the agent's endpoint and, when answered, dials the number in the context. */
async function originateAri(
  s: AdapterSettings,
  password: string,
  request: Omit<OriginateRequest, 'requestId'>,
  deps: OriginateDeps,
): Promise<void> {
  const url = new URL('ari/channels', s.url!.endsWith('/') ? s.url : `${s.url}/`);
  url.search = new URLSearchParams({
    endpoint: `${s.channelTech ?? 'PJSIP'}/${request.extension}`,
    extension: request.number,
    context: s.context ?? 'from-internal',
    priority: '1',
    callerId: request.number,
    timeout: '30',
  }).toString();
  await expectOk(
    await phoneHttp(url.toString(), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${s.username}:${password}`).toString('base64')}`,
        'content-length': '0',
      },
      allowPrivate: deps.allowPrivate,
    }),
  );
}

const xml = (v: string) => v.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Twilio-style: the agent is called first (a `client:` identity, or their number when the extension is one), and
 * the TwiML then dials the customer, whose leg reports its statuses to the connection's callback: the call is
 * logged from those callbacks, outbound to the customer's number.
 */
async function originateTwilio(
  s: AdapterSettings,
  authToken: string,
  request: Omit<OriginateRequest, 'requestId'>,
  deps: OriginateDeps,
): Promise<void> {
  const base = (s.apiUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
  const callback =
    s.publicUrl ?? `${deps.publicUrl.replace(/\/+$/, '')}/api/v1/calls/hooks/twilio/${request.connectionId}`;
  const agent = /^\+[0-9]{6,17}$/.test(request.extension) ? request.extension : `client:${request.extension}`;
  const twiml =
    `<Response><Dial callerId="${xml(s.callerId!)}"><Number statusCallback="${xml(callback)}" ` +
    `statusCallbackEvent="initiated ringing answered completed">${xml(request.number)}</Number></Dial></Response>`;
  const form = new URLSearchParams({ To: agent, From: s.callerId!, Twiml: twiml });
  await expectOk(
    await phoneHttp(`${base}/2010-04-01/Accounts/${s.accountSid}/Calls.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${s.accountSid}:${authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(Buffer.byteLength(form.toString())),
      },
      body: form.toString(),
      allowPrivate: deps.allowPrivate,
    }),
  );
}
