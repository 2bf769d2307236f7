import { type Calendar, normalizeText, toAsciiDigits } from '@rabita/shared';
import type { FieldDef } from '../metadata/metadata.types.ts';

/** A cell read for a field: the value to write (as the record API takes it), or why it cannot be. */
export type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

const ok = (value: unknown): Coerced => ({ ok: true, value });
const bad = (message: string): Coerced => ({ ok: false, message });

const DAY = 86_400_000;
const formatters = new Map<Calendar, Intl.DateTimeFormat>();

function partsIn(calendar: Calendar, time: number): [number, number, number] {
  let f = formatters.get(calendar);
  if (!f) {
    f = new Intl.DateTimeFormat(`en-u-ca-${calendar}-nu-latn`, {
      timeZone: 'UTC',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
    formatters.set(calendar, f);
  }
  const parts = f.formatToParts(new Date(time));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return [get('year'), get('month'), get('day')];
}

/**
 * The Gregorian date (YYYY-MM-DD) of a day written in the Persian (Jalali) or Umm al-Qura (Hijri) calendar,
 * found through the platform's Intl calendars; undefined when no such day exists (say, 1403/12/31).
 */
export function toGregorian(calendar: Calendar, y: number, m: number, d: number): string | undefined {
  if (m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  if (calendar === 'gregory') {
    const t = Date.UTC(y, m - 1, d);
    const iso = new Date(t).toISOString().slice(0, 10);
    return Number(iso.slice(5, 7)) === m && Number(iso.slice(8, 10)) === d ? iso : undefined;
  }
  const yearDays = calendar === 'persian' ? 365.2422 : 354.367;
  const monthDays = calendar === 'persian' ? 30.44 : 29.53;
  let t =
    calendar === 'persian'
      ? Date.UTC(y + 621, 2, 21) + Math.round(((m - 1) * monthDays + (d - 1)) * DAY)
      : Date.UTC(622, 6, 16) + Math.round(((y - 1) * yearDays + (m - 1) * monthDays + (d - 1)) * DAY);
  for (let i = 0; i < 12; i++) {
    const [py, pm, pd] = partsIn(calendar, t);
    if (py === y && pm === m && pd === d) return new Date(t).toISOString().slice(0, 10);
    let diff = Math.round((y - py) * yearDays + (m - pm) * monthDays + (d - pd));
    if (diff === 0) diff = y > py || (y === py && (m > pm || (m === pm && d > pd))) ? 1 : -1;
    t += diff * DAY;
  }
  return undefined;
}

/** Reads a date written as Y-M-D, Y/M/D or D/M/Y (any digits) in the given calendar into YYYY-MM-DD. */
export function readDate(text: string, calendar: Calendar): string | undefined {
  const s = toAsciiDigits(text)
    .trim()
    .replace(/[\u200e\u200f]/g, '');
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  if (iso && calendar === 'gregory') return toGregorian('gregory', +iso[1]!, +iso[2]!, +iso[3]!);
  const ymd = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s);
  if (ymd) return toGregorian(calendar, +ymd[1]!, +ymd[2]!, +ymd[3]!);
  const dmy = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(s);
  if (dmy) return toGregorian(calendar, +dmy[3]!, +dmy[2]!, +dmy[1]!);
  if (iso) return toGregorian(calendar, +iso[1]!, +iso[2]!, +iso[3]!);
  return undefined;
}

function readDateTime(text: string, calendar: Calendar): string | undefined {
  const s = toAsciiDigits(text).trim();
  if (calendar === 'gregory' && /^\d{4}-\d{2}-\d{2}T/.test(s)) {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  const m = /^(\S+)(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (!m) return undefined;
  const date = readDate(m[1]!, calendar);
  if (!date) return undefined;
  const [h, min, sec] = [Number(m[2] ?? 0), Number(m[3] ?? 0), Number(m[4] ?? 0)];
  if (h > 23 || min > 59 || sec > 59) return undefined;
  return `${date}T${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}:${String(sec).padStart(2, '0')}.000Z`;
}

/** A number written with any digits, thousands separators and either decimal mark. */
export function readNumber(text: string): string | undefined {
  let s = toAsciiDigits(text)
    .trim()
    .replace(/[\s\u066c\u00a0']/g, '')
    .replace(/\u066b/g, '.')
    .replace(/\u2212/g, '-');
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  else if (/^-?\d+,\d+$/.test(s)) s = s.replace(',', '.');
  return /^-?\d+(\.\d+)?$/.test(s) ? s : undefined;
}

const TRUE = new Set(['true', 'yes', 'y', '1', 'x', 'on', 'نعم', 'بله', 'آری', 'صحیح', 'درست']);
const FALSE = new Set(['false', 'no', 'n', '0', 'off', 'لا', 'خیر', 'نه', 'غلط']);
const SYMBOLS: Record<string, string> = { $: 'USD', '€': 'EUR', '£': 'GBP', '¥': 'JPY' };

/** Finds a select option by its value or its label in any language, folded (case, Arabic letter forms). */
export function matchOption(field: FieldDef, text: string): string | undefined {
  const wanted = normalizeText(text);
  for (const option of field.options ?? []) {
    if (option.value === text || normalizeText(option.value) === wanted) return option.value;
    for (const label of Object.values(option.labels))
      if (typeof label === 'string' && normalizeText(label) === wanted) return option.value;
  }
  return undefined;
}

const splitList = (text: string, separators: RegExp) =>
  text
    .split(separators)
    .map((p) => p.trim())
    .filter(Boolean);

/**
 * Reads one spreadsheet cell into the value the record API takes for the field. Empty cells give
 * `undefined` (the field is left alone). What it cannot read goes on as text, and the record engine's own
 * checks refuse it with their sentence.
 */
export function coerceCell(field: FieldDef, cell: string, calendar: Calendar): Coerced {
  const text = cell.trim();
  if (text === '') return ok(undefined);
  switch (field.type) {
    case 'number':
    case 'rating': {
      const n = readNumber(text);
      return n === undefined ? bad('Must be a number.') : ok(Number(n));
    }
    case 'money': {
      const code = /\b([A-Za-z]{3})\b/.exec(text)?.[1]?.toUpperCase();
      const symbol = Object.keys(SYMBOLS).find((k) => text.includes(k));
      const amount = readNumber(text.replace(/\b[A-Za-z]{3}\b/, '').replace(/[$€£¥]/g, ''));
      if (amount === undefined) return bad('Must be an amount, such as 1250.50 or "SAR 1,250.50".');
      const currency = code ?? (symbol ? SYMBOLS[symbol] : undefined);
      return ok(currency ? { amount, currency } : amount);
    }
    case 'date': {
      const d = readDate(text, calendar);
      return d ? ok(d) : bad(`Is not a date in the ${calendar} calendar (write it as year/month/day).`);
    }
    case 'dateTime': {
      const d = readDateTime(text, calendar);
      return d ? ok(d) : bad(`Is not a date and time in the ${calendar} calendar.`);
    }
    case 'boolean': {
      const t = normalizeText(text);
      if (TRUE.has(t)) return ok(true);
      if (FALSE.has(t)) return ok(false);
      return bad('Must be yes or no (true/false, 1/0).');
    }
    case 'select': {
      const v = matchOption(field, text);
      return v ? ok(v) : bad(`"${text.slice(0, 100)}" is not one of the field’s options.`);
    }
    case 'multiSelect': {
      const out: string[] = [];
      for (const part of splitList(text, /[;,|،]/)) {
        const v = matchOption(field, part);
        if (!v) return bad(`"${part.slice(0, 100)}" is not one of the field’s options.`);
        out.push(v);
      }
      return ok(out);
    }
    case 'tags':
      return ok([...new Set(splitList(text, /[;,|،]/))]);
    case 'phone':
      return ok(text);
    case 'phones':
      return ok(splitList(text, /[;,|/\n]|\s{2,}/));
    case 'emails':
      return ok(splitList(text, /[;,\s]+/));
    case 'email':
      return ok(text);
    case 'relation':
      return ok(field.relation?.many ? splitList(text, /[;|،]/) : text);
    case 'location': {
      const m = /^(-?[\d.]+)\s*[,;]\s*(-?[\d.]+)$/.exec(toAsciiDigits(text));
      return m ? ok({ lat: Number(m[1]), lng: Number(m[2]) }) : bad('Must be "latitude, longitude".');
    }
    case 'address':
      return ok({ street: text });
    default:
      return ok(cell);
  }
}
