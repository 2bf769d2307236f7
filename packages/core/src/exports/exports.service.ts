import { PassThrough, Readable } from 'node:stream';
import { withWorkspace } from '@rabita/db';
import { stringify } from 'csv-stringify';
import type ExcelJSModule from 'exceljs';
import type { ServiceContext } from '../context.ts';
import { lazyPackage } from '../lazy-package.ts';
import type { FieldDef } from '../metadata/metadata.types.ts';
import { hiddenFor } from '../records/access.ts';
import { type RecordView, readRecords } from '../records/gate.ts';
import { objectsInScope } from '../records/scope.ts';
import { streamRecords } from '../records/stream-records.ts';
import { neutraliseCell } from './cells.ts';
import { personToVCard, toICalendarComponent } from './vcard.ts';

const excel = lazyPackage<typeof ExcelJSModule>('exceljs');

export const EXPORT_FORMATS = ['csv', 'xlsx', 'vcf', 'ics'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Records fetched per page (one keyset query each). */
const PAGE = 1000;

/** A field's value as one spreadsheet cell (lists joined with "; "), before formula neutralising. */
export function cellOf(field: FieldDef, value: unknown): string {
  if (value === null || value === undefined) return '';
  switch (field.type) {
    case 'money': {
      const m = value as { amount: string; currency: string };
      return `${m.amount} ${m.currency}`;
    }
    case 'emails':
      return (value as { address: string }[]).map((e) => e.address).join('; ');
    case 'phones':
      return (value as { e164: string }[]).map((p) => p.e164).join('; ');
    case 'phone':
      return (value as { e164: string }).e164;
    case 'address':
      return ['street', 'city', 'region', 'postalCode', 'country']
        .map((k) => (value as Record<string, string>)[k])
        .filter(Boolean)
        .join(', ');
    case 'location': {
      const l = value as { lat: number; lng: number };
      return `${l.lat}, ${l.lng}`;
    }
    default:
      return Array.isArray(value) ? value.map(String).join('; ') : String(value);
  }
}

/**
 * Every record the caller may read that matches the filter, page by page (keyset, no cap), as the fields the
 * caller may see. The first page is read before this returns, so a bad filter or field fails as a 4xx.
 */
export async function exportRecords(
  { db, principal }: ServiceContext,
  objectKey: string,
  options: { filter?: unknown; fields?: string[] | undefined },
): Promise<{ fields: FieldDef[]; pages: AsyncIterable<RecordView[]> }> {
  const { object } = await withWorkspace(db, principal.workspaceId, (trx) =>
    objectsInScope(trx, principal.workspaceId, objectKey),
  );
  const hidden = hiddenFor(principal);
  const fields = object.fields.filter(
    (f) =>
      !hidden(object.key, f.key) && (!options.fields || f.key === 'id' || options.fields.includes(f.key)),
  );
  const stream = streamRecords(
    { db, principal },
    objectKey,
    { filter: options.filter, fields: options.fields },
    PAGE,
  );
  const first = await stream.next();
  async function* pages() {
    if (first.done) return;
    yield first.value;
    yield* stream;
  }
  return { fields, pages: pages() };
}

/** The records as a CSV byte stream (UTF-8 with a BOM, so spreadsheets read Arabic and Persian right). */
export function toCsv(fields: FieldDef[], pages: AsyncIterable<RecordView[]>): Readable {
  async function* rows() {
    yield fields.map((f) => f.key);
    for await (const page of pages)
      for (const record of page) yield fields.map((f) => neutraliseCell(cellOf(f, record[f.key])));
  }
  return Readable.from(rows()).pipe(stringify({ bom: true }));
}

/** The records as an XLSX byte stream, written row by row (exceljs's streaming writer). */
export function toXlsx(fields: FieldDef[], pages: AsyncIterable<RecordView[]>, sheetName: string): Readable {
  const out = new PassThrough();
  const workbook = new (excel().stream.xlsx.WorkbookWriter)({
    stream: out,
    useSharedStrings: false,
    useStyles: false,
  });
  const sheet = workbook.addWorksheet(sheetName.slice(0, 31));
  void (async () => {
    sheet.addRow(fields.map((f) => f.key)).commit();
    for await (const page of pages) {
      for (const record of page) {
        sheet
          .addRow(
            fields.map((f) => {
              const v = record[f.key];
              if ((f.type === 'number' || f.type === 'rating') && typeof v === 'number') return v;
              if (f.type === 'boolean' && typeof v === 'boolean') return v;
              return neutraliseCell(cellOf(f, v));
            }),
          )
          .commit();
      }
    }
    sheet.commit();
    await workbook.commit();
  })().catch((error: unknown) => out.destroy(error as Error));
  return out;
}

/**
 * People as vCard 4.0, one card per person, with each linked company's name as ORG — read through the gate, so a
 * company the caller may not read, or whose name their role hides, is simply left out of the card.
 */
export function toVcf({ db, principal }: ServiceContext, pages: AsyncIterable<RecordView[]>): Readable {
  async function* cards() {
    for await (const page of pages) {
      const companyIds = page.map((p) => p.company).filter((c): c is string => typeof c === 'string');
      const companies =
        companyIds.length > 0
          ? await withWorkspace(db, principal.workspaceId, (trx) =>
              readRecords(trx, principal, 'companies', companyIds, { fields: ['name'] }),
            )
          : new Map<string, RecordView>();
      yield page
        .map((p) => {
          const name = typeof p.company === 'string' ? companies.get(p.company)?.name : undefined;
          return personToVCard(p, typeof name === 'string' ? name : undefined);
        })
        .join('');
    }
  }
  return Readable.from(cards());
}

/** Meetings (activities) as VEVENTs or tasks as VTODOs, in one VCALENDAR. */
export function toIcs(object: 'activities' | 'tasks', pages: AsyncIterable<RecordView[]>): Readable {
  const now = new Date().toISOString();
  async function* calendar() {
    yield 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Rabita//CRM//EN\r\nCALSCALE:GREGORIAN\r\n';
    for await (const page of pages) yield page.map((r) => toICalendarComponent(object, r, now)).join('');
    yield 'END:VCALENDAR\r\n';
  }
  return Readable.from(calendar());
}
