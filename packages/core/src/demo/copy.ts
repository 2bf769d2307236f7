import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A value as PostgreSQL's COPY text format writes it. */
export type CopyValue = string | number | boolean | null | Date | string[] | object;

function escapeText(s: string): string {
  return s.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

function arrayLiteral(items: string[]): string {
  return `{${items.map((i) => `"${i.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

function encode(value: CopyValue): string {
  if (value === null) return '\\N';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    return escapeText(arrayLiteral(value));
  if (typeof value === 'object') return escapeText(JSON.stringify(value));
  return escapeText(String(value));
}

/** Streams rows into a table with COPY (text format), with backpressure; returns the row count. */
export async function copyRows(
  client: pg.PoolClient,
  table: string,
  columns: string[],
  rows: Iterable<CopyValue[]>,
  onRows?: (count: number) => void,
): Promise<number> {
  let count = 0;
  const BATCH = 500;
  function* lines() {
    let buffer = '';
    let inBuffer = 0;
    for (const row of rows) {
      buffer += `${row.map(encode).join('\t')}\n`;
      count += 1;
      inBuffer += 1;
      if (inBuffer === BATCH) {
        yield buffer;
        onRows?.(inBuffer);
        buffer = '';
        inBuffer = 0;
      }
    }
    if (buffer) {
      yield buffer;
      onRows?.(inBuffer);
    }
  }
  const target = client.query(
    copyFrom(`copy ${table} (${columns.map((c) => `"${c}"`).join(', ')}) from stdin`),
  );
  await pipeline(Readable.from(lines()), target);
  return count;
}
