import type { TFunction } from 'i18next';
import type { components } from '../../../api/schema.gen.ts';

type Recurrence = components['schemas']['ReportSchedule']['recurrence'];

/** A recurrence in the reader's words: "every Saturday at 08:00", "on day 1 of each month (Persian) at 09:00". */
export function recurrenceInWords(r: Recurrence, t: TFunction, locale: string): string {
  const [hh, mm] = r.time.split(':').map(Number) as [number, number];
  const time = new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'UTC',
  }).format(new Date(Date.UTC(2024, 0, 1, hh, mm)));
  if (r.frequency === 'daily') return t('reports.schedule.everyDay', { time, zone: r.timeZone });
  if (r.frequency === 'weekly') {
    // 2024-01-07 was a Sunday (weekday 0).
    const day = new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(
      new Date(Date.UTC(2024, 0, 7 + (r.weekday ?? 0))),
    );
    return t('reports.schedule.everyWeek', { day, time, zone: r.timeZone });
  }
  const calendar = t(`calendar.${r.calendar ?? 'gregory'}`);
  return r.monthDay === -1
    ? t('reports.schedule.lastOfMonth', { calendar, time, zone: r.timeZone })
    : t('reports.schedule.dayOfMonth', { day: r.monthDay ?? 1, calendar, time, zone: r.timeZone });
}
