import type { Prefs } from '../../../lib/format.ts';

/** A number with a unit in the user's language and digits ("3 minutes", "۳ دقیقه"), through Intl alone. */
function formatUnit(value: number, unit: string, prefs: Prefs, fractionDigits = 0): string {
  return new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`, {
    style: 'unit',
    unit,
    unitDisplay: 'long',
    maximumFractionDigits: fractionDigits,
  }).format(value);
}

/** Time left in the largest sensible unit: seconds under a minute and a half, minutes under 90, then hours. */
export function formatDuration(seconds: number, prefs: Prefs): string {
  if (seconds < 90) return formatUnit(Math.max(1, Math.round(seconds)), 'second', prefs);
  if (seconds < 90 * 60) return formatUnit(Math.round(seconds / 60), 'minute', prefs);
  return formatUnit(seconds / 3600, 'hour', prefs, 1);
}

/** An attachment's size in bytes, kilobytes or megabytes. */
export function formatSize(bytes: number, prefs: Prefs): string {
  if (bytes < 1024) return formatUnit(bytes, 'byte', prefs);
  if (bytes < 1024 * 1024) return formatUnit(bytes / 1024, 'kilobyte', prefs);
  return formatUnit(bytes / (1024 * 1024), 'megabyte', prefs, 1);
}

/** A share of a whole as a percentage for a progress bar (0 when nothing is known yet). */
export function percentOf(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.round((done / total) * 100));
}
