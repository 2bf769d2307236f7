import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * A package loaded on first use instead of when Rabita starts. Spreadsheets (exceljs), mail (imapflow,
 * mailparser, nodemailer), HTML (sanitize-html, html-to-text, markdown-it) and passkeys (@simplewebauthn) cost
 * a second or more to load together, and most processes — a worker, a test file, a server nobody exports from
 * yet — use few of them or none. Loading is synchronous (`require`), so a caller stays as it was; the first call
 * pays the load once. `T` is the package's type, as `typeof import('name')` or its default export's.
 */
export function lazyPackage<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= requireHere(name) as T;
    return loaded;
  };
}
