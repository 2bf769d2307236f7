// What the contact centre's browser tests share: the signed-in person's own extension on a phone connection, the
// call events a phone system posts with the connection's key, and a page opened with its event stream connected (a
// call's card and the wall's figures arrive through that stream).
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { SignedInDesk } from './desk.ts';

/**
 * Makes a `generic` connection (`body` adds the rest: name, prefixes, country) whose `extension` rings the desk's
 * own person; answers its API key, shown once.
 */
export async function connectMyExtension(
  desk: SignedInDesk,
  extension: string,
  body: Record<string, unknown>,
): Promise<string> {
  const me = (await desk.api('GET', '/me')) as { user: { id: string } };
  const connection = await desk.api('POST', '/calls/connections', {
    type: 'generic',
    extensions: { [extension]: me.user.id },
    ...body,
  });
  return connection.apiKey as string;
}

/**
 * What a phone system posts with the key `apiKey()` answers (read when it posts, so a key copied from the page
 * serves): one event of a call, numbered in order, now, with `defaults` (from, to, extension) unless `extra` says.
 */
export function phoneSystem(
  base: () => string,
  apiKey: () => string,
  defaults: Record<string, unknown>,
): (callId: string, event: string, extra?: Record<string, unknown>) => Promise<void> {
  let sequence = 0;
  return async (callId, event, extra = {}) => {
    sequence += 1;
    const r = await fetch(`${base()}/api/v1/calls/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ callId, event, sequence, at: new Date().toISOString(), ...defaults, ...extra }),
    });
    expect(r.status, await r.clone().text()).toBe(202);
  };
}

/** Opens a page of the app at `base` and waits until its event stream is connected. */
export async function openWithStream(page: Page, base: string, to: string): Promise<void> {
  const stream = page.waitForRequest((r) => r.url().endsWith('/api/v1/events'));
  await page.goto(`${base}${to}`);
  await stream;
  // The server listens for the stream's events once it has answered its first bytes.
  await page.waitForTimeout(500);
}
