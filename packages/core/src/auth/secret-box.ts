import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// AES-256-GCM with a random 96-bit nonce per secret. The stored form is `v1.<nonce>.<ciphertext>.<tag>`
// (base64url), so a later key or algorithm can be told apart by its version. The key never touches the
// database: it comes from RABITA_SECRET_KEY or the data folder's `secret-key` file.

/** Encrypts and decrypts small secrets kept at rest (TOTP secrets today; any later secret the same way). */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

/** A box over a 32-byte key. */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('The secret key must be 32 bytes.');
  return {
    seal(plain) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', nonce, body, cipher.getAuthTag()]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    open(sealed) {
      const [version, nonce, body, tag] = sealed.split('.');
      if (version !== 'v1' || !nonce || body === undefined || !tag) throw new Error('Not a sealed secret.');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}

/** A box whose key is read (once) when first needed, so servers that never use it never look for one. */
export function lazySecretBox(loadKey: () => Promise<Buffer>): { get(): Promise<SecretBox> } {
  let box: Promise<SecretBox> | undefined;
  return {
    get() {
      box ??= loadKey().then(createSecretBox);
      box.catch(() => {
        box = undefined;
      });
      return box;
    },
  };
}
