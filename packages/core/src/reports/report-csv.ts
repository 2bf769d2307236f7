import { stringify } from 'csv-stringify/sync';
import { neutraliseCell } from '../exports/cells.ts';
import type { ReportResult } from './run-report.ts';

/**
 * A report's answer as CSV for spreadsheet programs: UTF-8 with a byte-order mark, one row per group, a date
 * bucket as its first and last day, an "others" group named so, money's currency and how many records lacked a
 * rate, and every cell neutralised against formulas as record exports are.
 */
export function reportCsv(result: ReportResult): string {
  const buckets = new Map(result.buckets.map((b) => [b.key, b]));
  const header: string[] = [];
  for (const d of result.dimensions) {
    if (d.bucket) header.push(`${d.field} (${d.bucket}) from`, `${d.field} (${d.bucket}) to`);
    else header.push(d.step ? `${d.field} (from, step ${d.step})` : d.field);
  }
  const money = result.rows.some((r) => r.currency !== undefined);
  const unconverted = result.rows.some((r) => r.unconverted);
  if (money) header.push('currency');
  header.push(...result.measures.map((m) => (m.field ? `${m.fn}:${m.field}` : m.fn)));
  if (unconverted) header.push('records without a rate');
  const lines = result.rows.map((row) => {
    const cells: string[] = [];
    for (const [i, d] of result.dimensions.entries()) {
      const key = row.keys[i] ?? null;
      if (d.bucket) {
        const b = key === null ? undefined : buckets.get(key);
        cells.push(b?.from ?? '', b?.to ?? '');
      } else cells.push(row.others[i] ? '(others)' : (key ?? ''));
    }
    if (money) cells.push(row.currency ?? '');
    cells.push(...row.values.map((v) => (v === null ? '' : String(v))));
    if (unconverted) cells.push(String(row.unconverted ?? 0));
    return cells.map(neutraliseCell);
  });
  return stringify([header.map(neutraliseCell), ...lines], { bom: true });
}
