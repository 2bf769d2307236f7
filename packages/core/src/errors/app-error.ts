/**
 * Every error code a service may raise, with its HTTP status. The platform's common codes are here; each module
 * adds its own by augmenting this interface in its `<module>.errors.ts` and declares the same statuses in its
 * manifest (`errors`); `modules/index.ts` checks at compile time that every code is mapped, with its status, and
 * the HTTP edge reads the installed modules' map. Services never know HTTP: they throw a code.
 */
export interface ErrorStatuses {
  validation_failed: 400;
  unauthenticated: 401;
  forbidden: 403;
  not_found: 404;
  conflict: 409;
  rate_limited: 429;
}

export type AppErrorCode = keyof ErrorStatuses;

/** The common codes' statuses (modules' own come from their manifests). */
export const COMMON_ERROR_STATUSES = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
} as const;

export interface FieldProblem {
  /**
   * The offending field, or a dotted path inside the input (`email`, `records.3.phones`). Services never name the
   * part of the HTTP request; the edge adds it (`body.email`).
   */
  field: string;
  message: string;
}

/** A failure a caller can act on; services throw it, the HTTP edge renders it as problem+json. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly errors: FieldProblem[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: AppErrorCode,
    message: string,
    extra: { errors?: FieldProblem[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.errors = extra.errors;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
