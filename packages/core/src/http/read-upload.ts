import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.ts';
import { unstorableText } from './route-kit.ts';

/**
 * The one file of a multipart upload (a part named `file`, the route having registered @fastify/multipart with its
 * size limit): its name (at most 255 characters, `attachment` when none), its declared type when well-formed
 * (`application/octet-stream` otherwise) and its bytes. Anything else is a 400 naming `file`, `tooLarge` saying the
 * limit.
 */
export async function readUpload(
  request: FastifyRequest,
  tooLarge: string,
): Promise<{ filename: string; contentType: string; content: Buffer }> {
  const refuse = (message: string) =>
    new AppError('validation_failed', message, { errors: [{ field: 'file', message }] });
  if (!request.isMultipart()) throw refuse('Send the file as multipart/form-data.');
  const part = await request.file().catch(() => {
    throw refuse('The upload is not a well-formed multipart form.');
  });
  if (part?.fieldname !== 'file') throw refuse('The form has no part named "file".');
  const content = await part.toBuffer().catch(() => {
    throw refuse(tooLarge);
  });
  if (part.file.truncated) throw refuse(tooLarge);
  const unstorable = unstorableText(part.filename ?? '');
  if (unstorable) throw refuse(`The file name: ${unstorable}`);
  return {
    filename: (part.filename || 'attachment').slice(0, 255),
    contentType: /^[\w.+-]+\/[\w.+-]+$/.test(part.mimetype) ? part.mimetype : 'application/octet-stream',
    content,
  };
}
