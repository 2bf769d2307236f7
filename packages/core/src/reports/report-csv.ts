import { stringify } from 'csv-stringify/sync';
import type ExcelJSModule from 'exceljs';
import { neutraliseCell } from '../exports/cells.ts';
import { lazyPackage } from '../lazy-package.ts';
import type { ReportResult } from './run-report.ts';

const excel = lazyPackage<typeof ExcelJSModule>('exceljs');

/**
 * A report's answer as a header and rows of cells: text, or numbers where a measure is one. A relation's groups are
 * named by their record's title (as the reader may see it) with the id in the next column, a team's by its name
 * (for a reader who may list members) with its id.
 */
function reportTable(result: ReportResult): {
  header: string[];
  rows: (string | number)[][];
  measuresAt: number;
} {
  const buckets = new Map(result.buckets.map((b) => [b.key, b]));
  const header: string[] = [];
  for (const d of result.dimensions) {
    if (d.bucket) header.push(`${d.field} (${d.bucket}) from`, `${d.field} (${d.bucket}) to`);
    else if (d.by === 'team') header.push(`${d.field} (team)`, `${d.field} (team) id`);
    else if (d.type === 'relation') header.push(d.field, `${d.field} id`);
    else header.push(d.step ? `${d.field} (from, step ${d.step})` : d.field);
  }
  const money = result.rows.some((r) => r.currency !== undefined);
  const unconverted = result.rows.some((r) => r.unconverted);
  if (money) header.push('currency');
  const measuresAt = header.length;
  // A measure by the name its definition gave it, else by what it measures (a formula by its expression).
  header.push(
    ...result.measures.map(
      (m) =>
        m.label ??
        (m.expression !== undefined
          ? `formula:${m.expression}`
          : m.field
            ? `${m.fn}:${m.since ? `${m.since}..${m.field} (${m.unit ?? 'days'})` : m.field}`
            : m.fn),
    ),
  );
  if (unconverted) header.push('records without a rate');
  const rows = result.rows.map((row) => {
    const cells: (string | number)[] = [];
    for (const [i, d] of result.dimensions.entries()) {
      const key = row.keys[i] ?? null;
      if (d.bucket) {
        const b = key === null ? undefined : buckets.get(key);
        cells.push(b?.from ?? '', b?.to ?? '');
      } else if (d.type === 'relation' || d.by === 'team')
        // A related record by its title as the reader may see it, and its id beside it.
        cells.push(row.others[i] ? '(others)' : key === null ? '' : (result.labels[key] ?? ''), key ?? '');
      else cells.push(row.others[i] ? '(others)' : (key ?? ''));
    }
    if (money) cells.push(row.currency ?? '');
    cells.push(...row.values.map((v) => (v === null ? '' : v)));
    if (unconverted) cells.push(row.unconverted ?? 0);
    return cells;
  });
  return { header, rows, measuresAt };
}

const cell = (v: string | number) => (typeof v === 'number' ? v : neutraliseCell(v));

/**
 * A report's answer as CSV for spreadsheet programs: UTF-8 with a byte-order mark, one row per group, a date
 * bucket as its first and last day, an "others" group named so, money's currency and how many records lacked a
 * rate, and every cell neutralised against formulas as record exports are.
 */
export function reportCsv(result: ReportResult): string {
  const { header, rows } = reportTable(result);
  return stringify([header.map(cell), ...rows.map((r) => r.map((v) => String(cell(v))))], { bom: true });
}

/**
 * The same as an XLSX workbook of one sheet, right to left for a reader in Arabic or Persian; counts are numbers,
 * sums and averages numbers too (a spreadsheet adds them; the exact text is in the CSV and the API).
 */
export async function reportXlsx(result: ReportResult, name: string, rtl: boolean): Promise<Buffer> {
  const { header, rows, measuresAt } = reportTable(result);
  const workbook = new (excel().Workbook)();
  const sheet = workbook.addWorksheet(
    name
      .replace(/[\\/?*[\]:]/g, ' ')
      .slice(0, 31)
      .trim() || 'Report',
    {
      views: [{ rightToLeft: rtl }],
    },
  );
  sheet.addRow(header.map(cell));
  // Measures (and the count of records without a rate) as numbers; keys stay text (a code keeps its zeros).
  const asNumber = (v: string | number) =>
    typeof v === 'number' ? v : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : cell(v);
  for (const r of rows) sheet.addRow(r.map((v, i) => (i >= measuresAt ? asNumber(v) : cell(v))));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
