#!/usr/bin/env node
// The `rabita` command. Rabita runs its TypeScript directly on the Node.js it pins (24, a dev dependency);
// on an older Node this re-runs itself on the pinned one.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(here, '../src/main.ts');

if (process.features.typescript) {
  await import(entry);
} else {
  const pinned = path.join(here, '../../../node_modules/.bin/node');
  if (!existsSync(pinned)) {
    process.stderr.write(
      `Rabita needs Node.js 24 (found ${process.version}); run \`npm install\` in the Rabita folder to fetch it.\n`,
    );
    process.exit(1);
  }
  // The server runs with V8's old space capped, as `npm start` runs it (docs/ARCHITECTURE.md, "Runtime").
  const args = process.argv.slice(2);
  const heap = args[0] === 'start' ? ['--max-old-space-size=384'] : [];
  const child = spawn(pinned, [...heap, entry, ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
