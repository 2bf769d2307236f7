import type { IsoWeekday } from './service-api.ts';

/** ISO weekdays (1 Monday … 7 Sunday) in the order a week is read in this language: from Saturday in Arabic and Persian. */
export function weekOrder(locale: string): IsoWeekday[] {
  return locale === 'en' ? [1, 2, 3, 4, 5, 6, 7] : [6, 7, 1, 2, 3, 4, 5];
}

/** An ISO weekday's name in this language (2024-01-01 was a Monday). */
export function weekdayName(isoDay: IsoWeekday, locale: string): string {
  return new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(2024, 0, isoDay)),
  );
}

/** Whether a range runs past midnight into the next day (`to <= from`; equal times are a whole day). */
export function isOvernight(range: { from: string; to: string }): boolean {
  return range.from !== '' && range.to !== '' && range.to <= range.from;
}
