// The reports module's error codes and their HTTP statuses.

declare module '../errors/app-error.ts' {
  interface ErrorStatuses {
    report_timeout: 503;
  }
}

export const REPORTS_ERRORS = { report_timeout: 503 } as const;
