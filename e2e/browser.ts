// The browser the tests drive, by the rule in packages/core/src/pdf/chromium.ts (CHROMIUM_PATH, else
// /usr/bin/chromium, else the Chromium inside @sparticuz/chromium).
import { type Browser, chromium, type Locator } from 'playwright-core';
import { findChromium } from '../packages/core/src/pdf/chromium.ts';

/**
 * The browser a test takes when it names none: the rule's, or with `RABITA_TEST_BROWSER=bundled` the one inside
 * @sparticuz/chromium. That one is a headless shell, without the full browser Debian's runs headless: the same
 * screens cost it about a fifth less CPU, and `.ci/run` drives the screens with it (ARCHITECTURE.md, "CI: what runs
 * where"). Tests that are about the browser itself (Arabic script, PDFs) name theirs.
 */
const DEFAULT_BROWSER = process.env.RABITA_TEST_BROWSER === 'bundled' ? 'bundled' : 'by-rule';

/**
 * Starts headless Chromium with the flags and environment the chosen browser needs; `bundled` takes the one inside
 * @sparticuz/chromium even where the machine has its own, so a machine with Debian's tests both.
 */
export async function launchBrowser(which: 'by-rule' | 'bundled' = DEFAULT_BROWSER): Promise<Browser> {
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
 * Does `act` until `shown` is visible. A record page's panels load one by one and move what is under them while they
 * do, so a click can land where a button was (or keys go to a field that is being replaced): the act is tried again.
 */
export async function actUntilShown(act: () => Promise<void>, shown: Locator, tries = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    // What a slow page showed late is not undone by acting again (a second click would close a menu).
    if (attempt > 1 && (await shown.isVisible())) return;
    await act();
    try {
      await shown.waitFor({ timeout: 4_000 });
      return;
    } catch (error) {
      if (attempt >= tries) throw error;
    }
  }
}

/** Opens a menu by its button and chooses an item, the click tried again until the menu opens. */
export async function chooseFromMenu(button: Locator, item: Locator, tries = 5): Promise<void> {
  await actUntilShown(() => button.click(), item, tries);
  await item.click();
}
