import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactText, normalizeText, toAsciiDigits } from './normalize.ts';

describe('normalizeText', () => {
  it.each([
    ['علي', 'علی'],
    ['مصطفى', 'مصطفی'],
    ['كريم', 'کریم'],
    ['أحمد', 'احمد'],
    ['إسلام', 'اسلام'],
    ['آرش', 'ارش'],
    ['ٱلله', 'الله'],
    ['مؤمن', 'مومن'],
    ['هيئة', 'هییه'],
    ['فاطمة', 'فاطمه'],
    ['مُحَمَّد', 'محمد'],
    ['محـــمد', 'محمد'],
    ['۰۹۱۲۳۴۵۶۷۸۹', '09123456789'],
    ['٠١٢٣٤٥٦٧٨٩', '0123456789'],
    ['José ÁLVAREZ', 'jose alvarez'],
    ['  many   spaces ', 'many spaces'],
    ['می‌خواهم', 'میخواهم'],
  ])('folds %s to %s', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });

  it('makes Arabic and Persian spellings of one name equal', () => {
    expect(normalizeText('علي كريمي')).toBe(normalizeText('علی کریمی'));
    expect(normalizeText('فاطمة الزهراء')).toBe(normalizeText('فاطمه الزهراء'));
  });

  it('folds spaces and zero-width non-joiners inside words in the compact form', () => {
    expect(compactText('می خواهم')).toBe(compactText('می‌خواهم'));
    expect(compactText('می‌خواهم')).toBe(compactText('میخواهم'));
  });

  it('never throws, and is idempotent, on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const once = normalizeText(s);
        expect(normalizeText(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => typeof normalizeText(s) === 'string'));
  });

  it('agrees with a character-by-character model on text built from Arabic, Persian and Latin variants', () => {
    // The model: each character on its own either maps to one form, disappears, or stays (lower-cased).
    const model: Record<string, string> = {
      ي: 'ی',
      ى: 'ی',
      ئ: 'ی',
      ی: 'ی',
      ك: 'ک',
      ک: 'ک',
      أ: 'ا',
      إ: 'ا',
      آ: 'ا',
      ٱ: 'ا',
      ا: 'ا',
      ؤ: 'و',
      و: 'و',
      ة: 'ه',
      ه: 'ه',
      ۀ: 'ه',
      م: 'م',
      ح: 'ح',
      د: 'د',
      ر: 'ر',
      '\u064E': '',
      '\u064F': '',
      '\u0650': '',
      '\u0651': '',
      '\u0652': '',
      '\u064B': '',
      '\u0640': '',
      '\u200C': '',
      '\u200D': '',
      '\u200F': '',
      '\uFEFF': '',
      '۱': '1',
      '۹': '9',
      '٢': '2',
      '٠': '0',
      '5': '5',
      A: 'a',
      b: 'b',
      É: 'e',
      ü: 'u',
      Z: 'z',
    };
    const alphabet = [...Object.keys(model), ' '];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }), (chars) => {
        const expected = chars
          .map((c) => (c === ' ' ? ' ' : model[c]))
          .join('')
          .replace(/ +/g, ' ')
          .trim();
        expect(normalizeText(chars.join(''))).toBe(expected);
        expect(compactText(chars.join(''))).toBe(expected.replace(/ /g, ''));
      }),
      { numRuns: 3000 },
    );
  });

  it('converts digits only, leaving other text alone', () => {
    expect(toAsciiDigits('سفارش ۱۲ و ٣٤ and 56')).toBe('سفارش 12 و 34 and 56');
  });
});
