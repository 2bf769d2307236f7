import ICAL from 'ical.js';
import { AppError } from '../errors/app-error.ts';
import { unstorableText } from '../http/route-kit.ts';
import { toGregorian } from '../imports/coerce.ts';
import { type BusinessCalendar, isLocalDate, type TimeRange } from './business-calendar.ts';

/**
 * Holidays for business calendars: Jalali and Hijri dates (the runtime's ICU: `persian`, and Umm al-Qura as
 * `islamic-umalqura`), holidays generated from them, Ramadan hours, and holidays imported from iCalendar.
 *
 * Jalali holidays are exact (the calendar is fixed in advance). Hijri ones are `estimated`: Umm al-Qura is Saudi
 * Arabia's computed calendar, and the day a month starts is decided by sighting the moon, which differs by country
 * (Iran's own lunar calendar often starts a day apart), so an admin confirms or moves them.
 */

export type CivilCalendar = 'persian' | 'islamic-umalqura';

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** Gregorian local dates 'YYYY-MM-DD', both included; or a Gregorian year. */
export type DateSpan = number | { from: string; to: string };

export type HolidayKind =
  | 'nowruz'
  | 'islamic-republic-day'
  | 'sizdah-bedar'
  | 'eid-al-fitr'
  | 'arafat'
  | 'eid-al-adha'
  | 'islamic-new-year'
  | 'tasua'
  | 'ashura'
  | 'mawlid';

export interface GeneratedHoliday {
  date: string;
  name: { en: string; ar: string; fa: string };
  /** True for Hijri days (moon sighting may move them); false for Jalali ones. */
  estimated: boolean;
  kind: HolidayKind;
}

/** Which holidays to generate; each is off unless chosen. */
export interface HolidayChoice {
  /** 1–4 Farvardin. */
  nowruz?: boolean;
  /** 12 Farvardin. */
  islamicRepublicDay?: boolean;
  /** 13 Farvardin. */
  sizdahBedar?: boolean;
  /** Days from 1 Shawwal (commonly 3 or 4; 0 for none). */
  eidAlFitrDays?: number;
  /** 9 Dhu al-Hijjah. */
  arafat?: boolean;
  /** Days from 10 Dhu al-Hijjah (commonly 4; 0 for none). */
  eidAlAdhaDays?: number;
  /** 1 Muharram. */
  islamicNewYear?: boolean;
  /** 9 Muharram (kept in Iran). */
  tasua?: boolean;
  /** 10 Muharram. */
  ashura?: boolean;
  /** 12 Rabi al-Awwal (most of the Arab world) or 17 (Iran). */
  mawlid?: 12 | 17 | false;
}

const DAY_MS = 86_400_000;
/** About ten years: the longest span generated or imported at once. */
const MAX_SPAN_DAYS = 3_700;

const NAMES: Record<HolidayKind, GeneratedHoliday['name']> = {
  nowruz: { en: 'Nowruz', ar: 'عيد النوروز', fa: 'نوروز' },
  'islamic-republic-day': {
    en: 'Islamic Republic Day',
    ar: 'يوم الجمهورية الإسلامية',
    fa: 'روز جمهوری اسلامی',
  },
  'sizdah-bedar': {
    en: 'Sizdah Bedar (Nature Day)',
    ar: 'سيزده بدر (يوم الطبيعة)',
    fa: 'سیزده‌بدر (روز طبیعت)',
  },
  'eid-al-fitr': { en: 'Eid al-Fitr', ar: 'عيد الفطر', fa: 'عید فطر' },
  arafat: { en: 'Arafat Day', ar: 'يوم عرفة', fa: 'روز عرفه' },
  'eid-al-adha': { en: 'Eid al-Adha', ar: 'عيد الأضحى', fa: 'عید قربان' },
  'islamic-new-year': { en: 'Islamic New Year', ar: 'رأس السنة الهجرية', fa: 'آغاز سال هجری قمری' },
  tasua: { en: 'Tasua', ar: 'تاسوعاء', fa: 'تاسوعا' },
  ashura: { en: 'Ashura', ar: 'عاشوراء', fa: 'عاشورا' },
  mawlid: { en: 'Mawlid (the Prophet’s birthday)', ar: 'المولد النبوي الشريف', fa: 'میلاد پیامبر اکرم' },
};

