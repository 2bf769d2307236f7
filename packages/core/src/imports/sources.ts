import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { AppError } from '../errors/app-error.ts';
import { vcardRows } from '../exports/vcard.ts';

/** Text encodings an uploaded CSV may use. */
export const ENCODINGS = ['utf8', 'utf16le', 'utf16be', 'windows1256'] as const;
export type Encoding = (typeof ENCODINGS)[number];
export type FileFormat = 'csv' | 'xlsx' | 'vcf';

/** The largest CSV record read (a longer one ends the import with a sentence, before anything is written). */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;
const HEAD_BYTES = 64 * 1024;

const fileError = (message: string) =>
  new AppError('validation_failed', message, { errors: [{ field: 'file', message }] });

/** Reads the encoding from a byte-order mark, else from the bytes themselves (UTF-8 if valid, else Windows-1256). */
export function detectEncoding(head: Buffer): Encoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf16be';
  const sample = head.subarray(0, Math.min(head.length, 4096));
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < sample.length; i++) if (sample[i] === 0) i % 2 === 0 ? evenZeros++ : oddZeros++;
  // UTF-16 without a mark: ASCII text has a zero in every other byte.
  if (sample.length >= 4 && oddZeros > sample.length / 4 && evenZeros === 0) return 'utf16le';
  if (sample.length >= 4 && evenZeros > sample.length / 4 && oddZeros === 0) return 'utf16be';
  if (evenZeros + oddZeros > 0)
    throw fileError('The file is not a text (CSV) file: it holds binary data. Upload a CSV or an XLSX file.');
  // Cut back to a whole UTF-8 character before checking.
  let end = head.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = head[end - back]!;
    if ((byte & 0xc0) === 0xc0) {
      end -= back;
      break;
    }
    if ((byte & 0x80) === 0) break;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
    return 'utf8';
  } catch {
    return 'windows1256';
  }
}

/** The delimiter used most in the first line, outside quotes: comma, semicolon, tab or pipe. */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
    ['|', 0],
  ]);
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  let most = 0;
  for (const [d, n] of counts)
    if (n > most) {
      best = d;
      most = n;
    }
  return best;
}

/** Splits the first bytes off a byte stream, giving them and a stream of everything (head included). */
async function peek(source: AsyncIterable<Buffer>, bytes: number): Promise<{ head: Buffer; all: Readable }> {
  const iterator = source[Symbol.asyncIterator]();
  const taken: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    taken.push(next.value);
    size += next.value.length;
  }
  const head = Buffer.concat(taken);
  async function* replay() {
    yield head;
    if (done) return;
    while (true) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, all: Readable.from(replay(), { objectMode: false }) };
}

function isZip(head: Buffer) {
  return head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** What a file turned out to be. */
export interface SourceInfo {
  format: FileFormat;
  encoding: Encoding | null;
  delimiter: string | null;
}

/**
 * Streams the rows of an uploaded file (the header row first) as arrays of cell text: CSV in any of the
 * supported encodings and delimiters, or the first worksheet of an XLSX workbook. Memory stays flat.
 */
export async function openRows(
  source: AsyncIterable<Buffer>,
  format: FileFormat,
  options: { encoding?: Encoding | undefined } = {},
): Promise<{ info: SourceInfo; rows: AsyncIterable<string[]> }> {
  const { head, all } = await peek(source, HEAD_BYTES);
  if (head.length === 0) throw fileError('The file is empty.');
  if (format === 'xlsx' || isZip(head)) {
    if (!isZip(head)) throw fileError('The file is not an XLSX workbook.');
    return { info: { format: 'xlsx', encoding: null, delimiter: null }, rows: xlsxRows(all) };
  }
  const encoding = options.encoding ?? detectEncoding(head);
  const headText = iconv.decode(head, encoding, { stripBOM: true });
  if (format === 'vcf' || /^\s*BEGIN:VCARD/i.test(headText)) {
    const decoded = all.pipe(iconv.decodeStream(encoding, { stripBOM: true }));
    const lines = createInterface({ input: decoded, crlfDelay: Number.POSITIVE_INFINITY });
    return { info: { format: 'vcf', encoding, delimiter: null }, rows: vcardRows(lines) };
  }
  const delimiter = detectDelimiter(headText);
  const parser = parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES,
  });
  const decoded = all.pipe(iconv.decodeStream(encoding, { stripBOM: true }));
  decoded.on('error', (error) => parser.destroy(error));
  decoded.pipe(parser);
  return { info: { format: 'csv', encoding, delimiter }, rows: csvRows(parser) };
}

async function* csvRows(parser: AsyncIterable<string[]>): AsyncIterable<string[]> {
  try {
    for await (const record of parser) yield record;
  } catch (error) {
    if (error instanceof AppError) throw error;
    const e = error as { code?: string; message?: string; lines?: number };
    const where = e.lines ? ` (near line ${e.lines})` : '';
    if (e.code === 'CSV_MAX_RECORD_SIZE')
      throw fileError(`A row of the file is larger than ${MAX_RECORD_BYTES / 1024 / 1024} MiB${where}.`);
    throw fileError(`The file cannot be read as CSV${where}: ${e.message ?? 'unknown error'}`);
  }
}

/** A cell of a worksheet as text: formulas give their cached result, never the formula; dates ISO 8601. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) return v.richText.map((p: { text?: string }) => p.text ?? '').join('');
    if ('formula' in v || 'sharedFormula' in v) return cellText(v.result);
    if ('text' in v) return cellText(v.text);
    if ('error' in v) return '';
    return '';
  }
  return String(value);
}

async function* xlsxRows(stream: Readable): AsyncIterable<string[]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
  });
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const values = row.values as unknown[];
        const cells: string[] = [];
        for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]));
        // Rows that are missing in the sheet (empty) are skipped, as empty CSV lines are.
        if (cells.some((c) => c !== '')) yield cells;
      }
      // Only the first worksheet is imported; draining the rest keeps the reader from waiting on us.
      break;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw fileError(`The file cannot be read as an XLSX workbook: ${(error as Error).message}`);
  }
}
