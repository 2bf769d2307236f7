import type { Readable } from 'node:stream';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import yauzl from 'yauzl';
import type { ReadLimits } from './read-limits.ts';
import { RangeReader, type StoredFile } from './stored-file.ts';

// The first worksheet of an XLSX workbook, read row by row under limits. The zip's central directory gives each
// part's sizes before anything is inflated (yauzl refuses a part that inflates beyond the size it declares), so a
// zip bomb is refused from its directory; the parts read are counted again while they inflate, XML is fed to the
// parser in small pieces, and no text node may grow past a cell's limit.

/** A problem with the file itself, told to the person who uploaded it. */
export class FileProblem extends Error {}

const PIECE = 64 * 1024;
const RATIO_GRACE_BYTES = 1024 * 1024;
// Excel's built-in number formats that show dates or times.
const DATE_FORMAT_IDS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57]);

const local = (name: string) => name.slice(name.indexOf(':') + 1);
const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

class ChunkedZipReader extends yauzl.RandomAccessReader {
  private readonly ranges: RangeReader;
  constructor(ranges: RangeReader) {
    super();
    this.ranges = ranges;
  }
  override _readStreamForRange(start: number, end: number): Readable {
    return this.ranges.range(start, end);
  }
}

interface Budget {
  inflated: number;
}

/** Checks a part's declared sizes against the limits, before it is inflated. */
function checkDeclared(entry: yauzl.Entry, limits: ReadLimits, budget: Budget): void {
  const size = entry.uncompressedSize;
  if (size > limits.maxEntryBytes)
    throw new FileProblem(
      `The workbook's part ${entry.fileName} inflates to ${mib(size)}, more than the ${mib(limits.maxEntryBytes)} an import reads.`,
    );
  if (size > RATIO_GRACE_BYTES && size > entry.compressedSize * limits.maxInflateRatio)
    throw new FileProblem(
      `The workbook's part ${entry.fileName} inflates ${Math.round(size / Math.max(1, entry.compressedSize))} times over (at most ${limits.maxInflateRatio} is taken): it looks like a zip bomb, not a spreadsheet.`,
    );
  if (budget.inflated + size > limits.maxInflatedBytes)
    throw new FileProblem(
      `The workbook inflates to more than the ${mib(limits.maxInflatedBytes)} an import reads.`,
    );
  budget.inflated += size;
}

function openZip(file: StoredFile): Promise<yauzl.ZipFile> {
  const ranges = new RangeReader(file);
  return new Promise((resolve, reject) =>
    yauzl.fromRandomAccessReader(
      new ChunkedZipReader(ranges),
      ranges.size,
      { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false },
      (error, zip) => (error || !zip ? reject(error) : resolve(zip)),
    ),
  );
}

function directory(zip: yauzl.ZipFile, limits: ReadLimits): Promise<Map<string, yauzl.Entry>> {
  const found = new Map<string, yauzl.Entry>();
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (found.size >= limits.maxZipEntries) {
        reject(new FileProblem(`The workbook holds more than ${limits.maxZipEntries} parts.`));
        return;
      }
      found.set(entry.fileName.replace(/^\//, ''), entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(found));
    zip.on('error', reject);
    zip.readEntry();
  });
}

/**
 * Feeds a part's XML to a parser in small pieces, yielding after each (the caller hands over finished rows and
 * checks the parser's errors). Counts the inflated bytes, and refuses a run of more than `maxRun` characters
 * without a tag, before the parser would buffer it.
 */
