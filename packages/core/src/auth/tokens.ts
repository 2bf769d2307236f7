import { createHash, randomBytes } from 'node:crypto';

/** A fresh secret: a readable prefix naming its kind, then 256 random bits. */
export function newToken(prefix: 'rbs' | 'rbk' | 'rbi' | 'rbc' | 'rbd'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Secrets are stored only as their SHA-256: they carry 256 bits of entropy, so a slow hash adds nothing. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
