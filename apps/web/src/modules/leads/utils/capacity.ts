import { formatNumber, type Prefs } from '../../../lib/format.ts';

/** The most open leads a limit may name (the server's bound). */
export const MAX_CAPACITY = 10_000;

/**
 * A limit of open leads as typed, in any digits ("۱۲", "١٢", "12", "۱٬۰۰۰"): the whole number, null when blank (no
 * limit of its own), undefined when it is not a whole number from 0 to `MAX_CAPACITY`.
 */
export function parseCapacity(text: string): number | null | undefined {
  const ascii = text
    .trim()
    .replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x660))
    .replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x6f0))
    .replace(/[٬,\s]/g, '');
  if (ascii === '') return null;
  if (!/^\d{1,6}$/.test(ascii)) return undefined;
  const value = Number(ascii);
  return value <= MAX_CAPACITY ? value : undefined;
}

/** A stored limit as the reader writes it, in their digits (blank for none). */
export function capacityText(capacity: number | null | undefined, prefs: Prefs): string {
  return capacity === null || capacity === undefined ? '' : formatNumber(capacity, prefs);
}