async function* parsePart(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  parser: SaxesParser,
  maxRun: number,
  limits: ReadLimits,
): AsyncIterable<void> {
  const stream = await new Promise<Readable>((resolve, reject) =>
    zip.openReadStream(entry, (error, s) => (error || !s ? reject(error) : resolve(s))),
  );
  const decoder = new TextDecoder('utf-8');
  let inflated = 0;
  let run = 0;
  try {
    for await (const data of stream as AsyncIterable<Buffer>) {
      inflated += data.length;
      if (inflated > Math.min(entry.uncompressedSize, limits.maxEntryBytes)) throw lying(entry);
      for (let at = 0; at < data.length; at += PIECE) {
        const text = decoder.decode(data.subarray(at, at + PIECE), { stream: true });
        let from = 0;
        for (let lt = text.indexOf('<'); lt >= 0; lt = text.indexOf('<', from)) {
          if (run + lt - from > maxRun) break;
          run = 0;
          from = lt + 1;
        }
        run += text.length - from;
        if (run > maxRun)
          throw new FileProblem(
            `A cell of the workbook holds more than ${limits.maxCellChars} characters (the most a cell may hold).`,
          );
        parser.write(text);
        yield;
      }
    }
    parser.write(decoder.decode());
    parser.close();
    yield;
  } catch (error) {
    // yauzl stops a part at the size the directory declares for it.
    if (/too many bytes/.test((error as Error).message)) throw lying(entry);
    throw error;
  } finally {
    stream.destroy();
  }
}

const lying = (entry: yauzl.Entry) =>
  new FileProblem(
    `The workbook's part ${entry.fileName} inflates to more than the ${entry.uncompressedSize} bytes it declares: it looks like a zip bomb, not a spreadsheet.`,
  );

function xmlParser(): { parser: SaxesParser; failure: () => Error | undefined } {
  const parser = new SaxesParser({ xmlns: false });
  let failed: Error | undefined;
  parser.on('error', (error) => {
    failed ??= error;
  });
  parser.on('doctype', () => {
    failed ??= new FileProblem('The workbook declares a DOCTYPE, which spreadsheets never do.');
  });
  return { parser, failure: () => failed };
}

async function readWhole(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  limits: ReadLimits,
  on: (parser: SaxesParser) => void,
): Promise<void> {
  const { parser, failure } = xmlParser();
  on(parser);
  for await (const _ of parsePart(zip, entry, parser, 4 * limits.maxCellChars + 1024, limits)) {
    const error = failure();
    if (error) throw error;
  }
}

