// Which Chromium Rabita drives, and how to start it: the browser tests use it now, PDF rendering will.
// The rule: CHROMIUM_PATH when it is set, else Debian's /usr/bin/chromium when it is there, else the Chromium that
// the @sparticuz/chromium npm package carries inside itself (Linux x64), unpacked once into the temp folder with
// its own NSS libraries and a font setup of npm-shipped fonts (Open Sans, Vazirmatn), so `npm install`
// alone is enough to render English, Arabic and Persian.
import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/** Where Debian (and Ubuntu's chromium package) put the browser. */
export const SYSTEM_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags every launch needs: no sandbox (the tests and the server may run as root), no GPU, and no calls home
 * (a closed network refuses them, many at a time, at every start).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export interface ChromiumLaunch {
  /** Which rule found it: CHROMIUM_PATH, /usr/bin/chromium, or the one inside @sparticuz/chromium. */
  source: 'configured' | 'system' | 'bundled';
  executablePath: string;
  /** Command-line flags for the launch. */
  args: string[];
  /** Variables to add to the browser's environment (the caller's own environment merged under them). */
  env: Record<string, string>;
}

/** No browser could be found; the message says what to do. */
export class ChromiumNotFoundError extends Error {
  override readonly name = 'ChromiumNotFoundError';
}

export interface FindChromiumOptions {
  /** CHROMIUM_PATH as the caller's configuration read it (empty or undefined: not set). */
  configuredPath?: string | undefined;
  /** Where the machine's own Chromium is looked for (null: skip it, to test the bundled one where both are). */
  systemPath?: string | null;
  /** The folder the bundled browser is unpacked into (default: the system's temp folder). */
  cacheDir?: string;
  /** The @sparticuz/chromium package's folder (default: resolved from node_modules; null: as if not installed). */
  bundledPackageDir?: string | null;
}

const isExecutable = (file: string) =>
  fs.access(file, constants.X_OK).then(
    () => fs.stat(file).then((s) => s.isFile()),
    () => false,
  );

/** Finds the Chromium to drive, by the rule above; unpacks the bundled one the first time it is needed. */
export async function findChromium(options: FindChromiumOptions = {}): Promise<ChromiumLaunch> {
  const configured = options.configuredPath?.trim();
  if (configured) {
    if (!(await isExecutable(configured)))
      throw new ChromiumNotFoundError(
        `CHROMIUM_PATH is ${configured}, but no program is there: point it at a Chromium or Chrome executable, or unset it to use ${SYSTEM_CHROMIUM_PATH} or the Chromium inside @sparticuz/chromium.`,
      );
    return { source: 'configured', executablePath: configured, args: [...CHROMIUM_ARGS], env: {} };
  }
  const systemPath = options.systemPath === undefined ? SYSTEM_CHROMIUM_PATH : options.systemPath;
  if (systemPath !== null && (await isExecutable(systemPath)))
    return { source: 'system', executablePath: systemPath, args: [...CHROMIUM_ARGS], env: {} };

  const packageDir =
    options.bundledPackageDir === undefined ? bundledPackageDir() : options.bundledPackageDir;
  const notFound = (why: string) =>
    new ChromiumNotFoundError(
      `No Chromium found: ${why}. Set CHROMIUM_PATH to a Chromium or Chrome executable, or install one at ${SYSTEM_CHROMIUM_PATH} (Debian and Ubuntu: apt-get install chromium).`,
    );
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw notFound(
      `${systemPath ?? 'the machine’s Chromium'} is not there, and the Chromium inside @sparticuz/chromium runs on Linux x64 only (this is ${process.platform} ${process.arch})`,
    );
  if (packageDir === null)
    throw notFound(
      `${systemPath ?? 'the machine’s Chromium'} is not there, and @sparticuz/chromium is not installed (npm install brings it)`,
    );
  const dir = await unpackBundled(packageDir, options.cacheDir ?? os.tmpdir());
  return {
    source: 'bundled',
    executablePath: path.join(dir, 'chromium'),
    args: [...CHROMIUM_ARGS],
    env: {
      // The NSS and expat libraries the binary links to, in case the machine has none (a slim container).
      LD_LIBRARY_PATH: path.join(dir, 'lib'),
      FONTCONFIG_FILE: await writeFontConfig(dir),
    },
  };
}

