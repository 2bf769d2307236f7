import { onCitus, type Tx } from '@rabita/db';
import { isCountryCode, toAsciiDigits } from '@rabita/shared';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { readPhone } from '../records/values.ts';

// Who is calling: the number a phone system reports, read into the E.164 form records store their phones in, and
// the records holding it. Exact first, through the phone lists' GIN indexes (the owner-run `rabita_match_list`
// that list filters and imports use); only when nothing holds the exact number, the last 8 national digits,
// through `rabita_derived.caller_phone_suffixes` (migration `calls-0002-phone-suffix`), kept by triggers, whose
// primary key the application role reads under row-level security. Why 8: the shortest national numbers common
// where Rabita is used are 8 digits (the Gulf: Bahrain, Qatar, Kuwait, Oman), so 9 would reach into a possibly
// wrong country code and never match them; 7 matches across more numbers (one stored number in 10 million against
// one in 100 million at 8) for no gain. A suffix match is only offered (`how: 'suffix'`, a pick list), never taken
// as the caller.

/** The number a call came from: E.164 (as records store phones) and the national significant number. */
export interface CallerNumber {
  e164: string | null;
  national: string | null;
}

/** A record holding the caller's number. Tickets' requesters are people, so a person match covers them. */
export interface CallerMatch {
  object: 'people' | 'companies' | 'leads';
  recordId: string;
  how: 'exact' | 'suffix';
}

