import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromiumNotFoundError, findChromium } from './chromium.ts';

describe('findChromium', () => {
  let scratch: string;
  let missing: string;
  beforeAll(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'rabita-chromium-test-'));
    missing = path.join(scratch, 'no-browser-here');
  });
  afterAll(async () => {
    await fs.rm(scratch, { recursive: true, force: true });
  });

  it('takes CHROMIUM_PATH first, with the flags every launch needs', async () => {
    // Any executable stands in for a browser: only the choice is under test here.
    const found = await findChromium({ configuredPath: process.execPath, systemPath: missing });
    expect(found).toMatchObject({ source: 'configured', executablePath: process.execPath, env: {} });
    expect(found.args).toEqual(expect.arrayContaining(['--no-sandbox', '--disable-background-networking']));
  });

  it('refuses a CHROMIUM_PATH with no program there instead of quietly taking another browser', async () => {
    const attempt = findChromium({ configuredPath: missing, systemPath: process.execPath });
    await expect(attempt).rejects.toBeInstanceOf(ChromiumNotFoundError);
    await expect(attempt).rejects.toThrow(`CHROMIUM_PATH is ${missing}, but no program is there`);
  });

  it('takes the machine’s Chromium when CHROMIUM_PATH is not set', async () => {
    const found = await findChromium({ configuredPath: ' ', systemPath: process.execPath });
    expect(found).toMatchObject({ source: 'system', executablePath: process.execPath, env: {} });
  });

  it('says what to do when there is no browser at all', async () => {
    const attempt = findChromium({ systemPath: missing, bundledPackageDir: null });
    await expect(attempt).rejects.toBeInstanceOf(ChromiumNotFoundError);
    await expect(attempt).rejects.toThrow(/Set CHROMIUM_PATH .* apt-get install chromium/);
  });

  it.runIf(process.platform === 'linux' && process.arch === 'x64')(
    'unpacks the Chromium inside @sparticuz/chromium once, even when two callers start together, and it runs',
    async () => {
      const cacheDir = path.join(scratch, 'cache');
      await fs.mkdir(cacheDir);
      const [first, second] = await Promise.all([
        findChromium({ systemPath: missing, cacheDir }),
        findChromium({ systemPath: missing, cacheDir }),
      ]);
      expect(first?.source).toBe('bundled');
      expect(second?.executablePath).toBe(first?.executablePath);
      expect(path.dirname(first?.executablePath ?? '')).toMatch(/rabita-chromium-\d+\.\d+\.\d+$/);
      // Only the finished folder is left: each caller's own staging folder is gone.
      expect(await fs.readdir(cacheDir)).toHaveLength(1);

      const { stdout } = await promisify(execFile)(first?.executablePath ?? '', ['--version'], {
        env: { ...process.env, ...first?.env },
      });
      expect(stdout).toMatch(/^Chromium \d+/);
      const fonts = await fs.readFile(first?.env.FONTCONFIG_FILE ?? '', 'utf8');
      expect(fonts).toContain('vazirmatn');
      expect(fonts).not.toContain('/usr/share/fonts');

      // A later call finds it unpacked; one whose binary a temp cleaner took unpacks it again.
      await fs.rm(first?.executablePath ?? '');
      const again = await findChromium({ systemPath: missing, cacheDir });
      expect((await fs.stat(again.executablePath)).size).toBeGreaterThan(50_000_000);
    },
    120_000,
  );
});
