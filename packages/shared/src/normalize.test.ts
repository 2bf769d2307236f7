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
    ['هيئة', 'هیبه'.replace('ب', 'ی').replace('یه', 'یه')],
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

  it('converts digits only, leaving other text alone', () => {
    expect(toAsciiDigits('سفارش ۱۲ و ٣٤ and 56')).toBe('سفارش 12 و 34 and 56');
  });
});
