import { isCountryCode, isCurrencyCode, toAsciiDigits } from '@rabita/shared';
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { FieldDef } from '../metadata/metadata.types.ts';

/** What the workspace supplies for reading values (phones without a country code, money without a currency). */
export interface ValueContext {
  defaultCountry: string;
  defaultCurrency: string;
}

export type Checked = { ok: true; value: unknown } | { ok: false; message: string };

const ok = (value: unknown): Checked => ({ ok: true, value });
const bad = (message: string): Checked => ({ ok: false, message });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DECIMAL = /^-?\d{1,18}(\.\d{1,6})?$/;
const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]{1,253}\.[^\s@<>()[\]\\,;:"]{2,63}$/u;
const MAX_TEXT = 2_000;
const MAX_LONG_TEXT = 200_000;
const MAX_ITEMS = 100;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, max: number): Checked {
  if (typeof value !== 'string') return bad('Must be text.');
  if (value.includes('\u0000')) return bad('Must not contain NUL characters.');
  if (value.length > max) return bad(`Must be at most ${max} characters.`);
  return ok(value);
}

/** Reads a phone number written in any form (spaces, local digits, 00 prefix) into E.164, keeping the text. */
export function readPhone(raw: string, defaultCountry: string): { raw: string; e164: string } | undefined {
  const ascii = toAsciiDigits(raw).replace(/^\s*00/, '+');
  const country = isCountryCode(defaultCountry) ? (defaultCountry as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(ascii, country ? { defaultCountry: country } : undefined);
  if (!parsed?.isPossible()) return undefined;
  return { raw, e164: parsed.number };
}

function phone(value: unknown, ctx: ValueContext): Checked {
  const raw = isPlainObject(value) ? (value.number ?? value.raw) : value;
  const checked = text(raw, 64);
  if (!checked.ok) return checked;
  const read = readPhone((raw as string).trim(), ctx.defaultCountry);
  if (!read) return bad('Is not a phone number (add the country code, e.g. +98 912 345 6789).');
  const label =
    isPlainObject(value) && typeof value.label === 'string' ? value.label.slice(0, 50) : undefined;
  return ok({ ...read, ...(label ? { label } : {}) });
}

function list(value: unknown, item: (v: unknown) => Checked): Checked {
  if (!Array.isArray(value)) return bad('Must be a list.');
  if (value.length > MAX_ITEMS) return bad(`Must have at most ${MAX_ITEMS} items.`);
  const out: unknown[] = [];
  for (const [i, v] of value.entries()) {
    const checked = item(v);
    if (!checked.ok) return bad(`Item ${i + 1}: ${checked.message}`);
    out.push(checked.value);
  }
  return ok(out);
}

/** Marks exactly one item primary: the first one flagged, else the first. */
function withPrimary<T extends object>(items: (T & { primary?: boolean })[]): (T & { primary: boolean })[] {
  const index = Math.max(
    0,
    items.findIndex((i) => i.primary === true),
  );
  return items.map((item, i) => ({ ...item, primary: i === index }));
}

/**
 * Checks a value written to a field and turns it into its stored form. `null` clears a field (unless it is
 * required); every type refuses what it cannot hold with a sentence saying what it needs.
 */
export function checkValue(field: FieldDef, value: unknown, ctx: ValueContext): Checked {
  if (value === null) return field.required ? bad('Is required.') : ok(null);
  if (value === undefined) return bad('Must not be undefined.');
  switch (field.type) {
    case 'text':
    case 'url':
    case 'file': {
      const checked = text(value, field.maxLength ?? MAX_TEXT);
      if (!checked.ok) return checked;
      const s = (value as string).trim();
      if (field.required && s === '') return bad('Is required.');
      if (field.type === 'url' && s !== '') {
        let url: URL | undefined;
        try {
          url = new URL(s);
        } catch {
          url = undefined;
        }
        if (!url || !['http:', 'https:'].includes(url.protocol))
          return bad('Must be an http or https address.');
      }
      return ok(s);
    }
    case 'longText': {
      const checked = text(value, field.maxLength ?? MAX_LONG_TEXT);
      if (checked.ok && field.required && (value as string).trim() === '') return bad('Is required.');
      return checked;
    }
    case 'email': {
      const checked = text(value, 254);
      if (!checked.ok) return checked;
      const s = (value as string).trim();
      return EMAIL.test(s) ? ok(s) : bad('Is not an email address.');
    }
    case 'number':
    case 'rating': {
      const n = typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) return bad('Must be a number.');
      if (Math.abs(n) > 1e15) return bad('Is too large.');
      if (field.type === 'rating' && (!Number.isInteger(n) || n < 0 || n > 5))
        return bad('Must be a whole number from 0 to 5.');
      return ok(n);
    }
    case 'money': {
      const raw = isPlainObject(value) ? value : { amount: value };
      const amount = typeof raw.amount === 'number' ? String(raw.amount) : raw.amount;
      if (typeof amount !== 'string' || !DECIMAL.test(amount.trim())) {
        return bad('Must be {amount, currency} with the amount as a decimal string, such as "1250.50".');
      }
      const currency =
        typeof raw.currency === 'string'
          ? raw.currency.trim().toUpperCase()
          : (field.currency ?? ctx.defaultCurrency);
      if (!isCurrencyCode(currency))
        return bad('The currency must be an ISO 4217 code, such as SAR, IRR or USD.');
      return ok({ amount: amount.trim(), currency });
    }
    case 'date': {
      if (typeof value !== 'string') return bad('Must be a date as YYYY-MM-DD.');
      const m = DATE.exec(value.trim());
      const d = m ? new Date(`${m[0]}T00:00:00Z`) : undefined;
      if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== m[0])
        return bad('Must be a date as YYYY-MM-DD.');
      return ok(m[0]);
    }
    case 'dateTime': {
      if (typeof value !== 'string' || value.length > 40) return bad('Must be an ISO 8601 date-time.');
      const d = new Date(value);
      if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value))
        return bad('Must be an ISO 8601 date-time, such as 2026-03-21T09:30:00Z.');
      return ok(d.toISOString());
    }
    case 'boolean':
      return typeof value === 'boolean' ? ok(value) : bad('Must be true or false.');
    case 'select': {
      if (typeof value !== 'string') return bad('Must be one of the field’s options.');
      return field.options?.some((o) => o.value === value)
        ? ok(value)
        : bad(`Must be one of: ${(field.options ?? []).map((o) => o.value).join(', ')}.`);
    }
    case 'multiSelect':
      return list(value, (v) =>
        typeof v === 'string' && field.options?.some((o) => o.value === v)
          ? ok(v)
          : bad(`Must be one of: ${(field.options ?? []).map((o) => o.value).join(', ')}.`),
      );
    case 'tags':
      return list(value, (v) => {
        const checked = text(v, 200);
        return checked.ok && (v as string).trim() !== ''
          ? ok((v as string).trim())
          : bad('Must be non-empty text of at most 200 characters.');
      });
    case 'relation':
    case 'user': {
      const one = (v: unknown) =>
        typeof v === 'string' && UUID.test(v) ? ok(v.toLowerCase()) : bad('Must be a record id (UUID).');
      return field.relation?.many ? list(value, one) : one(value);
    }
    case 'phone':
      return phone(value, ctx);
    case 'phones': {
      const checked = list(value, (v) => {
        const p = phone(v, ctx);
        return p.ok ? ok({ ...(p.value as object), primary: isPlainObject(v) && v.primary === true }) : p;
      });
      return checked.ok ? ok(withPrimary(checked.value as { primary?: boolean }[])) : checked;
    }
    case 'emails': {
      const checked = list(value, (v) => {
        const address = isPlainObject(v) ? v.address : v;
        const e = checkValue({ ...field, type: 'email' }, address, ctx);
        return e.ok ? ok({ address: e.value, primary: isPlainObject(v) && v.primary === true }) : e;
      });
      return checked.ok ? ok(withPrimary(checked.value as { primary?: boolean }[])) : checked;
    }
    case 'address': {
      if (!isPlainObject(value))
        return bad('Must be an object with street, city, region, postalCode and country.');
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(value)) {
        if (!['street', 'city', 'region', 'postalCode', 'country'].includes(k))
          return bad(`Has an unknown part "${k}".`);
        const checked = text(v, 500);
        if (!checked.ok) return bad(`${k}: ${checked.message}`);
        out[k] = (v as string).trim();
      }
      if (out.country && !isCountryCode(out.country.toUpperCase()))
        return bad('country must be an ISO 3166 code, such as SA.');
      if (out.country) out.country = out.country.toUpperCase();
      return ok(out);
    }
    case 'location': {
      if (!isPlainObject(value)) return bad('Must be {lat, lng}.');
      const { lat, lng } = value;
      if (
        typeof lat !== 'number' ||
        typeof lng !== 'number' ||
        Math.abs(lat) > 90 ||
        Math.abs(lng) > 180 ||
        Object.keys(value).length !== 2
      ) {
        return bad('Must be {lat, lng} with lat in -90..90 and lng in -180..180.');
      }
      return ok({ lat, lng });
    }
    default: {
      const unknownType: never = field.type;
      return bad(`Has an unknown type ${String(unknownType)}.`);
    }
  }
}
