import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { AppError } from '../errors/app-error.ts';
import { vcardRows } from '../exports/vcard.ts';
import { READ_LIMITS, type ReadLimits } from './read-limits.ts';
import { fileBytes, type StoredFile } from './stored-file.ts';

// Reading an uploaded file into rows. This runs in a worker thread (parse-worker.ts), never on the server's main
// thread: see read-rows.ts.

/** Text encodings an uploaded CSV or vCard file may be read in (UTF-8 and UTF-16 are recognised; others are named). */
export const ENCODINGS = [
  'utf8',
  'utf16le',
  'utf16be',
  'windows1256',
  'windows1252',
  'shift_jis',
  'gb18030',
  'big5',
  'euc-kr',
] as const;
export type Encoding = (typeof ENCODINGS)[number];
export type FileFormat = 'csv' | 'xlsx' | 'vcf';

/** The largest CSV record read (a longer one ends the import with a sentence, before anything is written). */
export const MAX_RECORD_BYTES = READ_LIMITS.maxRowChars;
const HEAD_BYTES = 64 * 1024;

const fileError = (message: string) =>
  new AppError('validation_failed', message, { errors: [{ field: 'file', message }] });

const OTHER_ENCODINGS = ENCODINGS.filter((e) => !e.startsWith('utf')).join(', ');

/**
 * Reads the encoding from a byte-order mark, else from the bytes themselves: UTF-16 (a zero in every other byte)
 * or UTF-8 if the bytes are valid UTF-8. Anything else is refused with the reason, never guessed: the caller names
 * the encoding (the `encoding` option) or saves the file as UTF-8.
 */
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
  const bad = invalidUtf8At(head.subarray(0, end));
  if (bad !== undefined) throw notUtf8(bad);
  return 'utf8';
}

/** The offset of the first byte that is not valid UTF-8, if any. */
function invalidUtf8At(bytes: Buffer): number | undefined {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return undefined;
  } catch {
    // Find the offending byte by halving (rare: only files about to be refused get here): a prefix of `lo` bytes
    // decodes, one of `hi` bytes does not.
    let lo = 0;
    let hi = bytes.length;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
        lo = mid;
      } catch {
        hi = mid;
      }
    }
    return hi - 1;
  }
}

function notUtf8(offset: number): AppError {
  return fileError(
    `The file is not UTF-8 text (byte ${offset + 1} is not valid UTF-8), and its encoding cannot be told from its bytes. Save it as "CSV UTF-8", or say which encoding it is with the encoding option (${OTHER_ENCODINGS}).`,
  );
}

/** Decodes UTF-8, refusing the first invalid byte instead of replacing it. */
async function* strictUtf8(bytes: AsyncIterable<Buffer>): AsyncIterable<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let offset = 0;
  for await (const data of bytes) {
    try {
      yield decoder.decode(data, { stream: true });
    } catch {
      throw notUtf8(offset + (invalidUtf8At(data) ?? 0));
    }
    offset += data.length;
  }
  try {
    yield decoder.decode();
  } catch {
    throw fileError('The file is not UTF-8 text: it ends in the middle of a character.');
  }
}

/** The file's text, decoded in its encoding (UTF-8 strictly). */
function decodedText(bytes: AsyncIterable<Buffer>, encoding: Encoding): NodeJS.ReadableStream {
  if (encoding === 'utf8') return Readable.from(strictUtf8(bytes), { objectMode: false });
  return Readable.from(bytes, { objectMode: false }).pipe(iconv.decodeStream(encoding, { stripBOM: true }));
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
 * supported encodings and delimiters, vCards, or the first worksheet of an XLSX workbook. Memory stays flat, and
 * the limits hold: too many columns, too long a header, row or cell, or a workbook that inflates too far, fail
 * the read with a sentence.
 */
export async function openRows(
  file: StoredFile,
  format: FileFormat,
  options: { encoding?: Encoding | undefined; limits?: ReadLimits | undefined } = {},
): Promise<{ info: SourceInfo; rows: AsyncIterable<string[]> }> {
  const limits = options.limits ?? READ_LIMITS;
  const first = file.sizes.length > 0 ? await file.read(0) : Buffer.alloc(0);
  const head = first.subarray(0, HEAD_BYTES);
  if (head.length === 0) throw fileError('The file is empty.');
  if (format === 'xlsx' || isZip(head)) {
    if (!isZip(head)) throw fileError('The file is not an XLSX workbook.');
    // Loaded only for workbooks: a CSV's reader thread starts without the zip and XML parsers.
    const { xlsxRows } = await import('./xlsx-rows.ts');
    return {
      info: { format: 'xlsx', encoding: null, delimiter: null },
      rows: checked(xlsxRows(file, limits), limits),
    };
  }
  const encoding = options.encoding ?? detectEncoding(head);
  const headText = iconv.decode(head, encoding, { stripBOM: true });
  if (format === 'vcf' || /^\s*BEGIN:VCARD/i.test(headText)) {
    const lines = createInterface({
      input: decodedText(fileBytes(file), encoding),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    // Readline emits lines as soon as its input flows. An iterator taken now keeps them; one taken later (when the
    // reader is first asked for rows, after the thread has said what the file is) misses the lines, and the end,
    // emitted meanwhile, and waits for ever.
    const kept = lines[Symbol.asyncIterator]();
    return {
      info: { format: 'vcf', encoding, delimiter: null },
      rows: vcardRows({ [Symbol.asyncIterator]: () => kept }),
    };
  }
  const delimiter = detectDelimiter(headText);
  const parser = parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: limits.maxRowChars,
  });
  const decoded = decodedText(fileBytes(file), encoding);
  decoded.on('error', (error) => parser.destroy(error));
  decoded.pipe(parser);
  return { info: { format: 'csv', encoding, delimiter }, rows: checked(csvRows(parser, limits), limits) };
}

/** Holds rows to the column and header limits, and turns a file's problems into sentences. */
async function* checked(rows: AsyncIterable<string[]>, limits: ReadLimits): AsyncIterable<string[]> {
  let n = 0;
  try {
    for await (const row of rows) {
      n += 1;
      if (row.length > limits.maxColumns)
        throw fileError(
          `${n === 1 ? 'The header row' : `Row ${n}`} has ${row.length.toLocaleString('en')} columns; an import takes at most ${limits.maxColumns.toLocaleString('en')}.`,
        );
      if (n === 1) {
        let chars = 0;
        for (const cell of row) chars += cell.length;
        if (chars > limits.maxHeaderChars)
          throw fileError(
            `The header row holds ${chars.toLocaleString('en')} characters; an import takes at most ${limits.maxHeaderChars.toLocaleString('en')}.`,
          );
      }
      yield row;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    // The workbook reader's problems (FileProblem) and anything else a file provokes are the file's.
    throw fileError((error as Error).message);
  }
}

async function* csvRows(parser: AsyncIterable<string[]>, limits: ReadLimits): AsyncIterable<string[]> {
  try {
    for await (const record of parser) yield record;
  } catch (error) {
    if (error instanceof AppError) throw error;
    const e = error as { code?: string; message?: string; lines?: number; cause?: unknown };
    if (e.cause instanceof AppError) throw e.cause;
    const where = e.lines ? ` (near line ${e.lines})` : '';
    if (e.code === 'CSV_MAX_RECORD_SIZE')
      throw fileError(`A row of the file is larger than ${limits.maxRowChars / 1024 / 1024} MiB${where}.`);
    throw fileError(`The file cannot be read as CSV${where}: ${e.message ?? 'unknown error'}`);
  }
}
