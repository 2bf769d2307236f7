// Renders a print view of the web app to PDF with headless Chromium (`page.pdf`), the same page a person sees, so
// Arabic and Persian are shaped by the browser and stay selectable text. Any print path works (a report's
// `/print/reports/<id>`, a dashboard's print view): the page must set `data-ready="true"` on an element when it is
// fully drawn (or `data-ready="error"` with `data-error` saying why), and read its single-use token from the
// address's fragment (`#print-token=…`), which never reaches a server log.
import type { Browser } from 'playwright-core';
import { findChromium } from '../pdf/chromium.ts';

export interface PrintRenderInput {
  /** Where the web app is served (RABITA_PUBLIC_URL, or the test's server). */
  baseUrl: string;
  /** The print view's path (`/print/reports/<id>`). */
  path: string;
  /** A print token the page spends to read its data. */
  token: string;
  /** Also take a PNG picture of this element (the chart, for an email's body), when it is there. */
  pictureOf?: string | undefined;
  /** A4 on its side (a dashboard's grid is wide), laid out at that width; upright unless said. */
  landscape?: boolean | undefined;
  /** Whether to print a PDF at all (a schedule sending a spreadsheet needs only the picture). */
  pdf?: boolean | undefined;
  /** The page is given this long to draw, and the whole render twice that (default 30 s). */
  timeoutMs?: number | undefined;
  /** At most this many pages are printed (default 40): a report's table is long, a PDF need not be. */
  maxPages?: number | undefined;
  /** CHROMIUM_PATH, when the operator set it. */
  chromiumPath?: string | undefined;
}

export interface PrintRenderOutput {
  pdf: Buffer | null;
  picture: Buffer | null;
}

/** The print view could not be drawn (its reason says why); not the caller's fault, so not an AppError. */
export class PrintRenderError extends Error {
  override readonly name = 'PrintRenderError';
}

/** A4 at 96 px to the inch, less 12 mm margins on each side: the page lays itself out at print width. */
const VIEWPORT = { width: 704, height: 1000 };
/** The same on its side, less 10 mm margins. */
const LANDSCAPE_VIEWPORT = { width: 1047, height: 718 };
let queue: Promise<unknown> = Promise.resolve();

/**
 * Renders one print view, one at a time per process (a second call waits for the first): each render starts its
 * own browser and leaves nothing running when it ends, whatever happened.
 */
export function renderPrintView(input: PrintRenderInput): Promise<PrintRenderOutput> {
  const run = queue.then(
    () => renderNow(input),
    () => renderNow(input),
  );
  queue = run.catch(() => {});
  return run;
}

async function renderNow(input: PrintRenderInput): Promise<PrintRenderOutput> {
  const timeout = input.timeoutMs ?? 30_000;
  const base = new URL(input.baseUrl);
  const found = await findChromium({ configuredPath: input.chromiumPath });
  let browser: Browser | undefined;
  const deadline = setTimeout(() => void browser?.close().catch(() => {}), timeout * 2);
  try {
    // Loaded on the first print: playwright-core is 12 MB of code that no other path of the server or worker needs.
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: found.executablePath,
      args: found.args,
      env: { ...(process.env as Record<string, string>), ...found.env },
      timeout,
    });
    const context = await browser.newContext({
      viewport: input.landscape ? LANDSCAPE_VIEWPORT : VIEWPORT,
      reducedMotion: 'reduce',
      deviceScaleFactor: 2,
      serviceWorkers: 'block',
    });
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    // The page may load the web app from its own server and nothing else: no other site, no redirect elsewhere.
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      return url.origin === base.origin || url.protocol === 'data:' || url.protocol === 'blob:'
        ? route.continue()
        : route.abort('blockedbyclient');
    });
    const path = input.path.startsWith('/') ? input.path : `/${input.path}`;
    await page.goto(`${base.origin}${path}#print-token=${encodeURIComponent(input.token)}`, {
      waitUntil: 'domcontentloaded',
    });
    const ready = page.locator('[data-ready="true"], [data-ready="error"]').first();
    await ready.waitFor({ state: 'attached', timeout });
    if ((await ready.getAttribute('data-ready')) === 'error')
      throw new PrintRenderError(
        (await ready.getAttribute('data-error'))?.slice(0, 300) || 'The print view could not be drawn.',
      );
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    let picture: Buffer | null = null;
    if (input.pictureOf) {
      const target = page.locator(input.pictureOf).first();
      if ((await target.count()) > 0)
        picture = await target.screenshot({ type: 'png', animations: 'disabled' });
    }
    const pdf =
      input.pdf === false
        ? null
        : await page.pdf({
            format: 'A4',
            landscape: input.landscape === true,
            printBackground: true,
            margin: input.landscape
              ? { top: '10mm', bottom: '10mm', left: '10mm', right: '10mm' }
              : { top: '12mm', bottom: '12mm', left: '12mm', right: '12mm' },
            pageRanges: `1-${input.maxPages ?? 40}`,
            tagged: true,
            outline: false,
          });
    return { pdf, picture };
  } catch (error) {
    if (error instanceof PrintRenderError) throw error;
    throw new PrintRenderError(
      `The print view could not be rendered: ${((error as Error).message ?? String(error)).split('\n')[0]!.slice(0, 300)}`,
    );
  } finally {
    clearTimeout(deadline);
    await browser?.close().catch(() => {});
  }
}
