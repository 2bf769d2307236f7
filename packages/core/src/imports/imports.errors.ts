// The imports module's error codes and their HTTP statuses.

declare module '../errors/app-error.ts' {
  interface ErrorStatuses {
    file_too_large: 413;
  }
}

export const IMPORTS_ERRORS = { file_too_large: 413 } as const;
