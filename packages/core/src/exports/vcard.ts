import type { RecordView } from '../records/gate.ts';

// vCard 4.0 (RFC 6350) for people, and iCalendar (RFC 5545) for meetings and tasks: written here (the formats
// are small line protocols), read by the import pipeline as rows with fixed headers.

// Line breaks of any kind (CRLF, a bare CR or LF, NEL, LS, PS): a reader may end a content line at each.
const LINE_BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/g;
// Other control characters (C0 but tab, DEL, C1): the formats allow none in a value and have no escape for them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Escapes a text value: backslash, comma, semicolon; every line break as \n; other control characters dropped. */
function escapeText(text: string): string {
  return text
    .replace(/[\\,;]/g, (c) => `\\${c}`)
    .replace(LINE_BREAKS, '\\n')
    .replace(CONTROLS, '');
}

/** Folds a content line at 75 octets without splitting a UTF-8 character (RFC 6350 §3.2, RFC 5545 §3.1). */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

/** One content line; a value that reached here unescaped still cannot break the line or carry a control. */
const line = (name: string, value: string) =>
  `${foldLine(`${name}:${value.replace(LINE_BREAKS, ' ').replace(CONTROLS, '')}`)}\r\n`;

/** One person as a vCard 4.0; `companyName` is the linked company's name, when there is one. */
export function personToVCard(person: RecordView, companyName?: string): string {
  const first = typeof person.firstName === 'string' ? person.firstName : '';
  const last = typeof person.lastName === 'string' ? person.lastName : '';
  let out = 'BEGIN:VCARD\r\nVERSION:4.0\r\n';
  out += line('UID', `urn:uuid:${person.id}`);
  out += line('FN', escapeText([first, last].filter(Boolean).join(' ') || String(person.id)));
  out += line('N', `${escapeText(last)};${escapeText(first)};;;`);
  for (const email of (person.emails as { address: string; primary: boolean }[] | null) ?? [])
    out += line(`EMAIL${email.primary ? ';PREF=1' : ''}`, escapeText(email.address));
  for (const phone of (person.phones as { e164: string; primary: boolean }[] | null) ?? [])
    out += line(`TEL;VALUE=uri${phone.primary ? ';PREF=1' : ''}`, `tel:${phone.e164}`);
  if (typeof person.jobTitle === 'string' && person.jobTitle)
    out += line('TITLE', escapeText(person.jobTitle));
  if (companyName) out += line('ORG', escapeText(companyName));
  const address = person.address as Record<string, string> | null;
  if (address) {
    const parts = ['', '', address.street, address.city, address.region, address.postalCode, address.country];
    out += line('ADR', parts.map((p) => escapeText(p ?? '')).join(';'));
  }
  const tags = (person.tags as string[] | null) ?? [];
  if (tags.length > 0) out += line('CATEGORIES', tags.map(escapeText).join(','));
  if (typeof person.updatedAt === 'string')
    out += line('REV', person.updatedAt.replace(/[-:]/g, '').replace(/\.\d+/, ''));
  return `${out}END:VCARD\r\n`;
}

/** The columns a vCard file is read as, so it goes through the same import pipeline as a spreadsheet. */
export const VCARD_HEADERS = [
  'First Name',
  'Last Name',
  'Email',
  'Phone',
  'Company',
  'Job Title',
  'Street',
  'City',
  'Region',
  'Postal Code',
  'Country',
  'Tags',
] as const;

