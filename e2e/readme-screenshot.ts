// Takes the README's screenshot (docs/images/pipeline-fa.png): `rabita demo` into a fresh data folder, `rabita
// start` on a free port, then the demo admin's deals board in Persian, right to left, at 1280×800.
// Run: node e2e/readme-screenshot.ts
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { launchBrowser } from './browser.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'docs/images/pipeline-fa.png');
const CLI = path.join(ROOT, 'apps/cli/src/main.ts');

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

const data = await fs.mkdtemp(path.join(os.tmpdir(), 'rabita-readme-'));
const port = await freePort();
const env = { ...process.env, RABITA_DATA: data, PORT: String(port), LOG_LEVEL: 'warn' };
let server: ChildProcess | undefined;
try {
  await promisify(execFile)(process.execPath, [CLI, 'demo', '--size', 'S'], { env, cwd: ROOT });
  server = spawn(process.execPath, [CLI, 'start'], { env, cwd: ROOT, stdio: 'inherit' });
  const base = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 500) {
    if (
      await fetch(`${base}/api/v1/openapi.json`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (waited > 120_000) throw new Error('rabita start did not answer within two minutes');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  const browser = await launchBrowser();
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const call = async (method: string, url: string, body: unknown) => {
    const response = await page.request.fetch(`${base}/api/v1${url}`, { method, data: body });
    if (!response.ok()) throw new Error(`${method} ${url}: ${response.status()} ${await response.text()}`);
  };
  await call('POST', '/auth/sign-in', { email: 'demo@example.com', password: 'rabita-demo' });
  await call('PATCH', '/me', { locale: 'fa', calendar: 'persian' });
  await page.goto(`${base}/pipeline`);
  await page.getByTestId('stage-title').first().waitFor();
  await page.waitForLoadState('networkidle');
  if ((await page.evaluate(() => document.documentElement.dir)) !== 'rtl')
    throw new Error('the board is not right to left');
  await fs.mkdir(path.dirname(OUT), { recursive: true });
  await page.screenshot({ path: OUT });
  await browser.close();
  process.stdout.write(`Saved ${path.relative(ROOT, OUT)}.\n`);
} finally {
  server?.kill('SIGTERM');
  if (server && server.exitCode === null) await new Promise((resolve) => server?.once('exit', resolve));
  await fs.rm(data, { recursive: true, force: true });
}
