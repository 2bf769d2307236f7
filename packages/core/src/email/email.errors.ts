// The email module's error codes and their HTTP statuses.

declare module '../errors/app-error.ts' {
  interface ErrorStatuses {
    /** A mail server the request needed refused or failed (the message says which and why). */
    mail_server_failed: 502;
  }
}

export const EMAIL_ERRORS = { mail_server_failed: 502 } as const;
