// Text normalisation for search and matching, applied alike to stored text and to queries, so that the
// many ways Arabic and Persian (and Latin) text is typed compare equal.

const LETTER_MAP: Record<string, string> = {
  '\u064A': '\u06CC', // ي Arabic yeh → ی Persian yeh
  '\u0649': '\u06CC', // ى alef maksura → ی
  '\u0626': '\u06CC', // ئ yeh with hamza → ی
  '\u0643': '\u06A9', // ك Arabic kaf → ک Persian keheh
  '\u0623': '\u0627', // أ → ا
  '\u0625': '\u0627', // إ → ا
  '\u0622': '\u0627', // آ → ا
  '\u0671': '\u0627', // ٱ alef wasla → ا
  '\u0624': '\u0648', // ؤ → و
  '\u0629': '\u0647', // ة teh marbuta → ه
  '\u06C0': '\u0647', // ۀ heh with yeh above → ه
  '\u06D5': '\u0647', // ە ae → ه
};

// Tashkeel and Quranic marks, superscript alef, tatweel, Latin combining accents.
const MARKS = /[\u0300-\u036F\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]/g;
// Zero-width joiners/non-joiners, bidi marks and embeddings, BOM, soft hyphen.
const INVISIBLES = /[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF\u00AD]/g;
const LETTERS = new RegExp(`[${Object.keys(LETTER_MAP).join('')}]`, 'g');
const PERSIAN_DIGITS = /[\u06F0-\u06F9]/g;
const ARABIC_DIGITS = /[\u0660-\u0669]/g;

/** Converts Persian (۰–۹) and Arabic-Indic (٠–٩) digits to ASCII. */
export function toAsciiDigits(text: string): string {
  return text
    .replace(PERSIAN_DIGITS, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(ARABIC_DIGITS, (d) => String(d.charCodeAt(0) - 0x0660));
}

/**
 * Folds text for search: compatibility forms decomposed, accents, tashkeel and tatweel removed, Arabic
 * letter variants mapped to one form (ي/ى/ئ→ی, ك→ک, أ/إ/آ/ٱ→ا, ؤ→و, ة→ه), zero-width characters removed,
 * digits made ASCII, Latin lower-cased, runs of space collapsed. Idempotent.
 */
export function normalizeText(text: string): string {
  return toAsciiDigits(
    text
      .normalize('NFKD')
      .replace(MARKS, '')
      .replace(INVISIBLES, '')
      .normalize('NFC')
      .replace(LETTERS, (c) => LETTER_MAP[c] ?? c),
  )
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim();
}

/** The normalised text with every space removed, so "می خواهم", "می‌خواهم" and "میخواهم" compare equal. */
export function compactText(text: string): string {
  return normalizeText(text).replace(/ /g, '');
}
