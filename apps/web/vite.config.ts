import fs from 'node:fs';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const EXTRA_MODULES = 'virtual:rabita-extra-web-modules';

/**
 * Web modules built in beside the shipped ones, for tests only. `RABITA_WEB_EXTRA_MODULES` names manifest files
 * (each exporting its `WebModule` as default; several separated by the platform's path delimiter); unset, as for
 * every shipped build, `virtual:rabita-extra-web-modules` is an empty list. A build with extra modules must go to a
 * folder of its own: apps/web/dist is what the server serves, so a build there refuses them.
 */
function extraWebModules(setting: string | undefined): Plugin {
  const files = (setting ?? '')
    .split(path.delimiter)
    .map((f) => f.trim())
    .filter((f) => f !== '')
    .map((f) => path.resolve(f));
  for (const file of files)
    if (!fs.existsSync(file))
      throw new Error(`RABITA_WEB_EXTRA_MODULES names ${file}, which does not exist.`);
  const resolved = `\0${EXTRA_MODULES}`;
  return {
    name: 'rabita-extra-web-modules',
    configResolved(config) {
      const shipped = path.resolve(config.root, 'dist');
      if (
        files.length > 0 &&
        config.command === 'build' &&
        path.resolve(config.root, config.build.outDir) === shipped
      )
        throw new Error(
          `RABITA_WEB_EXTRA_MODULES is set: a build with extra web modules goes to another folder (build.outDir), never ${shipped}, which the server ships.`,
        );
    },
    resolveId: (id) => (id === EXTRA_MODULES ? resolved : undefined),
    load(id) {
      if (id !== resolved) return undefined;
      const imports = files.map((file, i) => `import m${i} from ${JSON.stringify(file)};`);
      return `${imports.join('\n')}\nexport default [${files.map((_, i) => `m${i}`).join(', ')}];\n`;
    },
  };
}

// The built app is served by the Rabita server from apps/web/dist on the same port as the API.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), extraWebModules(process.env.RABITA_WEB_EXTRA_MODULES)],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/@mantine') || id.includes('node_modules/@floating-ui'))
            return 'mantine';
          if (id.includes('node_modules/react') || id.includes('node_modules/scheduler')) return 'react';
          if (id.includes('node_modules/@tanstack')) return 'tanstack';
          if (id.includes('node_modules/i18next') || id.includes('node_modules/react-i18next')) return 'i18n';
          return undefined;
        },
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
