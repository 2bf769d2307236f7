/** Languages the interface is translated into. */
export const LOCALES = ['en', 'ar', 'fa'] as const;
export type Locale = (typeof LOCALES)[number];

/** Calendars dates can be shown in (Intl calendar identifiers). */
export const CALENDARS = ['gregory', 'persian', 'islamic-umalqura'] as const;
export type Calendar = (typeof CALENDARS)[number];

/** Digit systems numbers can be shown in (Intl numbering systems). */
export const DIGITS = ['latn', 'arab', 'arabext'] as const;
export type Digits = (typeof DIGITS)[number];

/** Built-in roles every workspace starts with. */
export const ROLE_KEYS = ['admin', 'manager', 'member', 'agent', 'viewer'] as const;
export type RoleKey = (typeof ROLE_KEYS)[number];

/** True when the name is an IANA time zone this runtime knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const currencies = new Set(Intl.supportedValuesOf('currency'));

/** True for an ISO 3166-1 alpha-2 country code (upper case). */
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && code !== 'ZZ' && regionNames.of(code) !== undefined;
}

/** True for an ISO 4217 currency code this runtime knows (upper case). */
export function isCurrencyCode(code: string): boolean {
  return currencies.has(code);
}

/**
 * The digits after the point that amounts in a currency are kept to, as CLDR (through ICU) says: 2 for SAR, AED
 * and USD, 0 for IRR, IQD and JPY, 3 for KWD, BHD, OMR, JOD, TND and LYD. 2 for a code the runtime does not know.
 */
export function currencyDigits(code: string): number {
  if (!currencies.has(code)) return 2;
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
      .maximumFractionDigits ?? 2
  );
}
