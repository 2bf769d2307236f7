import { AppError, unstorableText } from '@rabita/core';
import type { FastifyInstance } from 'fastify';

const MAX_DEPTH = 64;

/** The first string (a key or a value) in `value` PostgreSQL cannot store, with where it is, or undefined. */
function findUnstorable(
  value: unknown,
  path: string,
  depth = 0,
): { field: string; message: string } | undefined {
  if (typeof value === 'string') {
    const problem = unstorableText(value);
    return problem ? { field: path, message: problem } : undefined;
  }
  // Deeper input is refused by the schemas and the filter compiler; walking it would only cost time.
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnstorable(item, `${path}.${i}`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const keyProblem = unstorableText(key);
    if (keyProblem) return { field: `${path}.${key.replace(/[^\p{L}\p{N}_-]/gu, '?')}`, message: keyProblem };
    const found = findUnstorable(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Refuses, before any schema or service sees them, path parameters, query parameters and JSON bodies holding text
 * PostgreSQL cannot store: NUL characters (text and jsonb refuse them) and ill-formed UTF-16 (a lone surrogate,
 * which the driver would silently turn into U+FFFD). Multipart parts are not parsed yet here: the route that reads them checks them.
 */
export function registerStorableTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const found =
      findUnstorable(request.params, 'params') ??
      findUnstorable(request.query, 'querystring') ??
      findUnstorable(request.body, 'body');
    if (found)
      throw new AppError('validation_failed', `The request has 1 invalid field: ${found.field}.`, {
        errors: [found],
      });
  });
}
