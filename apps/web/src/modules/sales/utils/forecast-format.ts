import { type Calendar, formatDate, formatMoney, type Prefs } from '../../../lib/format.ts';
import type { FiscalCalendar, ForecastPeriod, ForecastRow, PeriodKind } from './forecast-api.ts';

// How the forecast screen names and shows its periods, amounts and rows: pure functions of the user's preferences.

/** The Intl calendar of a fiscal calendar (the API says `gregorian`, Intl `gregory`). */
export function intlCalendar(calendar: FiscalCalendar): Calendar {
  return calendar === 'gregorian' ? 'gregory' : calendar;
}

/** The kind of period a key names: `1405-Q3` a quarter, `1405-M07` a month, `1405` a year. */
export function kindOfKey(key: string): PeriodKind {
  if (/-Q\d$/.test(key)) return 'quarter';
  if (/-M\d{2}$/.test(key)) return 'month';
  return 'year';
}

/** A whole number (a year, a quarter's number) in the user's digits, without grouping: ۱۴۰۵, not ۱٬۴۰۵. */
export function formatInteger(value: number, prefs: Prefs): string {
  return new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`, { useGrouping: false }).format(value);
}

/** The words a period's label is made of, from the dictionary: "Q{{quarter}} {{year}}", "FY {{year}}". */
export interface PeriodWords {
  quarter: (quarter: string, year: string) => string;
  year: (year: string) => string;
}

/**
 * A period's name in the user's language and digits: "Q3 1405", "سه‌ماهه ۳ ۱۴۰۵"; a year by its fiscal number; a
 * month by its name in the fiscal calendar ("مهر ۱۴۰۵"), since a fiscal month is one month of that calendar.
 */
export function periodLabel(
  period: Pick<ForecastPeriod, 'kind' | 'fiscalYear' | 'number' | 'start'>,
  fiscal: FiscalCalendar,
  prefs: Prefs,
  words: PeriodWords,
): string {
  const year = formatInteger(period.fiscalYear, prefs);
  if (period.kind === 'quarter') return words.quarter(formatInteger(period.number, prefs), year);
  if (period.kind === 'year') return words.year(year);
  return new Intl.DateTimeFormat(`${prefs.locale}-u-ca-${intlCalendar(fiscal)}-nu-${prefs.digits}`, {
    timeZone: 'UTC',
    month: 'long',
    year: 'numeric',
  }).format(new Date(`${period.start}T12:00:00Z`));
}

/** The day before a date (`YYYY-MM-DD`): a period's last day, its `end` being the day after. */
export function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** A period's first and last days in the user's calendar: "1 مهر ۱۴۰۵ – ۳۰ آذر ۱۴۰۵". */
export function periodSpan(period: Pick<ForecastPeriod, 'start' | 'end'>, prefs: Prefs): string {
  return `${formatDate(period.start, prefs)} – ${formatDate(dayBefore(period.end), prefs)}`;
}

/** The twelve month names of a calendar in the user's language, January (Farvardin, Muharram) first. */
export function monthNames(calendar: FiscalCalendar, prefs: Prefs): string[] {
  const intl = intlCalendar(calendar);
  const format = new Intl.DateTimeFormat(`${prefs.locale}-u-ca-${intl}-nu-${prefs.digits}`, {
    timeZone: 'UTC',
    month: 'long',
  });
  const monthOf = new Intl.DateTimeFormat(`en-u-ca-${intl}-nu-latn`, { timeZone: 'UTC', month: 'numeric' });
  const names: string[] = [];
  // A year of days, a week apart, meets every month of each calendar (none is shorter than 29 days).
  for (let i = 0; i < 60; i++) {
    const day = new Date(Date.UTC(2026, 0, 1 + i * 7, 12));
    const month = Number(monthOf.format(day));
    if (!names[month - 1]) names[month - 1] = format.format(day);
  }
  return names;
}

/**
 * An amount of the forecast in the workspace's currency, in whole units (a forecast has no use for cents) and the
 * user's digits; a dash for none.
 */
export function formatAmount(value: number | null | undefined, currency: string, prefs: Prefs): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  try {
    return new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`, {
      style: 'currency',
      currency,
      maximumFractionDigits: 0,
    }).format(value);
  } catch {
    return formatMoney({ amount: String(Math.round(value)), currency }, prefs);
  }
}

