// The browser the tests drive, by the rule in packages/core/src/pdf/chromium.ts (CHROMIUM_PATH, else
// /usr/bin/chromium, else the Chromium inside @sparticuz/chromium).
import { type Browser, chromium, type Locator } from 'playwright-core';
import { findChromium } from '../packages/core/src/pdf/chromium.ts';

/**
 * Starts headless Chromium with the flags and environment the chosen browser needs; `bundled` takes the one inside
 * @sparticuz/chromium even where the machine has its own, so a machine with Debian's tests both.
 */
export async function launchBrowser(which: 'by-rule' | 'bundled' = 'by-rule'): Promise<Browser> {
  const found = await findChromium(
    which === 'bundled' ? { systemPath: null } : { configuredPath: process.env.CHROMIUM_PATH },
  );
  return chromium.launch({
    executablePath: found.executablePath,
    args: found.args,
    env: { ...(process.env as Record<string, string>), ...found.env },
  });
}

/**
 * Opens a menu by its button and chooses an item. A record page's side panels load one by one and move the
 * button while they do, so a click can land where the button was: the click is tried again until the menu opens.
 */
export async function chooseFromMenu(button: Locator, item: Locator, tries = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await button.click();
    try {
      await item.waitFor({ timeout: 3_000 });
      break;
    } catch (error) {
      if (attempt >= tries) throw error;
    }
  }
  await item.click();
}
