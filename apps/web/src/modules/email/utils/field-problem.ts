import { ApiError } from '../../../api/client.ts';

/** A problem's field without the part of the request it was in (`body.imap.host` → `imap.host`). */
const pathOf = (field: string) => field.replace(/^(body|querystring|params)\./, '');

/**
 * The server's problem for one input: the field itself or anything inside it (`to` also takes `body.to.3`, an
 * address of the list), each name tried in turn.
 */
export function problemFor(error: unknown, ...fields: string[]): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  for (const field of fields) {
    const found = error.errors.find((e) => {
      const path = pathOf(e.field);
      return path === field || path.startsWith(`${field}.`);
    });
    if (found) return found.message;
  }
  return undefined;
}

/** Whether every problem the server named is shown under one of these inputs (no sentence above the buttons then). */
export function allPlaced(error: unknown, fields: readonly string[]): boolean {
  if (!(error instanceof ApiError) || error.errors.length === 0) return false;
  return error.errors.every((e) => problemFor(new ApiError(400, { errors: [e] }), ...fields) !== undefined);
}

/**
 * Mantine's light error red (red.6) is below WCAG AA contrast on white for an invalid input's text and the words
 * under it; the forms here use red.8, which is not.
 */
export const READABLE_ERRORS = { '--mantine-color-error': 'var(--mantine-color-red-8)' } as const;