// ---------------------------------------------------------------------------------------------------------------
// Dates

const formats = new Map<CivilCalendar, Intl.DateTimeFormat>();

function dayNumberOf(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

function isoDateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function civilOfDay(calendar: CivilCalendar, day: number): CivilDate {
  let format = formats.get(calendar);
  if (!format) {
    format = new Intl.DateTimeFormat(`en-u-ca-${calendar}-nu-latn`, {
      timeZone: 'UTC',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
    formats.set(calendar, format);
  }
  const parts = format.formatToParts(day * DAY_MS);
  const of = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: of('year'), month: of('month'), day: of('day') };
}

/** The Jalali or Hijri date of a Gregorian date 'YYYY-MM-DD', as the runtime's ICU says. */
export function civilDateOf(calendar: CivilCalendar, date: string): CivilDate {
  if (!isLocalDate(date))
    throw new AppError('validation_failed', `"${date.slice(0, 20)}" is not a YYYY-MM-DD date.`);
  return civilOfDay(calendar, dayNumberOf(date));
}

/**
 * The Gregorian date 'YYYY-MM-DD' of a Jalali or Hijri date, or null when that date does not exist (30 Esfand in
 * a common year, the 30th of a 29-day Hijri month). The imports' reader of Jalali and Hijri dates does this.
 */
export function gregorianDateOf(calendar: CivilCalendar, date: CivilDate): string | null {
  const { year, month, day } = date;
  if (![year, month, day].every(Number.isInteger) || year < 1 || year > 3000) return null;
  return toGregorian(calendar, year, month, day) ?? null;
}

function spanDays(span: DateSpan): { first: number; last: number } {
  if (typeof span === 'number' && (!Number.isInteger(span) || span < 1900 || span > 2200))
    throw new AppError('validation_failed', 'A year is a whole number from 1900 to 2200.');
  const { from, to } =
    typeof span === 'number' ? { from: `${span}-01-01`, to: `${span}-12-31` } : (span ?? {});
  if (typeof from !== 'string' || typeof to !== 'string' || !isLocalDate(from) || !isLocalDate(to))
    throw new AppError('validation_failed', 'A span runs from one YYYY-MM-DD date to another.');
  const first = dayNumberOf(from);
  const last = dayNumberOf(to);
  if (last < first) throw new AppError('validation_failed', 'A span must not end before it starts.');
  if (last - first >= MAX_SPAN_DAYS)
    throw new AppError('validation_failed', 'A span is at most ten years long.');
  return { first, last };
}

// ---------------------------------------------------------------------------------------------------------------
// Generated holidays

interface Rule {
  calendar: CivilCalendar;
  month: number;
  days: number[];
  kind: HolidayKind;
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

function eidDays(value: number | undefined, what: string): number {
  const n = value ?? 0;
  if (!Number.isInteger(n) || n < 0 || n > 5)
    throw new AppError('validation_failed', `${what} lasts a whole number of days from 0 to 5.`);
  return n;
}

function rulesOf(choice: HolidayChoice): Rule[] {
  const fitr = eidDays(choice.eidAlFitrDays, 'Eid al-Fitr');
  const adha = eidDays(choice.eidAlAdhaDays, 'Eid al-Adha');
  if (choice.mawlid !== undefined && ![12, 17, false].includes(choice.mawlid))
    throw new AppError('validation_failed', 'The Mawlid is on 12 or 17 Rabi al-Awwal.');
  const rules: (Rule | false | undefined)[] = [
    choice.nowruz && { calendar: 'persian', month: 1, days: range(1, 4), kind: 'nowruz' },
    choice.islamicRepublicDay && { calendar: 'persian', month: 1, days: [12], kind: 'islamic-republic-day' },
    choice.sizdahBedar && { calendar: 'persian', month: 1, days: [13], kind: 'sizdah-bedar' },
    fitr > 0 && { calendar: 'islamic-umalqura', month: 10, days: range(1, fitr), kind: 'eid-al-fitr' },
    choice.arafat && { calendar: 'islamic-umalqura', month: 12, days: [9], kind: 'arafat' },
    adha > 0 && { calendar: 'islamic-umalqura', month: 12, days: range(10, adha), kind: 'eid-al-adha' },
    choice.islamicNewYear && { calendar: 'islamic-umalqura', month: 1, days: [1], kind: 'islamic-new-year' },
    choice.tasua && { calendar: 'islamic-umalqura', month: 1, days: [9], kind: 'tasua' },
    choice.ashura && { calendar: 'islamic-umalqura', month: 1, days: [10], kind: 'ashura' },
    !!choice.mawlid && { calendar: 'islamic-umalqura', month: 3, days: [choice.mawlid], kind: 'mawlid' },
  ];
  return rules.filter((rule): rule is Rule => !!rule);
}

/** The chosen holidays on the Gregorian dates of a span, in date order, Hijri ones marked estimated. */
export function generateHolidays(span: DateSpan, choice: HolidayChoice): GeneratedHoliday[] {
  const { first, last } = spanDays(span);
  const rules = rulesOf(choice);
  const out: GeneratedHoliday[] = [];
  for (let day = first; day <= last; day++) {
    const civil = new Map<CivilCalendar, CivilDate>();
    for (const rule of rules) {
      let date = civil.get(rule.calendar);
      if (!date) {
        date = civilOfDay(rule.calendar, day);
        civil.set(rule.calendar, date);
      }
      if (date.month === rule.month && rule.days.includes(date.day))
        out.push({
          date: isoDateOf(day),
          name: NAMES[rule.kind],
          estimated: rule.calendar !== 'persian',
          kind: rule.kind,
        });
    }
  }
  return out;
}

/**
 * Ramadan hours as a calendar's special days: every date of the span in Hijri month 9 (Umm al-Qura, so
 * estimated) gets its weekday's Ramadan ranges; a weekday without Ramadan ranges is closed in Ramadan.
 */
export function ramadanSpecialDays(
  span: DateSpan,
  hours: BusinessCalendar['hours'],
): Record<string, TimeRange[]> {
  const { first, last } = spanDays(span);
  const out: Record<string, TimeRange[]> = {};
  for (let day = first; day <= last; day++) {
    if (civilOfDay('islamic-umalqura', day).month !== 9) continue;
    const weekday = ((((day + 3) % 7) + 7) % 7) + 1;
    out[isoDateOf(day)] = (hours[weekday as 1] ?? []).map((r) => ({ from: r.from, to: r.to }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// iCalendar

export interface IcsHoliday {
  date: string;
  name: string;
}

const MAX_ICS_BYTES = 1_048_576;
const MAX_ICS_HOLIDAYS = 5_000;
/**
 * Occurrences looked at in all (a yearly rule from long ago walks its years up to the span), and the time they
 * may take: ical.js spends 15–100 µs an occurrence, more as a rule of many days a year grows.
 */
const MAX_ICS_STEPS = 20_000;
const MAX_ICS_EXPAND_MS = 2_000;

function icsProblem(message: string): AppError {
  return new AppError('validation_failed', message);
}

function dayOfTime(time: ICAL.Time): number {
  return Date.UTC(time.year, time.month - 1, time.day) / DAY_MS;
}

/**
 * The all-day events of an iCalendar file that fall within a span, one entry a day (a three-day event gives three
 * dates), yearly repeats expanded; timed events and events repeating other than yearly are skipped and counted.
 * At most 1 MiB, 5,000 holidays, 20,000 occurrences looked at and 2 s expanding them; anything else is an
 * `AppError`, never a hang.
 */
export function holidaysFromIcs(
  text: string,
  span: { from: string; to: string },
): { holidays: IcsHoliday[]; skipped: number } {
  if (typeof text !== 'string') throw icsProblem('An iCalendar file is text.');
  if (text.length > MAX_ICS_BYTES || Buffer.byteLength(text, 'utf8') > MAX_ICS_BYTES)
    throw icsProblem('The iCalendar file is larger than 1 MiB.');
  const unstorable = unstorableText(text);
  if (unstorable) throw icsProblem(`The iCalendar file cannot be read: ${unstorable}`);
  const { first, last } = spanDays(span);

  let roots: unknown[];
  try {
    const parsed = ICAL.parse(text) as unknown[];
    roots = Array.isArray(parsed[0]) ? parsed : [parsed];
  } catch (error) {
    const why = error instanceof Error ? error.message.slice(0, 200) : 'it does not parse';
    throw icsProblem(`The file is not iCalendar (${why}).`);
  }

  const found = new Map<string, IcsHoliday>();
  let skipped = 0;
  let steps = 0;
  const expandUntil = performance.now() + MAX_ICS_EXPAND_MS;
  const add = (day: number, name: string) => {
    if (day < first || day > last) return;
    const holiday = { date: isoDateOf(day), name };
    found.set(`${holiday.date}\u0000${name}`, holiday);
    if (found.size > MAX_ICS_HOLIDAYS)
      throw icsProblem(`The iCalendar file gives more than ${MAX_ICS_HOLIDAYS} holidays in the span.`);
  };

  try {
    for (const root of roots) {
      const calendar = new ICAL.Component(root as unknown[]);
      if (calendar.name !== 'vcalendar')
        throw icsProblem('The file is not iCalendar: it holds no VCALENDAR.');
      const events = calendar.getAllSubcomponents('vevent');
      // Exceptions (a moved occurrence) by the UID of the event they change. Handed to each event, since ical.js
      // would otherwise scan every sibling for every event (quadratic: 5,000 events took 3.4 s).
      const exceptions = new Map<string, ICAL.Component[]>();
      for (const component of events) {
        if (!component.hasProperty('recurrence-id')) continue;
        const uid = String(component.getFirstPropertyValue('uid') ?? '');
        const list = exceptions.get(uid) ?? [];
        list.push(component);
        exceptions.set(uid, list);
      }
      for (const component of events) {
        if (component.hasProperty('recurrence-id')) continue;
        const uid = String(component.getFirstPropertyValue('uid') ?? '');
        const event = new ICAL.Event(component, {
          strictExceptions: true,
          exceptions: exceptions.get(uid) ?? [],
        });
        const start = event.startDate;
        const status = String(component.getFirstPropertyValue('status') ?? '').toUpperCase();
        if (!start?.isDate || status === 'CANCELLED') {
          skipped++;
          continue;
        }
        const name = (event.summary ?? '').trim().slice(0, 200) || 'Holiday';
        const length = Math.max(1, event.endDate ? dayOfTime(event.endDate) - dayOfTime(start) : 1);
        const addEvent = (from: number, days: number) => {
          for (let d = Math.max(from, first); d < from + days && d <= last; d++) add(d, name);
        };
        if (!event.isRecurring()) {
          addEvent(dayOfTime(start), length);
          continue;
        }
        const rules = component.getAllProperties('rrule').map((p) => p.getFirstValue() as ICAL.Recur);
        if (rules.some((rule) => rule.freq !== 'YEARLY')) {
          skipped++;
          continue;
        }
        // ical.js rolls an impossible BYMONTHDAY over into the next month (31 April → 1 May): such days are dropped.
        const months = new Set(rules.flatMap((rule) => rule.parts.BYMONTH ?? []));
        const iterator = event.iterator();
        for (;;) {
          if (++steps > MAX_ICS_STEPS || performance.now() > expandUntil)
            throw icsProblem('The iCalendar file repeats its events too often to expand.');
          const next = iterator.next();
          if (!next) break;
          const day = dayOfTime(next);
          if (day > last) break;
          if (months.size > 0 && !months.has(next.month)) continue;
          const details = event.getOccurrenceDetails(next);
          const shown = details.startDate;
          if (!shown.isDate) continue;
          addEvent(dayOfTime(shown), Math.max(1, dayOfTime(details.endDate) - dayOfTime(shown)));
        }
      }
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const why = error instanceof Error ? error.message.slice(0, 200) : 'it does not parse';
    throw icsProblem(`The iCalendar file cannot be read (${why}).`);
  }
  return {
    holidays: [...found.values()].sort(
      (a, b) => a.date.localeCompare(b.date) || a.name.localeCompare(b.name),
    ),
    skipped,
  };
}
