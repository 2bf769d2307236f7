import fs from 'node:fs';
import path from 'node:path';

/** Where Vite writes the built web app, served by this server on the same port as the API. */
export const WEB_DIST = path.resolve(import.meta.dirname, '../../web/dist');
const WEB_ROOT = path.resolve(import.meta.dirname, '../../web');

export function webAppBuilt(dist: string = WEB_DIST): boolean {
  return fs.existsSync(path.join(dist, 'index.html'));
}

/** Builds the web app when it has not been built yet (a fresh clone's first `npm start`). */
export async function ensureWebApp(
  log: { info: (msg: string) => void },
  dist: string = WEB_DIST,
): Promise<void> {
  if (webAppBuilt(dist)) return;
  log.info('building the web app (first start only)…');
  await buildWebApp(dist);
}

/**
 * A production build with Vite, whatever NODE_ENV the caller runs under: Vite lets an inherited NODE_ENV (`test`
 * under vitest) pick React's development build, twice the size and slower, which the server would then serve.
 */
export async function buildWebApp(outDir: string = WEB_DIST): Promise<void> {
  const { build } = await import('vite');
  const before = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: WEB_ROOT,
      logLevel: 'warn',
      configFile: path.join(WEB_ROOT, 'vite.config.ts'),
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    if (before === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = before;
  }
}
