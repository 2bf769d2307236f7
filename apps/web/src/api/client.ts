import createClient from 'openapi-fetch';
import type { paths } from './schema.gen.ts';

/** The typed API client: paths, parameters and bodies come from the server's OpenAPI document. */
export const client = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });

/** A problem document (RFC 9457) the API answered with. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: { field: string; message: string }[];
  constructor(
    status: number,
    body: { detail?: string; code?: string; errors?: { field: string; message: string }[] },
  ) {
    super(body.detail ?? `HTTP ${status}`);
    this.status = status;
    this.code = body.code ?? 'error';
    this.errors = body.errors ?? [];
  }
}

/** Unwraps an openapi-fetch answer: the data, or an ApiError. */
export async function call<T>(
  promise: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await promise;
  if (error !== undefined || !response.ok) throw new ApiError(response.status, (error ?? {}) as object);
  return data as T;
}

/** A record: flat JSON, standard and custom fields side by side. */
export type RecordData = Record<string, unknown> & { id: string };
