import type { Tx } from '@rabita/db';
import type { Calendar } from '@rabita/shared';
import { type RawBuilder, sql } from 'kysely';
import { settingsIn } from '../sales/forecast.service.ts';

// The workspace's fiscal year as reports count it. A workspace has one fiscal year, and the sales forecast already
// keeps it (`forecast_settings`: a calendar and the month the year starts in, Jalali from month 1 for a Persian
// workspace that chose nothing): reports read it through the sales module's service instead of keeping a second
// one that could disagree with the forecast's quarters.

/** Where a fiscal year starts: the first day of `startMonth` (1–12) of `calendar`. */
export interface FiscalYear {
  calendar: Calendar;
  startMonth: number;
}

const PREFIX: Record<Calendar, string> = { gregory: 'g', persian: 'fa', 'islamic-umalqura': 'hj' };

/** The workspace's fiscal year (the forecast's settings, in the calendars' shared names). */
export async function fiscalYearIn(trx: Tx, workspaceId: string): Promise<FiscalYear> {
  const settings = await settingsIn(trx, workspaceId);
  return {
    calendar: settings.calendar === 'gregorian' ? 'gregory' : settings.calendar,
    startMonth: settings.startMonth,
  };
}

/** Months in a fiscal period of this kind. */
export const fiscalMonths = (kind: 'quarter' | 'year') => (kind === 'quarter' ? 3 : 12);

/**
 * The fiscal month of a `calendar_days` row aliased `alias`: months counted from year 0 of the fiscal year's
 * calendar, shifted so that every fiscal year's first month is a multiple of 12 (Gregorian July for a year that
 * starts in July). Its quotient by 12 is the fiscal year, named by the calendar year it starts in (FY 2024 =
 * 2024-07-01 … 2025-06-30), by 3 the fiscal quarter; the calendars' years are positive, so `/` is the floor.
 */
export function fiscalMonthOf(alias: string, fiscal: FiscalYear): RawBuilder<number> {
  const p = PREFIX[fiscal.calendar];
  return sql<number>`(${sql.ref(`${alias}.${p}_year`)}::int * 12 + ${sql.ref(`${alias}.${p}_month`)}::int - ${fiscal.startMonth}::int)`;
}