/** A share (0.42) as a percentage in the user's digits, signed when asked (a bias: +12%); a dash for none. */
export function formatPercent(rate: number | null | undefined, prefs: Prefs, signed = false): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`, {
    style: 'percent',
    maximumFractionDigits: 0,
    ...(signed ? { signDisplay: 'exceptZero' as const } : {}),
  }).format(rate);
}

/** What a key says of its period without asking the server: kind, fiscal year and number (`1405-Q3`: 1405, 3). */
export function keyParts(key: string): Pick<ForecastPeriod, 'kind' | 'fiscalYear' | 'number'> | null {
  const match = /^(\d{4})(?:-(Q|M)(\d{1,2}))?$/.exec(key);
  if (!match) return null;
  const kind = match[2] === 'Q' ? 'quarter' : match[2] === 'M' ? 'month' : 'year';
  return { kind, fiscalYear: Number(match[1]), number: match[3] ? Number(match[3]) : 1 };
}

/**
 * A number typed in any of the user's digits ("۱۲٬۵۰۰٫۵", "12,500.5"): null when empty or not a number. Arabic
 * and Persian digits become ASCII; grouping marks go; the Arabic decimal mark becomes a point.
 */
export function parseAmount(text: string): number | null {
  const ascii = text
    .trim()
    .replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x660))
    .replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x6f0))
    .replace(/٫/g, '.')
    .replace(/[٬,\s]/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(ascii)) return null;
  const value = Number(ascii);
  return Number.isFinite(value) ? value : null;
}

/** A row of the forecast's table as drawn: its depth under the teams above it and whether it has rows under it. */
export interface TreeRow {
  row: ForecastRow;
  /** Unique among the rows drawn (a person may sit in two teams). */
  key: string;
  depth: number;
  hasChildren: boolean;
}

/**
 * The forecast's rows as a tree, depth first: each team followed by its sub-teams and members, people with no team
 * at the top, the total last. Rows under a collapsed team are left out. A team whose parent is not in the answer
 * stands at the top; a cycle is broken where it closes.
 */
export function forecastTree(
  rows: readonly ForecastRow[],
  collapsed: ReadonlySet<string> = new Set(),
): TreeRow[] {
  const teamIds = new Set(rows.filter((r) => r.kind === 'team').map((r) => r.id));
  const parentOf = (r: ForecastRow) => {
    const parent = r.parentTeamId ?? null;
    return parent !== null && teamIds.has(parent) ? parent : null;
  };
  const childrenOf = (parent: string | null) => [
    ...rows.filter((r) => r.kind === 'team' && parentOf(r) === parent),
    ...rows.filter((r) => r.kind === 'user' && parentOf(r) === parent),
  ];
  const out: TreeRow[] = [];
  const visited = new Set<string>();
  // Hidden rows (under a collapsed team) are still walked, so their teams count as reached.
  const walk = (parent: string | null, depth: number, path: string, shown: boolean) => {
    for (const row of childrenOf(parent)) {
      if (row.kind === 'team' && visited.has(row.id)) continue;
      visit(row, depth, `${path}/${row.kind}:${row.id}`, shown);
    }
  };
  const visit = (row: ForecastRow, depth: number, key: string, shown: boolean) => {
    const children = row.kind === 'team' ? childrenOf(row.id) : [];
    if (shown) out.push({ row, key, depth, hasChildren: children.length > 0 });
    if (row.kind !== 'team') return;
    visited.add(row.id);
    walk(row.id, depth + 1, key, shown && !collapsed.has(row.id));
  };
  walk(null, 0, '', true);
  // Teams in a cycle of parents have no way down from the top: each starts a tree of its own.
  for (const row of rows)
    if (row.kind === 'team' && !visited.has(row.id)) visit(row, 0, `/team:${row.id}`, true);
  for (const row of rows.filter((r) => r.kind === 'total'))
    out.push({ row, key: 'total', depth: 0, hasChildren: false });
  return out;
}
