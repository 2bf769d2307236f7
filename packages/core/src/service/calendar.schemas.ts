import { z } from 'zod';
import { businessCalendarSchema } from './business-calendar.ts';
import type { HolidayKind } from './holidays.ts';

// The business calendars' shapes as the API declares them, so the OpenAPI document (and the web app's generated
// types) say exactly what a calendar is. Requests are checked by `businessCalendarSchema` itself (every rule, with
// the field named in a 400); answers give the stored definition back through a plain shape without those rules, so
// a rule added later never makes reading an older calendar fail.

const timeRange = z
  .object({
    from: z.string().describe('HH:MM, local wall time in the calendar’s zone.'),
    to: z.string().describe('HH:MM; at or before `from`, the range ends on the next day (22:00–06:00).'),
  })
  .meta({ id: 'BusinessHoursRange' });
const dayRanges = z.array(timeRange);
const translatedName = z.object({ en: z.string(), ar: z.string(), fa: z.string() });

/** A business calendar's definition in answers: as it was stored. */
export const calendarDefinitionView = z
  .object({
    timeZone: z.string().describe('IANA time zone, such as Asia/Tehran.'),
    hours: z
      .object({
        1: dayRanges.optional(),
        2: dayRanges.optional(),
        3: dayRanges.optional(),
        4: dayRanges.optional(),
        5: dayRanges.optional(),
        6: dayRanges.optional(),
        7: dayRanges.optional(),
      })
      .describe('Open ranges per ISO weekday, "1" Monday … "7" Sunday; a weekday without ranges is closed.'),
    holidays: z.array(z.string()).describe('Local dates (YYYY-MM-DD) closed all day.'),
    specialDays: z
      .record(z.string(), dayRanges)
      .optional()
      .describe('Local date → the ranges that replace its weekday’s (an empty list closes it).'),
    holidayNotes: z
      .record(
        z.string(),
        z.object({
          name: z.union([z.string(), translatedName]).optional(),
          estimated: z.boolean().optional(),
        }),
      )
      .optional()
      .describe(
        'Per holiday: its name (in en/ar/fa when generated, as the file said when imported) and whether it is an estimate.',
      ),
  })
  .meta({ id: 'BusinessCalendar' });

/** A business calendar's definition in requests: every rule of `businessCalendarSchema`, each problem named. */
export const calendarDefinitionBody = businessCalendarSchema.describe(
  'A business calendar: an IANA zone, up to 12 ranges per ISO weekday (no two overlapping; an overnight range not running into the next day’s first), at least one open weekday, up to 5,000 holidays and special days; a holiday note only for a date among the holidays (estimated: false once an admin confirms a Hijri day).',
);

/** A business calendar as answers give it. */
export const calendarSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    definition: calendarDefinitionView,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'SlaCalendar' });

// Every kind holidays.ts makes, and no other: a kind added there fails to compile here until it is listed.
const KINDS = {
  nowruz: true,
  'islamic-republic-day': true,
  'sizdah-bedar': true,
  'eid-al-fitr': true,
  arafat: true,
  'eid-al-adha': true,
  'islamic-new-year': true,
  tasua: true,
  ashura: true,
  mawlid: true,
} as const satisfies Record<HolidayKind, true>;
const HOLIDAY_KINDS = Object.keys(KINDS) as [HolidayKind, ...HolidayKind[]];

/** A holiday `holidays/generate` added: its date, names, whether Hijri (estimated), and which holiday it is. */
export const generatedHoliday = z.object({
  date: z.string(),
  name: translatedName,
  estimated: z.boolean(),
  kind: z.enum(HOLIDAY_KINDS),
});