/** The installed @sparticuz/chromium's folder, or null when it is not installed. */
function bundledPackageDir(): string | null {
  try {
    // The package exports only its entry point (build/index.js); its binaries sit in bin/ beside build/.
    return path.resolve(path.dirname(fileURLToPath(import.meta.resolve('@sparticuz/chromium'))), '..');
  } catch {
    return null;
  }
}

/**
 * Unpacks the package's brotli'd browser, fonts and libraries into `<cacheDir>/rabita-chromium-<version>` once.
 * Each process unpacks into a folder of its own and renames it into place, so processes starting together never
 * run a half-written binary; a folder left incomplete (a temp cleaner took files) is unpacked again.
 */
async function unpackBundled(packageDir: string, cacheDir: string): Promise<string> {
  const { version } = JSON.parse(await fs.readFile(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const target = path.join(cacheDir, `rabita-chromium-${version}`);
  const complete = async () =>
    (await isExecutable(path.join(target, 'chromium'))) &&
    (await fs.access(path.join(target, 'lib', 'libnss3.so')).then(
      () => true,
      () => false,
    ));
  if (await complete()) return target;
  await fs.rm(target, { recursive: true, force: true });

  const bin = path.join(packageDir, 'bin');
  const staging = `${target}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await fs.mkdir(staging, { recursive: true });
  try {
    await pipeline(
      createReadStream(path.join(bin, 'chromium.br')),
      zlib.createBrotliDecompress(),
      createWriteStream(path.join(staging, 'chromium'), { mode: 0o755 }),
    );
    const brotli = promisify(zlib.brotliDecompress);
    // fonts/Open_Sans/*.ttf (its fonts.conf is replaced by ours), and lib/*.so: NSS, NSPR and expat.
    for (const archive of ['fonts.tar.br', 'al2023.tar.br'])
      await extractTar(await brotli(await fs.readFile(path.join(bin, archive))), staging);
    await fs.rename(staging, target);
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    if (await complete()) return target; // another process finished first
    throw error;
  }
  return target;
}

/** Extracts a plain ustar archive (regular files and folders, all the package's archives hold). */
async function extractTar(tar: Buffer, into: string): Promise<void> {
  const text = (start: number, length: number) =>
    tar
      .subarray(start, start + length)
      .toString('utf8')
      .replace(/\0.*$/s, '');
  for (let offset = 0; offset + 512 <= tar.length; ) {
    if (tar.subarray(offset, offset + 512).every((b) => b === 0)) break;
    const name = [text(offset + 345, 155), text(offset + 0, 100)].filter(Boolean).join('/');
    const size = Number.parseInt(text(offset + 124, 12).trim() || '0', 8);
    const mode = Number.parseInt(text(offset + 100, 8).trim() || '644', 8);
    const type = text(offset + 156, 1) || '0';
    const destination = path.resolve(into, name);
    if (!destination.startsWith(into + path.sep))
      throw new Error(`The archive entry ${name} would land outside ${into}.`);
    if (type === '5') await fs.mkdir(destination, { recursive: true });
    else if (type === '0') {
      await fs.mkdir(path.dirname(destination), { recursive: true });
      await fs.writeFile(destination, tar.subarray(offset + 512, offset + 512 + size), { mode });
    } else if (type !== 'x' && type !== 'g')
      throw new Error(`The archive entry ${name} is of a kind not expected here (${type}).`);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
}

/**
 * The bundled browser's fonts: the package's Open Sans and Vazirmatn (Arabic and Persian; its text copies out of a PDF whole),
 * and nothing of the machine's, so it renders alike everywhere. The file names the font package's folder, which
 * differs between checkouts sharing one temp folder, so it is named by its content.
 */
async function writeFontConfig(dir: string): Promise<string> {
  const dirs = [path.join(dir, 'fonts')];
  try {
    dirs.push(
      path.dirname(createRequire(import.meta.url).resolve('@expo-google-fonts/vazirmatn/package.json')),
    );
  } catch {
    // Without the font package Arabic script would show as blanks: the tests that check it say so.
  }
  const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const xml = `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
${dirs.map((d) => `  <dir>${xmlText(d)}</dir>`).join('\n')}
  <cachedir>${xmlText(path.join(dir, 'fontconfig-cache'))}</cachedir>
</fontconfig>
`;
  const file = path.join(dir, `fonts-${createHash('sha256').update(xml).digest('hex').slice(0, 12)}.conf`);
  const staged = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await fs.writeFile(staged, xml);
  await fs.rename(staged, file);
  return file;
}
