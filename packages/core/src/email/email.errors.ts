// The email module's error codes and their HTTP statuses.

declare module '../errors/app-error.ts' {
  interface ErrorStatuses {
    /** A mail server the request needed refused or failed (the message says which and why). */
    mail_server_failed: 502;
    /** A remote image of a message could not be fetched or is not an image Rabita shows (the message says why). */
    image_fetch_failed: 502;
    /** A remote image of a message is larger than the image proxy passes on. */
    image_too_large: 413;
  }
}

export const EMAIL_ERRORS = {
  mail_server_failed: 502,
  image_fetch_failed: 502,
  image_too_large: 413,
} as const;
