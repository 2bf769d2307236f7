import type { FastifyHelmetOptions } from '@fastify/helmet';

/**
 * The web app's Content-Security-Policy: everything from Rabita's own origin, nothing may frame it. Styles allow
 * 'unsafe-inline' because Mantine writes its CSS variables into a <style> element at run time and React renders
 * `style` attributes, which no nonce can cover; scripts, the real risk, stay 'self' only. Images may be data: and
 * blob: URLs (QR codes, previews of a file being uploaded).
 */
export function contentSecurityPolicy(https: boolean): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    ...(https ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

/** The API docs page (Swagger UI): the same, with its inline styles and data: images, and no validator badge. */
export const DOCS_CSP: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Security headers on every answer: the CSP above, X-Frame-Options DENY for browsers without frame-ancestors,
 * nosniff, no referrer (record addresses stay inside Rabita), and HSTS when the public address is https.
 */
export function helmetOptions(https: boolean): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(https) },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https ? { maxAge: 63_072_000, includeSubDomains: false } : false,
  };
}
