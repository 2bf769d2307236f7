/// <reference lib="dom" />
// Browser test with real SIP traffic (issue 18, "Proved with real traffic"): Kamailio on loopback (the template in
// packages/core/src/calls/sip/kamailio.cfg) relays calls to a baresip desk phone registered as extension 200, which is
// mapped to the signed-in agent, and posts the call events to the app. A second baresip calls from 9 + a number
// stored in Persian digits. Measured: the INVITE's arrival at Kamailio (its ringing event's `at`, to the millisecond)
// to the call card painted in the agent's browser on another page (two animation frames after it appears) — the same
// machine's clock on both ends. Skipped when kamailio, sipsak or baresip is not installed (`.ci/run` installs them).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percentile } from '../bench/stats.ts';
import {
  baresipCall,
  type Kamailio,
  missingPrograms,
  type Running,
  startKamailio,
  startPhone,
} from '../packages/core/src/calls/sip/sip-harness.ts';
import { connectMyExtension, openWithStream } from './calls-desk.ts';
import { openSignedInDesk, type SignedInDesk } from './desk.ts';

const missing = missingPrograms(['kamailio', 'sipsak', 'baresip']);
if (missing.length) console.warn(`e2e/calls-sip.test.ts skipped: not installed: ${missing.join(', ')}`);

const ROUNDS = 5;

describe.skipIf(missing.length > 0)('a real SIP call pops the call card in the agent’s browser', () => {
  let desk: SignedInDesk;
  let page: Page;
  let dir: string;
  let kamailio: Kamailio;
  let person: string;
  const running: Running[] = [];
  const api = (method: string, url: string, body?: unknown) => desk.api(method, url, body);

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rabita-sip-e2e-'));
    desk = await openSignedInDesk('Sara Agent', { locale: 'en' });
    page = desk.page;
    const apiKey = await connectMyExtension(desk, '200', {
      name: 'Kamailio',
      stripPrefixes: ['9'],
      country: 'IR',
    });
    person = (
      await api('POST', '/objects/people', {
        firstName: 'Zahra',
        lastName: 'Karimi',
        phones: ['+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷'],
      })
    ).id as string;
    kamailio = await startKamailio({
      dir,
      url: `${desk.base}/api/v1/calls/events`,
      apiKey,
    });
    running.push(kamailio);
    // The desk phone rings and nobody picks up: the caller gives up (a CANCEL) after two seconds.
    running.push(
      await startPhone({
        dir: path.join(dir, 'phone'),
        kamailioPort: kamailio.port,
        extensions: { '200': 'manual' },
      }),
    );
  }, 120_000);
  afterAll(async () => {
    for (const r of running.reverse()) await r.stop();
    await desk?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it(`INVITE → card painted, ${ROUNDS} calls`, async () => {
    const latencies: number[] = [];
    // Another page than the person's: the card pops wherever the agent is. One page load; the event stream stays.
    await openWithStream(page, desk.base, '/o/companies');
    const ringingCards = page.locator('[data-testid="call-card"]:not([data-call-state="ended"])');
    for (let round = 0; round < ROUNDS; round++) {
      // The previous call was given up and its card says so before the next call comes.
      await expect.poll(() => ringingCards.count(), { timeout: 15_000 }).toBe(0);
      // The moment the card shows the caller: when its name is in the page, then two frames (the browser has painted).
      await page.evaluate(() => {
        const w = window as unknown as { cardPaintedAt?: Promise<number> };
        w.cardPaintedAt = new Promise<number>((resolve) => {
          // The card with its content: not an ended call's, and the caller's name filled in.
          const seen = () =>
            document
              .querySelector(
                '[data-testid="call-card"]:not([data-call-state="ended"]) [data-testid="call-card-name"]',
              )
              ?.textContent?.includes('Zahra');
          const painted = () =>
            requestAnimationFrame(() =>
              requestAnimationFrame(() => resolve(performance.timeOrigin + performance.now())),
            );
          if (seen()) return painted();
          const observer = new MutationObserver(() => {
            if (!seen()) return;
            observer.disconnect();
            painted();
          });
          observer.observe(document.body, { subtree: true, childList: true, attributes: true });
        });
      });
      const before = new Set(
        ((await api('GET', '/calls?limit=50')) as { data: { providerCallId: string }[] }).data.map(
          (c) => c.providerCallId,
        ),
      );
      const calling = baresipCall({
        dir: await fs.mkdtemp(path.join(dir, 'caller-')),
        kamailioPort: kamailio.port,
        from: '909121234567',
        to: '200',
        seconds: 2,
      });
      await ringingCards.first().waitFor({ timeout: 15_000 });
      await expect
        .poll(() => ringingCards.first().getByTestId('call-card-name').textContent())
        .toBe('Zahra Karimi');
      const paintedAt = await page.evaluate(
        () => (window as unknown as { cardPaintedAt: Promise<number> }).cardPaintedAt,
      );
      await calling;
      const listed = (await api('GET', '/calls?limit=50')) as { data: Record<string, unknown>[] };
      const row = listed.data.find((c) => !before.has(c.providerCallId as string));
      expect(row, 'the call Kamailio told the app of').toBeDefined();
      expect(row).toMatchObject({ personId: person, extension: '200' });
      const events = (await api('GET', `/calls/${row!.id}`)) as {
        events: { event: string; body: { at: string } }[];
      };
      const ringingAt = Date.parse(events.events.find((e) => e.event === 'ringing')!.body.at);
      latencies.push(paintedAt - ringingAt);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const figures = {
      rounds: ROUNDS,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      all: latencies,
    };
    console.log(`INVITE → call card painted (ms): ${JSON.stringify(figures)}`);
    for (const ms of latencies) expect(ms).toBeGreaterThan(0);
    // The target (p95 < 200 ms at 50 calls/s with the mixed load) is the bench's; a browser test on a shared machine
    // only guards against a pop that is seconds late.
    expect(figures.p95).toBeLessThan(2000);
  }, 180_000);
});
