// Civil dates in a time zone, as instants: the start of a day as the user's clock reads it (for date filters that
// the API takes as instants). Intl alone: the zone's offset at an instant, corrected once across a change of offset.

/** The zone's offset from UTC at an instant, in milliseconds (Tehran: +3.5 h). */
function offsetAt(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(ms);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return (
    Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - (ms - (ms % 1000))
  );
}

/** The instant a civil date (`YYYY-MM-DD`) begins in a time zone, as ISO 8601 UTC; `days` moves it on first. */
export function startOfDayIn(date: string, timeZone: string, days = 0): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const local = Date.UTC(y, m - 1, d + days);
  const first = local - offsetAt(local, timeZone);
  return new Date(local - offsetAt(first, timeZone)).toISOString();
}
