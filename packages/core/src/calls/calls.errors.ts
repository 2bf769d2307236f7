// The calls module's error codes and their HTTP statuses.

declare module '../errors/app-error.ts' {
  interface ErrorStatuses {
    calls_batch_too_large: 413;
    calls_cannot_originate: 409;
    calls_recording_unavailable: 502;
  }
}

export const CALLS_ERRORS = {
  calls_batch_too_large: 413,
  calls_cannot_originate: 409,
  calls_recording_unavailable: 502,
} as const;
