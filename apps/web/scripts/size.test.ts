// The built app (apps/web/dist, built by the test run's global setup) is a production build whose first screen
// stays under the first-load budget in docs/PERFORMANCE.md.
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const DIST = path.resolve(import.meta.dirname, '../dist');
const BUDGET = 350 * 1024;

describe('the built web app', () => {
  it('loads under 350 KB of gzip JavaScript on the first screen, with React’s production build', async () => {
    const html = await fs.readFile(path.join(DIST, 'index.html'), 'utf8');
    // The entry script and the chunks it preloads: what the browser fetches before the first screen.
    const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1] as string);
    expect(initial.length).toBeGreaterThan(1);
    let gzip = 0;
    let text = '';
    for (const file of initial) {
      const code = await fs.readFile(path.join(DIST, file));
      gzip += gzipSync(code, { level: 9 }).length;
      text += code.toString('utf8');
    }
    // Only React's production build replaces its messages with error codes (a NODE_ENV other than
    // `production` during the build would ship the development one, twice the size).
    expect(text.includes('Minified React error')).toBe(true);
    expect(gzip).toBeLessThan(BUDGET);
  });

  it('splits the screens into chunks of their own, loaded when first visited', async () => {
    const html = await fs.readFile(path.join(DIST, 'index.html'), 'utf8');
    const assets = await fs.readdir(path.join(DIST, 'assets'));
    for (const screen of ['ListPage', 'RecordPage', 'KanbanPage', 'SettingsPage']) {
      const chunk = assets.find((a) => a.startsWith(`${screen}-`) && a.endsWith('.js'));
      expect(chunk, screen).toBeDefined();
      expect(html.includes(chunk as string), `${screen} is not in the first load`).toBe(false);
    }
  });
});
