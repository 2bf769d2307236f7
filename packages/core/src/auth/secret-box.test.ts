import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secret-box.ts';
import { readOrCreateSecretKey } from './secret-key.ts';

describe('the secret box', () => {
  it('seals a secret so it reads back only with the same key, and never shows it', () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.seal('JBSWY3DPEHPK3PXP')).not.toBe(sealed);
    expect(box.open(sealed)).toBe('JBSWY3DPEHPK3PXP');
    expect(() => createSecretBox(randomBytes(32)).open(sealed)).toThrow();
    const [v, nonce, body, tag] = sealed.split('.');
    // The body's first character changed (its six bits are all data; a body that already ended in the characters
    // once put at its end read back unchanged, one run in 4,096).
    const first = body?.startsWith('A') ? 'B' : 'A';
    const tampered = [v, nonce, `${first}${body?.slice(1)}`, tag].join('.');
    expect(() => box.open(tampered)).toThrow();
  });

  it('keeps a key made on first use in the data folder, readable only by its owner', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rabita-key-'));
    try {
      const key = await readOrCreateSecretKey(dir);
      expect(key).toHaveLength(32);
      expect(await readOrCreateSecretKey(dir)).toEqual(key);
      expect((await fs.stat(path.join(dir, 'secret-key'))).mode & 0o777).toBe(0o600);
      await fs.writeFile(path.join(dir, 'secret-key'), 'nonsense');
      await expect(readOrCreateSecretKey(dir)).rejects.toThrow('64 hex digits');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