/** Digits the suffix fallback compares (see above); a shorter national number is matched exactly or not at all. */
export const CALLER_SUFFIX_DIGITS = 8;
/** Fewer national digits are a short code or an extension, not a caller to look up. */
const MIN_NATIONAL_DIGITS = 6;
const MAX_RAW = 256;
const MAX_DIGITS = 20;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const NONE: CallerNumber = Object.freeze({ e164: null, national: null });
const OBJECT_ORDER = ['people', 'companies', 'leads'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Visual separators, and the bidi marks a number copied from right-to-left text carries. */
const SEPARATORS = /[\s\-.()[\]/\u00a0\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters (NUL first) is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

function compact(text: string): string {
  return toAsciiDigits(text).replace(SEPARATORS, '');
}

/** The user part of a `sip:`/`sips:`/`tel:` URI (or the text itself), percent-decoded; undefined when unreadable. */
function userPart(text: string): string | undefined {
  let s = text.trim();
  const angle = /<([^<>]*)>\s*$/.exec(s);
  if (angle) s = angle[1]!.trim();
  const uri = /^(?:sips?|tel):(.*)$/i.exec(s);
  if (uri) {
    // sip:user:password@host;params and tel:number;params?headers
    s = uri[1]!.split('@')[0]!.split(/[;?]/)[0]!.split(':')[0]!;
    try {
      s = decodeURIComponent(s);
    } catch {
      return undefined;
    }
  }
  return s;
}

/**
 * Reads a caller's number as a phone system reports it — `sip:`/`tel:` URIs, separators, Persian and Arabic-Indic
 * digits, the connection's prefixes (longest first, once, only at the start), `00` for international, a national
 * form with its trunk `0` in `rules.country` — into E.164 and the national significant number. Anything else
 * (letters, too short or too long, control characters) gives nulls; it never throws.
 */
export function normaliseCallerNumber(
  raw: string,
  rules: { country: string; stripPrefixes: readonly string[] },
): CallerNumber {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_RAW || CONTROL.test(raw)) return NONE;
  const user = userPart(raw);
  if (user === undefined || CONTROL.test(user)) return NONE;
  let s = compact(user);
  if (!/^\+?\d+$/.test(s) || s.replace('+', '').length > MAX_DIGITS) return NONE;
  const prefixes = (Array.isArray(rules?.stripPrefixes) ? rules.stripPrefixes : [])
    .filter((p): p is string => typeof p === 'string' && p.length <= 32)
    .map(compact)
    .filter((p) => /^\+?\d+$/.test(p))
    .sort((a, b) => b.length - a.length);
  const prefix = prefixes.find((p) => s.startsWith(p) && s.length > p.length);
  if (prefix) s = s.slice(prefix.length);
  if (s.startsWith('00')) s = `+${s.slice(2)}`;
  const country = typeof rules?.country === 'string' ? rules.country.trim().toUpperCase() : '';
  const read = readPhone(s, isCountryCode(country) ? country : '');
  if (!read) return NONE;
  const national = parsePhoneNumberFromString(read.e164)?.nationalNumber;
  if (!national || national.length < MIN_NATIONAL_DIGITS) return NONE;
  return { e164: read.e164, national };
}

/**
 * The people, companies and leads of the workspace holding the caller's number: exact E.164 matches, else records
 * whose number ends in the same last 8 national digits. Runs as the system (no role applies: the call belongs to
 * the workspace) and returns ids only, for readers to open through the records gate. People first, then companies,
 * then leads; at most `limit` (20, up to 100).
 */
export async function matchCaller(
  trx: Tx,
  workspaceId: string,
  number: CallerNumber,
  limit = DEFAULT_LIMIT,
): Promise<CallerMatch[]> {
  if (!UUID.test(workspaceId)) return [];
  const max = Math.min(Math.max(Math.trunc(Number.isFinite(limit) ? limit : DEFAULT_LIMIT), 1), MAX_LIMIT);
  const e164 = typeof number.e164 === 'string' && /^\+[1-9]\d{5,14}$/.test(number.e164) ? number.e164 : null;
  const national =
    typeof number.national === 'string' && /^\d{6,17}$/.test(number.national) ? number.national : null;
  const suffix =
    national && national.length >= CALLER_SUFFIX_DIGITS ? national.slice(-CALLER_SUFFIX_DIGITS) : null;
  const query = callerQuery(workspaceId, e164, suffix, max);
  if (!query) return [];
  const raw = trx.withoutPlugins() as unknown as Kysely<unknown>;
  const { rows } = await ((await onCitus(raw))
    ? callerQueryOnCluster(workspaceId, e164, suffix, max)!
    : query
  ).execute(raw);
  const exact = rows.filter((r) => r.how === 'exact');
  return exact.length > 0 ? ordered(exact, 'exact', max) : ordered(rows, 'suffix', max);
}

function ordered(
  rows: { object: string; id: string }[],
  how: CallerMatch['how'],
  max: number,
): CallerMatch[] {
  const rank = (o: string) => OBJECT_ORDER.indexOf(o as CallerMatch['object']);
  return rows
    .filter((r) => rank(r.object) >= 0)
    .sort((a, b) => rank(a.object) - rank(b.object) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, max)
    .map((r) => ({ object: r.object as CallerMatch['object'], recordId: r.id, how }));
}

/**
 * One statement, one round trip: the live records holding `e164`, from each table's phone GIN index (the owner-run
 * `rabita_match_list`, confined to the transaction's workspace), and only when there are none, the records whose
 * numbers end in `suffix`, from a range of `caller_phone_suffixes`' primary key under row-level security (the
 * suffix branch is skipped by a one-time filter, not read and thrown away). Undefined when there is nothing to look up.
 */
export function callerQuery(workspaceId: string, e164: string | null, suffix: string | null, max: number) {
  const exact = e164
    ? sql.join(
        OBJECT_ORDER.map(
          (table) => sql`
            (select distinct ${table}::text as object, m.id::text as id
             from rabita_match_list(${table}, 'phone_numbers', array[${e164}]::text[], null, null) as m
             where rabita_current_workspace() = ${workspaceId}::uuid
             limit ${max})`,
        ),
        sql` union all `,
      )
    : undefined;
  return exactElseSuffix(exact, suffix ? suffixRange(workspaceId, suffix, max) : undefined);
}

/**
 * `callerQuery` for a Citus cluster: the same answer read by the application role alone. The owner-run
 * `rabita_match_list` fails there twice over: inside a statement that reads a table it runs on the workspace's shard,
 * where it may not read distributed tables ("cannot execute a distributed query from a query on a shard"); and alone,
 * in a fold's transaction, which has written the workspace's shards as the application role already, the owner may
 * not read them ("cannot perform query on placements that were modified in this transaction by a different user").
 * So the exact match starts from `caller_phone_suffixes` (every live number of 8 to 15 digits has its last 8 there)
 * by its primary key under row-level security, and keeps the records, read by theirs, that hold the exact number
 * and are live. An E.164 number of fewer than 8 digits (none is used today) has no suffix row: its records are found
 * by reading the workspace's rows of each table. One statement, which Citus routes to the workspace's shard; one
 * PostgreSQL keeps `callerQuery` (the GIN probes, which the application role's conditions cannot reach).
 */
export function callerQueryOnCluster(
  workspaceId: string,
  e164: string | null,
  suffix: string | null,
  max: number,
) {
  const exact = e164
    ? sql.join(
        OBJECT_ORDER.map((table) =>
          /^\+\d{8,15}$/.test(e164)
            ? sql`
            (select distinct ${table}::text as object, r.id::text as id
             from rabita_derived.caller_phone_suffixes s
             join ${sql.table(table)} r on r.workspace_id = s.workspace_id and r.id = s.record_id
             where s.workspace_id = ${workspaceId}::uuid and s.suffix = ${e164.slice(-CALLER_SUFFIX_DIGITS)}
               and s.object_key = ${table} and ${e164}::text = any(r.phone_numbers) and r.deleted_at is null
             limit ${max})`
            : sql`
            (select distinct ${table}::text as object, r.id::text as id
             from ${sql.table(table)} r
             where r.workspace_id = ${workspaceId}::uuid and ${e164}::text = any(r.phone_numbers)
               and r.deleted_at is null
             limit ${max})`,
        ),
        sql` union all `,
      )
    : undefined;
  return exactElseSuffix(exact, suffix ? suffixRange(workspaceId, suffix, max) : undefined);
}

/** The records whose numbers end in `suffix`, from a range of `caller_phone_suffixes`' primary key. */
function suffixRange(workspaceId: string, suffix: string, max: number) {
  return sql`
        select s.object_key as object, s.record_id::text as id
        from rabita_derived.caller_phone_suffixes s
        where s.workspace_id = ${workspaceId}::uuid and s.suffix = ${suffix}
        order by s.object_key, s.record_id
        limit ${max}`;
}

/** The exact matches, and the suffix matches only when there are none (a one-time filter); undefined for neither. */
function exactElseSuffix(exact: RawBuilder<unknown> | undefined, bySuffix: RawBuilder<unknown> | undefined) {
  type Row = { object: string; id: string; how: CallerMatch['how'] };
  if (exact && bySuffix)
    return sql<Row>`
      with exact as materialized (${exact})
      select object, id, 'exact' as how from exact
      union all
      (select object, id, 'suffix' as how from (${bySuffix}) as s where not exists (select 1 from exact))`;
  if (exact) return sql<Row>`select object, id, 'exact' as how from (${exact}) as e`;
  if (bySuffix) return sql<Row>`select object, id, 'suffix' as how from (${bySuffix}) as s`;
  return undefined;
}
