import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';

export type Locale = 'en' | 'ar' | 'fa';
export const LOCALES: Locale[] = ['en', 'ar', 'fa'];
export const RTL: ReadonlySet<Locale> = new Set(['ar', 'fa']);

/** Whether a value the server sent as text is one of our languages. */
export function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'ar' || value === 'fa';
}

/** The language the browser prefers, among ours, before the user's own setting is known. */
function browserLocale(): Locale {
  const stored = localStorage.getItem('rabita.locale');
  if (stored === 'en' || stored === 'ar' || stored === 'fa') return stored;
  const lang = navigator.language.slice(0, 2);
  return lang === 'ar' || lang === 'fa' ? lang : 'en';
}

// English is in the first load (every other language falls back to it); Arabic and Persian are chunks of their own,
// fetched when chosen, so the first screen carries one dictionary rather than three.
const LOADERS: Record<Exclude<Locale, 'en'>, () => Promise<Record<string, unknown>>> = {
  ar: async () => (await import('./ar.ts')).ar,
  fa: async () => (await import('./fa.ts')).fa,
};

/** Fetches a language's dictionary once (English is always there). */
async function loadLocale(locale: Locale): Promise<void> {
  if (locale === 'en' || i18n.hasResourceBundle(locale, 'translation')) return;
  i18n.addResourceBundle(locale, 'translation', await LOADERS[locale](), true, true);
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en } },
  lng: 'en',
  fallbackLng: 'en',
  interpolation: { escapeValue: false }, // React escapes
});

let applying: Promise<void> = Promise.resolve();

/**
 * Switches the language — its dictionary fetched first, so no screen shows English in between — and flips the whole
 * document's direction with it. Calls are taken in order: the last one wins.
 */
export function applyLocale(locale: Locale): Promise<void> {
  localStorage.setItem('rabita.locale', locale);
  applying = applying.then(async () => {
    await loadLocale(locale).catch(() => undefined); // offline: the English fallback rather than no screen
    document.documentElement.lang = locale;
    document.documentElement.dir = RTL.has(locale) ? 'rtl' : 'ltr';
    if (i18n.language !== locale) await i18n.changeLanguage(locale);
  });
  return applying;
}

/** Settles once the browser's language is ready: the app renders its first screen after it. */
export const localeReady: Promise<void> = applyLocale(browserLocale());

export { i18n };
