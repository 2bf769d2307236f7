import type { Locale } from '../../../i18n/index.ts';

/** A wrap-up code's labels per language, as the server sends them (some, all or none of the app's languages). */
export type WrapUpLabels = Partial<Record<Locale, string>>;

/**
 * A wrap-up code's words for a reader: its label in the reader's language when it has one, else its default label,
 * else the code itself (its list no longer holds it). The server sends every language: it knows the reader's role,
 * not their language.
 */
export function wrapUpLabelIn(
  locale: Locale,
  code: { code: string; label?: string | null | undefined; labels?: WrapUpLabels | null | undefined },
): string {
  const own = code.labels?.[locale];
  if (typeof own === 'string' && own !== '') return own;
  return code.label ? code.label : code.code;
}
