// Text whose direction follows what is typed in it (a Persian subject in an English form, or the reverse). Mantine
// puts an input's `dir` on the element around it, where `dir="auto"` reads no value and resolves to left-to-right;
// `unicode-bidi: plaintext` on the input itself sets each line's direction (and alignment) by its first letters.

/** Styles for an input or textarea whose lines take their direction from their own text. */
export const OWN_DIRECTION = { input: { unicodeBidi: 'plaintext' } } as const;

/** The same, in a fixed-width font, for HTML being written. */
export const OWN_DIRECTION_CODE = {
  input: { unicodeBidi: 'plaintext', fontFamily: 'var(--mantine-font-family-monospace)' },
} as const;
