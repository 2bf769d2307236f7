/** Ticket priorities an SLA policy sets targets for, lowest first. */
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
/** What an SLA clock measures. */
export const METRICS = ['first_response', 'next_response', 'resolution'] as const;
export type Priority = (typeof PRIORITIES)[number];
export type Metric = (typeof METRICS)[number];

/** A target as its form shows it: hours and minutes, each empty when not set. */
export interface HoursMinutes {
  hours: number | '';
  minutes: number | '';
}

/** A stored target in minutes as hours and minutes (none: both empty). */
export function toHoursMinutes(total: number | undefined): HoursMinutes {
  if (total === undefined) return { hours: '', minutes: '' };
  return { hours: Math.floor(total / 60), minutes: total % 60 };
}

/** Hours and minutes as the minutes the API stores; undefined when neither is given. */
export function toMinutes(v: HoursMinutes): number | undefined {
  if (v.hours === '' && v.minutes === '') return undefined;
  return (Number(v.hours) || 0) * 60 + (Number(v.minutes) || 0);
}
