/**
 * Every error a service may raise, by stable code. The HTTP edge maps each code to a status in
 * one exhaustive switch (apps/server/src/plugins/problem.ts), so a new code nobody maps fails to compile.
 */
export type AppErrorCode =
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid_credentials'
  | 'rate_limited'
  | 'signup_closed'
  | 'invitation_invalid'
  | 'email_taken'
  | 'file_too_large';

export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `body.email`. */
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
