import { type Database, withWorkspace } from '@rabita/db';
import type { SecretBox } from '../auth/secret-box.ts';
import {
  flagMachineEvents,
  insertEventsByMessageId,
  insertUnsubscribe,
  type NewEvent,
  selectRecipients,
} from './email.repository.ts';
import { peopleWith } from './email-store.ts';
import { stopEnrolmentsOf } from './sequences.service.ts';

// Open and click tracking. A tracked message's links point at `/t/c/<token>` and it carries a 1×1 image at
// `/t/o/<token>`; the token is sealed (AES-GCM) with the server's key, so it names its workspace, message and link
// without a lookup and cannot be forged or pointed elsewhere: a click is redirected only to the URL stored for that
// link. Events are buffered and written in batches, so the endpoints answer without waiting for the database.

/** The position a token names for the open image (links count from 0). */
const OPEN = -1;

export interface TrackingToken {
  workspaceId: string;
  messageId: string;
  position: number;
}

export function sealToken(box: SecretBox, token: TrackingToken): string {
  return box.seal(`${token.workspaceId} ${token.position} ${token.messageId}`);
}

/** The token's parts, or undefined when it was not made by this server (or was changed). */
export function openToken(box: SecretBox, sealed: string): TrackingToken | undefined {
  if (sealed.length > 2000) return undefined;
  try {
    const [workspaceId, position, ...rest] = box.open(sealed).split(' ');
    const messageId = rest.join(' ');
    if (!workspaceId || !position || !messageId) return undefined;
    return { workspaceId, position: Number(position), messageId };
  } catch {
    return undefined;
  }
}

/**
 * Rewrites a message's http(s) links to tracked ones and adds the open image; returns the HTML and the original
 * URLs by position (stored before the message is sent).
 */
export function trackHtml(
  html: string,
  box: SecretBox,
  base: string,
  workspaceId: string,
  messageId: string,
): { html: string; urls: string[] } {
  const urls: string[] = [];
  const rewritten = html.replace(
    /(<a\b[^>]*?\bhref=")(https?:\/\/[^"]+)(")/gi,
    (_, before: string, url: string, after: string) => {
      const position = urls.push(url.replace(/&amp;/g, '&')) - 1;
      return `${before}${base}/t/c/${sealToken(box, { workspaceId, messageId, position })}${after}`;
    },
  );
  const pixel = `<img src="${base}/t/o/${sealToken(box, { workspaceId, messageId, position: OPEN })}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0">`;
  const withPixel = rewritten.includes('</body>')
    ? rewritten.replace('</body>', `${pixel}</body>`)
    : rewritten + pixel;
  return { html: withPixel, urls };
}

const SCANNERS =
  /bot|crawler|spider|scanner|preview|python|curl|wget|go-http|java\/|headless|barracuda|mimecast|proofpoint|symantec|forcepoint|trendmicro|sophos|fortinet|microsoft office protection|safelinks|outlook-ios-linkpreview|slackbot|whatsapp|facebookexternalhit/i;

/**
 * True for an open or click a machine made: a HEAD request, a security scanner or link previewer, Apple Mail
 * Privacy Protection's prefetch (its proxy sends the bare `Mozilla/5.0`), or no user agent at all. Events right
 * after the send, and clicks in bursts, are flagged when they are written (`flagMachineEvents`).
 */
export function machineRequest(method: string, userAgent: string | undefined): boolean {
  if (method === 'HEAD') return true;
  const ua = (userAgent ?? '').trim();
  return ua === '' || ua === 'Mozilla/5.0' || SCANNERS.test(ua);
}

/** Events waiting to be written, by workspace; written every `everyMs` or when `max` are waiting. */
export class EventBuffer {
  private pending = new Map<string, NewEvent[]>();
  private count = 0;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly db: Database;
  private readonly max: number;

  constructor(db: Database, options: { everyMs?: number; max?: number } = {}) {
    this.db = db;
    this.max = options.max ?? 1000;
    this.timer = setInterval(() => void this.flush(), options.everyMs ?? 1000);
    this.timer.unref();
  }

  add(workspaceId: string, event: NewEvent): void {
    const list = this.pending.get(workspaceId) ?? [];
    list.push(event);
    this.pending.set(workspaceId, list);
    if (++this.count >= this.max) void this.flush();
  }

  /** Writes everything waiting (one statement a workspace); a failed write is reported, not retried forever. */
  flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.count = 0;
    this.flushing = this.flushing.then(async () => {
      for (const [workspaceId, events] of batch) {
        await withWorkspace(this.db, workspaceId, async (trx) => {
          await insertEventsByMessageId(trx, workspaceId, events);
          await flagMachineEvents(trx, workspaceId, [...new Set(events.map((e) => e.messageId))]);
        }).catch((error: unknown) => {
          console.error('email tracking events could not be written', error);
        });
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

/**
 * The recipients of a sequence message stop getting sequence and campaign mail (their address is suppressed as
 * `unsubscribed`, a hard bounce's record kept) and their active enrolments stop. False when the message is unknown.
 */
export async function unsubscribe(db: Database, workspaceId: string, messageId: string): Promise<boolean> {
  return withWorkspace(db, workspaceId, async (trx) => {
    const recipients = await selectRecipients(trx, workspaceId, messageId);
    if (!recipients) return false;
    for (const address of recipients) {
      await insertUnsubscribe(trx, workspaceId, address);
      await stopEnrolmentsOf(
        trx,
        workspaceId,
        { personIds: await peopleWith(trx, workspaceId, address) },
        'unsubscribed',
      );
    }
    return true;
  });
}
