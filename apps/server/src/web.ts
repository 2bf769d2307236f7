import fs from 'node:fs';
import path from 'node:path';

/** Where Vite writes the built web app, served by this server on the same port as the API. */
export const WEB_DIST = path.resolve(import.meta.dirname, '../../web/dist');
const WEB_ROOT = path.resolve(import.meta.dirname, '../../web');

export function webAppBuilt(): boolean {
  return fs.existsSync(path.join(WEB_DIST, 'index.html'));
}

/** Builds the web app when it has not been built yet (a fresh clone's first `npm start`). */
export async function ensureWebApp(log: { info: (msg: string) => void }): Promise<void> {
  if (webAppBuilt()) return;
  log.info('building the web app (first start only)…');
  const { build } = await import('vite');
  await build({ root: WEB_ROOT, logLevel: 'warn', configFile: path.join(WEB_ROOT, 'vite.config.ts') });
}
