import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureWebApp, webAppBuilt } from './web.ts';

describe('ensureWebApp (npm start on a fresh clone)', () => {
  const dist = path.join(os.tmpdir(), `rabita-web-${process.pid}-${Date.now()}`);
  afterAll(() => fs.rm(dist, { recursive: true, force: true }));

  it('builds a missing web app once, as a production build, and leaves the caller’s NODE_ENV alone', async () => {
    const said: string[] = [];
    const log = { info: (msg: string) => void said.push(msg) };
    expect(webAppBuilt(dist)).toBe(false);
    const nodeEnv = process.env.NODE_ENV;
    await ensureWebApp(log, dist);
    expect(process.env.NODE_ENV).toBe(nodeEnv);
    expect(webAppBuilt(dist)).toBe(true);
    expect(said).toEqual(['building the web app (first start only)…']);
    const html = await fs.readFile(path.join(dist, 'index.html'), 'utf8');
    expect(html).toContain('<div id="root">');
    const react = (await fs.readdir(path.join(dist, 'assets'))).find((f) => /^react-.*\.js$/.test(f));
    expect(await fs.readFile(path.join(dist, 'assets', react as string), 'utf8')).toContain(
      'Minified React error',
    );
    // Already built: nothing to do.
    await ensureWebApp(log, dist);
    expect(said).toHaveLength(1);
  }, 120_000);
});
