/// <reference lib="dom" />
// The test browser draws Arabic and Persian as a reader expects them (letters joined into their contextual forms,
// right to left, no blanks where a font is missing) and prints them to a PDF whose text can be selected: whichever
// browser the rule in packages/core/src/pdf/chromium.ts picks, including the one inside @sparticuz/chromium with
// only npm-shipped fonts.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../packages/core/src/pdf/chromium.ts';
import { launchBrowser } from './browser.ts';

const OUT = path.resolve(import.meta.dirname, '../test-results/screenshots');
const PERSIAN = 'مدیریت ارتباط با مشتری';
const ARABIC = 'مرحبا بالعالم العربي';

// A page that names no Arabic font, as a user's own page might: the browser must fall back to one by itself.
const DOCUMENT = `<!doctype html>
<html lang="fa" dir="rtl"><head><meta charset="utf-8"><style>
  body { font-family: sans-serif; font-size: 28px; margin: 24px; }
  span { white-space: pre; }
</style></head><body>
  <h1>رابطه · پیش‌فاکتور ۱۴۰۴/۰۷/۱۵</h1>
  <p id="persian">${PERSIAN}</p>
  <p id="arabic" lang="ar">${ARABIC}</p>
  <p><span id="joined">پیگیری</span> <span id="apart">پ&zwnj;ی&zwnj;گ&zwnj;ی&zwnj;ر&zwnj;ی</span></p>
  <p><span id="joined-ar">سلام</span> <span id="apart-ar">س&zwnj;ل&zwnj;ا&zwnj;م</span></p>
  <p dir="ltr" lang="en">Rabita CRM, 2026</p>
</body></html>`;

/** Bidirectional controls a PDF's text layer wraps right-to-left runs in; a reader does not see them. */
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

// The browser the rule picks, and the one inside @sparticuz/chromium too where that is another (CI installs Debian's,
// so both are tested there). A failed search is left for the launch to report.
const picked = await findChromium({ configuredPath: process.env.CHROMIUM_PATH }).catch(() => null);
const browsers: ['by-rule' | 'bundled', string][] = [['by-rule', picked?.source ?? 'none found']];
if (picked?.source !== 'bundled' && process.platform === 'linux' && process.arch === 'x64')
  browsers.push(['bundled', 'bundled']);

describe.each(browsers)('Arabic script in the %s browser (%s)', (which) => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    await fs.mkdir(OUT, { recursive: true });
    browser = await launchBrowser(which);
    page = await browser.newPage({ viewport: { width: 900, height: 500 } });
    await page.setContent(DOCUMENT);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('draws Persian and Arabic letters in a font that has them, joined into their contextual forms', async () => {
    await page.screenshot({ path: path.join(OUT, `arabic-script-${which}.png`) });
    const measured = await page.evaluate(() => {
      const width = (id: string) => document.getElementById(id)?.getBoundingClientRect().width ?? 0;
      // Ink on a canvas: a missing font leaves Arabic letters blank (or boxes, which the widths below catch).
      const canvas = document.createElement('canvas');
      canvas.width = 400;
      canvas.height = 60;
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
      ctx.font = '32px sans-serif';
      ctx.fillText('سلام پیگیری', 10, 40);
      const alpha = ctx.getImageData(0, 0, canvas.width, canvas.height).data.filter((_, i) => i % 4 === 3);
      return {
        inked: alpha.filter((a) => a > 128).length,
        joined: width('joined'),
        apart: width('apart'),
        joinedAr: width('joined-ar'),
        apartAr: width('apart-ar'),
      };
    });
    expect(measured.inked, 'pixels drawn for Arabic letters').toBeGreaterThan(200);
    // Joined letters take their narrow initial and medial forms; kept apart (a zero-width non-joiner between
    // each), every letter takes its wider isolated form. Without shaping both would be the same width.
    expect(measured.joined).toBeGreaterThan(20);
    expect(measured.joined).toBeLessThan(measured.apart * 0.9);
    expect(measured.joinedAr).toBeLessThan(measured.apartAr * 0.9);
  });

  it('lays the text out right to left: the first letter on the right', async () => {
    const edges = await page.evaluate(() => {
      const text = document.getElementById('persian')?.firstChild as Text;
      const box = (from: number) => {
        const range = document.createRange();
        range.setStart(text, from);
        range.setEnd(text, from + 1);
        return range.getBoundingClientRect();
      };
      return { first: box(0).left, last: box((text.textContent?.length ?? 1) - 1).left };
    });
    expect(edges.first).toBeGreaterThan(edges.last + 100);
  });

  it('prints a PDF whose Persian and Arabic text can be selected and copied', async () => {
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    const file = path.join(OUT, `arabic-script-${which}.pdf`);
    await fs.writeFile(file, pdf);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // Text, not pictures of text: the fonts are embedded and the page has text to select.
    expect(pdf.toString('latin1')).toMatch(/\/FontFile2?\b/);

    const pdftotext = await promisify(execFile)('pdftotext', ['-v']).then(
      () => true,
      () => false,
    );
    if (!pdftotext) return; // poppler-utils is not installed: the bytes above are all that can be checked
    const { stdout } = await promisify(execFile)('pdftotext', [file, '-']);
    const text = stdout.replace(BIDI_CONTROLS, '');
    expect(text).toContain(PERSIAN);
    expect(text).toContain(ARABIC);
    expect(text).toContain('Rabita CRM, 2026');
  });
});
