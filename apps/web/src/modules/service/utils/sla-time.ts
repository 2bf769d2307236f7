import type { Prefs } from '../../../lib/format.ts';

/**
 * A span of time in the user's language and digits, to the minute: "2 hr, 5 min", "۳ ساعت و ۱۰ دقیقه"; days from
 * 24 hours up. Intl.DurationFormat where the browser has it, else unit-formatted numbers joined as a list.
 */
export function formatSpan(ms: number, prefs: Prefs): string {
  const total = Math.max(0, Math.round(Math.abs(ms) / 60_000));
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const minutes = total % 60;
  const parts: [number, 'day' | 'hour' | 'minute'][] = [
    [days, 'day'],
    [hours, 'hour'],
    [minutes, 'minute'],
  ];
  const shown = parts.filter(([n]) => n > 0);
  if (shown.length === 0) shown.push([0, 'minute']);
  const locale = `${prefs.locale}-u-nu-${prefs.digits}`;
  const words = shown.map(([n, unit]) =>
    new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(n),
  );
  return new Intl.ListFormat(prefs.locale, { type: 'unit', style: 'long' }).format(words);
}
