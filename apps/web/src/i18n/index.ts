import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { ar } from './ar.ts';
import { en } from './en.ts';
import { fa } from './fa.ts';

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

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, ar: { translation: ar }, fa: { translation: fa } },
  lng: browserLocale(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false }, // React escapes
});

/** Switches the language and flips the whole document's direction. */
export function applyLocale(locale: Locale): void {
  localStorage.setItem('rabita.locale', locale);
  document.documentElement.lang = locale;
  document.documentElement.dir = RTL.has(locale) ? 'rtl' : 'ltr';
  if (i18n.language !== locale) void i18n.changeLanguage(locale);
}

applyLocale(i18n.language as Locale);

export { i18n };
