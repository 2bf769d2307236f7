import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * The key that encrypts secrets at rest when RABITA_SECRET_KEY is not set: `<dataDir>/secret-key` (32 random
 * bytes as hex, mode 0600), made on first use. It lives beside the database, not in it, so a database dump alone
 * does not open the secrets; servers sharing one external database must share this key (set RABITA_SECRET_KEY).
 */
export async function readOrCreateSecretKey(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, 'secret-key');
  try {
    return parseKey(await fs.readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await fs.mkdir(dataDir, { recursive: true });
  try {
    // `wx`: two processes starting at once do not both write a key; the second reads the first's.
    await fs.writeFile(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return parseKey(await fs.readFile(file, 'utf8'), file);
}

function parseKey(text: string, file: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error(`${file} does not hold a 32-byte key as 64 hex digits.`);
  return Buffer.from(hex, 'hex');
}