/** The first worksheet's part, in the workbook's order of sheets. */
async function firstSheet(
  zip: yauzl.ZipFile,
  entries: Map<string, yauzl.Entry>,
  limits: ReadLimits,
  budget: Budget,
): Promise<{ sheet: yauzl.Entry; date1904: boolean }> {
  const workbook = entries.get('xl/workbook.xml');
  if (!workbook)
    throw new FileProblem('The file is a zip archive but not an XLSX workbook (it has no xl/workbook.xml).');
  checkDeclared(workbook, limits, budget);
  let relId: string | undefined;
  let date1904 = false;
  await readWhole(zip, workbook, limits, (parser) =>
    parser.on('opentag', (tag: SaxesTagPlain) => {
      const name = local(tag.name);
      if (name === 'workbookPr') date1904 = ['1', 'true'].includes(String(tag.attributes.date1904));
      if (name === 'sheet' && relId === undefined)
        relId = Object.entries(tag.attributes).find(([k]) => local(k) === 'id')?.[1] as string | undefined;
    }),
  );
  let target: string | undefined;
  const rels = entries.get('xl/_rels/workbook.xml.rels');
  if (rels && relId !== undefined) {
    checkDeclared(rels, limits, budget);
    await readWhole(zip, rels, limits, (parser) =>
      parser.on('opentag', (tag: SaxesTagPlain) => {
        if (local(tag.name) === 'Relationship' && tag.attributes.Id === relId)
          target = String(tag.attributes.Target ?? '');
      }),
    );
  }
  const path = target
    ? target.startsWith('/')
      ? target.slice(1)
      : `xl/${target}`.replace(/[^/]+\/\.\.\//g, '')
    : [...entries.keys()].filter((k) => /^xl\/worksheets\/sheet\d+\.xml$/.test(k)).sort()[0];
  const sheet = path ? entries.get(path) : undefined;
  if (!sheet) throw new FileProblem('The workbook has no worksheet.');
  return { sheet, date1904 };
}

/** The number formats of the workbook's cell styles that show dates, by style index. */
async function dateStyles(
  zip: yauzl.ZipFile,
  entries: Map<string, yauzl.Entry>,
  limits: ReadLimits,
  budget: Budget,
): Promise<Set<number>> {
  const styles = entries.get('xl/styles.xml');
  const dates = new Set<number>();
  if (!styles) return dates;
  checkDeclared(styles, limits, budget);
  const custom = new Map<number, string>();
  const formats: number[] = [];
  let inCellXfs = false;
  await readWhole(zip, styles, limits, (parser) => {
    parser.on('opentag', (tag: SaxesTagPlain) => {
      const name = local(tag.name);
      if (name === 'numFmt')
        custom.set(Number(tag.attributes.numFmtId), String(tag.attributes.formatCode ?? ''));
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) formats.push(Number(tag.attributes.numFmtId ?? 0));
    });
    parser.on('closetag', (tag) => {
      if (local(tag.name) === 'cellXfs') inCellXfs = false;
    });
  });
  for (const [index, id] of formats.entries()) {
    const code = custom.get(id);
    const isDate =
      code !== undefined
        ? /[ymdhs]/i.test(code.replace(/"[^"]*"|\[[^\]]*\]|\\./g, ''))
        : DATE_FORMAT_IDS.has(id);
    if (isDate) dates.add(index);
  }
  return dates;
}

/** The shared strings table, capped in count and characters. */
async function sharedStrings(
  zip: yauzl.ZipFile,
  entries: Map<string, yauzl.Entry>,
  limits: ReadLimits,
  budget: Budget,
): Promise<string[]> {
  const entry = entries.get('xl/sharedStrings.xml');
  const strings: string[] = [];
  if (!entry) return strings;
  checkDeclared(entry, limits, budget);
  let chars = 0;
  let depth = 0;
  let phonetic = false;
  let current = '';
  let inText = false;
  await readWhole(zip, entry, limits, (parser) => {
    parser.on('opentag', (tag: SaxesTagPlain) => {
      const name = local(tag.name);
      if (name === 'si') {
        depth += 1;
        current = '';
      } else if (name === 'rPh') phonetic = true;
      else if (name === 't' && depth > 0 && !phonetic) inText = true;
    });
    const text = (value: string) => {
      if (!inText) return;
      current += value;
      if (current.length > limits.maxCellChars)
        throw new FileProblem(
          `A shared string of the workbook holds more than ${limits.maxCellChars} characters (the most a cell may hold).`,
        );
    };
    parser.on('text', text);
    parser.on('cdata', text);
    parser.on('closetag', (tag) => {
      const name = local(tag.name);
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic = false;
      else if (name === 'si') {
        depth -= 1;
        chars += current.length;
        if (strings.length >= limits.maxSharedStrings)
          throw new FileProblem(
            `The workbook's shared strings table holds more than ${limits.maxSharedStrings.toLocaleString('en')} strings.`,
          );
        if (chars > limits.maxSharedStringChars)
          throw new FileProblem(
            `The workbook's shared strings hold more than ${mib(limits.maxSharedStringChars)} of text.`,
          );
        strings.push(current);
        current = '';
      }
    });
  });
  return strings;
}

/** A column reference's index from 0 (`A` → 0, `AB` → 27), or undefined without letters. */
function columnIndex(ref: string | undefined): number | undefined {
  if (!ref) return undefined;
  let index = 0;
  let letters = 0;
  for (const ch of ref) {
    const code = ch.toUpperCase().charCodeAt(0);
    if (code < 65 || code > 90) break;
    index = index * 26 + (code - 64);
    letters += 1;
    if (letters > 4) break;
  }
  return letters === 0 ? undefined : index - 1;
}

/** An Excel serial date as ISO 8601 (a date alone when it is midnight). */
function serialDate(serial: number, date1904: boolean): string {
  const ms = Math.round((serial + (date1904 ? 1462 : 0) - 25569) * 86_400_000);
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return String(serial);
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/**
 * The rows of the first worksheet of an XLSX workbook (in the workbook's order of sheets) as cell text: formulas
 * give their cached result, never the formula; dates ISO 8601; booleans true/false; errors empty. Rows with no
 * text are skipped, as empty CSV lines are.
 */
export async function* xlsxRows(file: StoredFile, limits: ReadLimits): AsyncIterable<string[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(file);
  } catch (error) {
    throw new FileProblem(`The file is not an XLSX workbook: ${(error as Error).message}`);
  }
  try {
    const entries = await directory(zip, limits);
    const budget: Budget = { inflated: 0 };
    const { sheet, date1904 } = await firstSheet(zip, entries, limits, budget);
    checkDeclared(sheet, limits, budget);
    const dates = await dateStyles(zip, entries, limits, budget);
    const strings = await sharedStrings(zip, entries, limits, budget);

    const { parser, failure } = xmlParser();
    const ready: string[][] = [];
    let row: string[] | undefined;
    let rowChars = 0;
    let rowNumber = 0;
    let cell: { index: number; type: string; style: number; text: string } | undefined;
    let next = 0;
    let into: 'v' | 't' | undefined;
    let inInline = false;
    let phonetic = false;
    const place = (index: number, value: string) => {
      if (!row) return;
      if (index >= limits.maxColumns)
        throw new FileProblem(
          `Row ${rowNumber} of the worksheet has more than ${limits.maxColumns} columns (the most an import takes).`,
        );
      rowChars += value.length;
      if (rowChars > limits.maxRowChars)
        throw new FileProblem(
          `Row ${rowNumber} of the worksheet holds more than ${mib(limits.maxRowChars)} of text.`,
        );
      while (row.length < index) row.push('');
      row[index] = value;
    };
    parser.on('opentag', (tag: SaxesTagPlain) => {
      const name = local(tag.name);
      if (name === 'row') {
        row = [];
        rowChars = 0;
        next = 0;
        rowNumber = Number(tag.attributes.r) || rowNumber + 1;
      } else if (name === 'c' && row) {
        const index = columnIndex(tag.attributes.r as string | undefined) ?? next;
        cell = {
          index,
          type: String(tag.attributes.t ?? 'n'),
          style: Number(tag.attributes.s ?? 0),
          text: '',
        };
        next = index + 1;
      } else if (cell && name === 'v') into = 'v';
      else if (cell && name === 'is') inInline = true;
      else if (cell && name === 'rPh') phonetic = true;
      else if (cell && inInline && !phonetic && name === 't') into = 't';
    });
    const text = (value: string) => {
      if (!cell || !into) return;
      cell.text += value;
      if (cell.text.length > limits.maxCellChars)
        throw new FileProblem(
          `Cell ${cell.index + 1} of row ${rowNumber} holds more than ${limits.maxCellChars} characters (the most a cell may hold).`,
        );
    };
    parser.on('text', text);
    parser.on('cdata', text);
    parser.on('closetag', (tag) => {
      const name = local(tag.name);
      if (name === 'v' || name === 't') into = undefined;
      else if (name === 'rPh') phonetic = false;
      else if (name === 'is') inInline = false;
      else if (name === 'c' && cell) {
        const { type, text: raw, style, index } = cell;
        cell = undefined;
        let value = raw;
        if (type === 's') value = strings[Number(raw)] ?? '';
        else if (type === 'b') value = raw === '1' ? 'true' : raw === '0' ? 'false' : raw;
        else if (type === 'e') value = '';
        else if (type === 'n' && raw !== '') {
          const number = Number.parseFloat(raw);
          value = Number.isNaN(number)
            ? raw
            : dates.has(style)
              ? serialDate(number, date1904)
              : String(number);
        }
        if (value !== '') place(index, value);
      } else if (name === 'row' && row) {
        if (row.some((c) => c !== '')) ready.push(row);
        row = undefined;
      }
    });
    for await (const _ of parsePart(zip, sheet, parser, 4 * limits.maxCellChars + 1024, limits)) {
      const error = failure();
      if (error) throw error;
      while (ready.length > 0) yield ready.shift()!;
    }
  } catch (error) {
    if (error instanceof FileProblem) throw error;
    throw new FileProblem(`The file cannot be read as an XLSX workbook: ${(error as Error).message}`);
  } finally {
    zip.close();
  }
}
