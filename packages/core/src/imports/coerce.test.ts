import { describe, expect, it } from 'vitest';
import type { FieldDef } from '../metadata/metadata.types.ts';
import { coerceCell, readDate, readNumber, toGregorian } from './coerce.ts';
import { suggestMapping } from './mapping.ts';
import { detectDelimiter, detectEncoding } from './sources.ts';

const field = (type: FieldDef['type'], extra: Partial<FieldDef> = {}): FieldDef => ({
  key: 'f',
  type,
  labels: { en: 'F' },
  custom: true,
  required: false,
  unique: false,
  searchable: false,
  ...extra,
});

describe('reading cells', () => {
  it('converts Jalali and Umm al-Qura dates to Gregorian, and refuses days that do not exist', () => {
    expect(toGregorian('persian', 1403, 1, 1)).toBe('2024-03-20');
    expect(toGregorian('persian', 1403, 12, 30)).toBe('2025-03-20'); // 1403 is a leap year
    expect(toGregorian('persian', 1402, 12, 30)).toBeUndefined();
    expect(toGregorian('islamic-umalqura', 1445, 9, 1)).toBe('2024-03-11');
    expect(toGregorian('gregory', 2025, 2, 29)).toBeUndefined();
    expect(readDate('۱۴۰۳/۰۱/۰۱', 'persian')).toBe('2024-03-20');
    expect(readDate('١٤٤٥-٠٩-٠١', 'islamic-umalqura')).toBe('2024-03-11');
    expect(readDate('21/03/2026', 'gregory')).toBe('2026-03-21');
    expect(readDate('2026-03-21T10:00:00Z', 'gregory')).toBe('2026-03-21');
    expect(readDate('tomorrow', 'gregory')).toBeUndefined();
  });

  it('reads numbers with local digits, separators and decimal marks', () => {
    expect(readNumber('۱٬۲۳۴٫۵')).toBe('1234.5');
    expect(readNumber('1,200')).toBe('1200');
    expect(readNumber('12,5')).toBe('12.5');
    expect(readNumber('−7')).toBe('-7');
    expect(readNumber('12abc')).toBeUndefined();
    expect(coerceCell(field('number'), '٣٠', 'gregory')).toEqual({ ok: true, value: 30 });
    expect(coerceCell(field('number'), 'lots', 'gregory').ok).toBe(false);
  });

  it('reads money, booleans, date-times, lists and locations', () => {
    expect(coerceCell(field('money'), 'SAR 1,250.50', 'gregory')).toEqual({
      ok: true,
      value: { amount: '1250.50', currency: 'SAR' },
    });
    expect(coerceCell(field('money'), '$12', 'gregory')).toEqual({
      ok: true,
      value: { amount: '12', currency: 'USD' },
    });
    expect(coerceCell(field('money'), '99', 'gregory')).toEqual({ ok: true, value: '99' });
    expect(coerceCell(field('boolean'), 'بله', 'gregory')).toEqual({ ok: true, value: true });
    expect(coerceCell(field('boolean'), 'لا', 'gregory')).toEqual({ ok: true, value: false });
    expect(coerceCell(field('boolean'), 'maybe', 'gregory').ok).toBe(false);
    expect(coerceCell(field('dateTime'), '1403/01/01 09:30', 'persian')).toEqual({
      ok: true,
      value: '2024-03-20T09:30:00.000Z',
    });
    expect(coerceCell(field('tags'), 'a; b ،c;a', 'gregory')).toEqual({ ok: true, value: ['a', 'b', 'c'] });
    expect(coerceCell(field('emails'), 'a@x.io, b@x.io', 'gregory')).toEqual({
      ok: true,
      value: ['a@x.io', 'b@x.io'],
    });
    expect(coerceCell(field('location'), '35.7, 51.4', 'gregory')).toEqual({
      ok: true,
      value: { lat: 35.7, lng: 51.4 },
    });
    expect(coerceCell(field('text'), '   ', 'gregory')).toEqual({ ok: true, value: undefined });
  });

  it('matches select options by value or by label in English, Arabic or Persian', () => {
    const stage = field('select', {
      options: [{ value: 'customer', labels: { en: 'Customer', ar: 'عميل', fa: 'مشتری' } }],
    });
    for (const text of ['customer', 'CUSTOMER', 'عميل', 'مشتري', 'مشتری'])
      expect(coerceCell(stage, text, 'gregory')).toEqual({ ok: true, value: 'customer' });
    expect(coerceCell(stage, 'martian', 'gregory').ok).toBe(false);
    expect(coerceCell({ ...stage, type: 'multiSelect' }, 'Customer; عميل', 'gregory')).toEqual({
      ok: true,
      value: ['customer', 'customer'],
    });
  });
});

describe('reading files', () => {
  it('detects encodings from marks and bytes, and refuses binary data and text that is not UTF-8', () => {
    expect(detectEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x61]))).toBe('utf8');
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x61, 0]))).toBe('utf16le');
    expect(detectEncoding(Buffer.from([0xfe, 0xff, 0, 0x61]))).toBe('utf16be');
    expect(detectEncoding(Buffer.from('a,b\n1,2\n', 'utf16le'))).toBe('utf16le');
    expect(detectEncoding(Buffer.from('نام,ایمیل\n'))).toBe('utf8');
    // Not UTF-8 and no mark: refused with the reason, never guessed.
    expect(() => detectEncoding(Buffer.from([0xe4, 0xc7, 0xe3, 0x2c, 0x61]))).toThrow(
      /not UTF-8 text \(byte 2 is not valid UTF-8\).*encoding option/,
    );
    expect(() => detectEncoding(Buffer.from([0x61, 0, 0, 0, 0x62, 0x63, 0, 0xff, 0xd8]))).toThrow(/binary/);
  });

  it('detects the delimiter from the header line, ignoring quoted ones', () => {
    expect(detectDelimiter('a;b;c\n1,2;3')).toBe(';');
    expect(detectDelimiter('"a,b"\tc\td')).toBe('\t');
    expect(detectDelimiter('a|b|c')).toBe('|');
    expect(detectDelimiter('single')).toBe(',');
  });

  it('suggests list fields for several columns but other fields once', () => {
    const people = {
      key: 'people',
      labels: { singular: { en: 'Person' }, plural: { en: 'People' } },
      custom: false,
      table: 'people',
      titleFields: ['firstName'],
      fields: [
        field('text', { key: 'firstName', labels: { en: 'First name' } }),
        field('phones', { key: 'phones', labels: { en: 'Phones' } }),
      ],
    };
    expect(suggestMapping(people, ['First Name', 'Given name', 'Phone', 'Mobile'])).toEqual({
      'First Name': 'firstName',
      'Given name': '',
      Phone: 'phones',
      Mobile: 'phones',
    });
  });
});
