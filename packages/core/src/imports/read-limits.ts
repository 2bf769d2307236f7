// What reading an uploaded file may cost. A file that needs more fails its import with a sentence naming the
// limit, before anything is written; the parse runs in a worker thread with its own heap (see read-rows.ts), so a
// file that slips past these still fails alone.

/** Limits on reading one uploaded file; tests lower them, the server uses `READ_LIMITS`. */
export interface ReadLimits {
  /** Columns of any row (the header row included). */
  maxColumns: number;
  /** Characters of the header row, all its cells together. */
  maxHeaderChars: number;
  /** Characters of one row, all its cells together (a CSV record's bytes are capped alike by csv-parse). */
  maxRowChars: number;
  /** Characters of one XLSX cell or shared string (Excel's own limit is 32,767). */
  maxCellChars: number;
  /** Entries in an XLSX (zip) file's directory. */
  maxZipEntries: number;
  /** Inflated bytes of one XLSX part (a worksheet, the shared strings). */
  maxEntryBytes: number;
  /** Inflated bytes of all the XLSX parts read, together. */
  maxInflatedBytes: number;
  /** Inflated bytes per compressed byte of a part larger than 1 MiB (a zip bomb inflates a thousandfold). */
  maxInflateRatio: number;
  /** Strings in an XLSX workbook's shared strings table, and their characters together. */
  maxSharedStrings: number;
  maxSharedStringChars: number;
}

export const READ_LIMITS: Readonly<ReadLimits> = Object.freeze({
  maxColumns: 2000,
  maxHeaderChars: 256 * 1024,
  maxRowChars: 32 * 1024 * 1024,
  maxCellChars: 32_767,
  maxZipEntries: 10_000,
  maxEntryBytes: 1024 ** 3,
  maxInflatedBytes: 2 * 1024 ** 3,
  maxInflateRatio: 100,
  maxSharedStrings: 1_000_000,
  maxSharedStringChars: 64 * 1024 * 1024,
});

/** The heap a file's parse may use (its worker thread's old generation), in MiB. */
export const PARSE_HEAP_MB = 256;
