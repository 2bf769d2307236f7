import type { FastifyReply } from 'fastify';

/**
 * `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): a plain fallback name for old clients and the real
 * one, Persian and Arabic names included, percent-encoded.
 */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Sends a stored file as a download that no shared cache keeps (a caller's export, attachment or report). */
export function sendAttachment(
  reply: FastifyReply,
  file: { file: Buffer | string; filename: string; contentType: string },
): FastifyReply {
  return reply
    .type(file.contentType)
    .header('content-disposition', contentDisposition('attachment', file.filename))
    .header('cache-control', 'private, no-store')
    .send(file.file);
}
