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
 * `extraModules` names web manifests to build in beside the shipped ones (tests only; apps/web/vite.config.ts
 * refuses them for apps/web/dist); without them the build has none, whatever RABITA_WEB_EXTRA_MODULES says.
 */
export async function buildWebApp(
  outDir: string = WEB_DIST,
  options: { extraModules?: readonly string[] } = {},
): Promise<void> {
  const { build } = await import('vite');
  const before = {
    NODE_ENV: process.env.NODE_ENV,
    RABITA_WEB_EXTRA_MODULES: process.env.RABITA_WEB_EXTRA_MODULES,
  };
  process.env.NODE_ENV = 'production';
  process.env.RABITA_WEB_EXTRA_MODULES = (options.extraModules ?? []).join(path.delimiter);
  try {
    await build({
      root: WEB_ROOT,
      logLevel: 'warn',
      configFile: path.join(WEB_ROOT, 'vite.config.ts'),
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