function unescapeText(text: string): string {
  return text.replace(/\\([\\,;nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** Splits on a separator that is not escaped with a backslash. */
function splitUnescaped(text: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (c === separator) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

/**
 * Reads vCards (3.0 or 4.0) from a stream of unfolded-or-folded lines into rows under `VCARD_HEADERS`, one row per
 * card: several emails or phones are joined with "; ". Cards without a name, email or phone still become rows
 * (and are rejected by the import with a reason if the object needs more).
 */
export async function* vcardRows(lines: AsyncIterable<string>): AsyncIterable<string[]> {
  yield [...VCARD_HEADERS];
  let card: Map<string, string[]> | undefined;
  let pending: string | undefined;
  const take = (raw: string) => {
    if (!card) return;
    const colon = raw.indexOf(':');
    if (colon < 0) return;
    const head = raw.slice(0, colon);
    const value = raw.slice(colon + 1);
    const name = head
      .split(';')[0]!
      .replace(/^item\d+\./i, '')
      .toUpperCase();
    const list = card.get(name) ?? [];
    list.push(value);
    card.set(name, list);
  };
  const finish = (): string[] | undefined => {
    if (!card) return undefined;
    const c = card;
    card = undefined;
    const n = splitUnescaped(c.get('N')?.[0] ?? '', ';').map(unescapeText);
    let [last, first] = [n[0] ?? '', n[1] ?? ''];
    if (!first && !last) {
      const fn = unescapeText(c.get('FN')?.[0] ?? '').trim();
      const space = fn.indexOf(' ');
      [first, last] = space > 0 ? [fn.slice(0, space), fn.slice(space + 1)] : [fn, ''];
    }
    const adr = splitUnescaped(c.get('ADR')?.[0] ?? '', ';').map(unescapeText);
    const phones = (c.get('TEL') ?? []).map((t) => unescapeText(t).replace(/^tel:/i, '').trim());
    return [
      first,
      last,
      (c.get('EMAIL') ?? []).map((e) => unescapeText(e).trim()).join('; '),
      phones.join('; '),
      unescapeText(splitUnescaped(c.get('ORG')?.[0] ?? '', ';')[0] ?? ''),
      unescapeText(c.get('TITLE')?.[0] ?? ''),
      adr[2] ?? '',
      adr[3] ?? '',
      adr[4] ?? '',
      adr[5] ?? '',
      adr[6] ?? '',
      splitUnescaped(c.get('CATEGORIES')?.[0] ?? '', ',')
        .map(unescapeText)
        .filter(Boolean)
        .join('; '),
    ];
  };
  for await (const rawLine of lines) {
    if (rawLine.startsWith(' ') || rawLine.startsWith('\t')) {
      if (pending !== undefined) pending += rawLine.slice(1);
      continue;
    }
    if (pending !== undefined) {
      const upper = pending.toUpperCase();
      if (upper === 'BEGIN:VCARD') card = new Map();
      else if (upper === 'END:VCARD') {
        const row = finish();
        if (row) yield row;
      } else take(pending);
    }
    pending = rawLine;
  }
  if (pending !== undefined) {
    if (pending.toUpperCase() === 'END:VCARD') {
      const row = finish();
      if (row) yield row;
    } else take(pending);
  }
}

const icsDate = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d+/, '');

/** A meeting (an activity) as a VEVENT, or a task as a VTODO. */
export function toICalendarComponent(
  object: 'activities' | 'tasks',
  record: RecordView,
  now: string,
): string {
  let out = '';
  if (object === 'tasks') {
    out += 'BEGIN:VTODO\r\n';
    out += line('UID', `${record.id}@rabita`);
    out += line('DTSTAMP', icsDate(now));
    out += line('SUMMARY', escapeText(String(record.title ?? '')));
    if (typeof record.dueAt === 'string') out += line('DUE', icsDate(record.dueAt));
    const status =
      record.status === 'done' ? 'COMPLETED' : record.status === 'cancelled' ? 'CANCELLED' : 'NEEDS-ACTION';
    out += line('STATUS', status);
    const priority = { urgent: 1, high: 3, normal: 5, low: 9 }[String(record.priority)];
    if (priority) out += line('PRIORITY', String(priority));
    return `${out}END:VTODO\r\n`;
  }
  out += 'BEGIN:VEVENT\r\n';
  out += line('UID', `${record.id}@rabita`);
  out += line('DTSTAMP', icsDate(now));
  const start = typeof record.occurredAt === 'string' ? record.occurredAt : String(record.createdAt);
  out += line('DTSTART', icsDate(start));
  const seconds = typeof record.durationSeconds === 'number' ? record.durationSeconds : 0;
  if (seconds > 0) out += line('DTEND', icsDate(new Date(Date.parse(start) + seconds * 1000).toISOString()));
  out += line('SUMMARY', escapeText(String(record.subject ?? record.type ?? '')));
  if (typeof record.body === 'string' && record.body) out += line('DESCRIPTION', escapeText(record.body));
  return `${out}END:VEVENT\r\n`;
}
