import { normalizeText } from '@rabita/shared';
import { type Candidate, type Pick, pickMember } from './pick.ts';

// Territory picking, pure like pick.ts: which pool members' territories cover a record's place and trade, the most
// specific first, and the round-robin turn among the equally specific. The module decides what the record's
// country, region, city, postal code and industry are; text is compared folded (normalizeText), so "Tehran",
// "tehran", and Arabic and Persian letter forms of one name match.

/** What a member covers. Countries are ISO 3166-1 alpha-2 codes; the rest are text as the admin typed it. */
export interface Territory {
  countries?: string[] | undefined;
  regions?: string[] | undefined;
  cities?: string[] | undefined;
  /** Prefixes of postal codes ("19" covers 1991 and 19395). */
  postalCodes?: string[] | undefined;
  /** When named, the record's industry must be one of them, whatever its place. */
  industries?: string[] | undefined;
}

export type TerritoryLevel = 'postalCode' | 'city' | 'region' | 'country' | 'industry';

/** The record's place and trade, as stored (any of them may be missing). */
export interface TerritoryFacts {
  country?: string | null | undefined;
  region?: string | null | undefined;
  city?: string | null | undefined;
  postalCode?: string | null | undefined;
  industry?: string | null | undefined;
}

/** How a member's territory covers a record: the level, the entry as the admin wrote it, and a rank to compare. */
export interface TerritoryMatch {
  level: TerritoryLevel;
  value: string;
  /** Higher is more specific: postal code (longer prefix higher) > city > region > country > industry only. */
  rank: number;
}

const RANK: Record<TerritoryLevel, number> = {
  postalCode: 1000,
  city: 300,
  region: 200,
  country: 100,
  industry: 50,
};

interface FoldedFacts {
  country: string | undefined;
  region: string;
  city: string;
  postalCode: string;
  industry: string;
}

const foldPostal = (value: string) => normalizeText(value).replace(/[\s-]/g, '');

let countryNames: Map<string, string> | undefined;

/** Every region code ICU names, by its folded English, Arabic and Persian names ("iran", "ایران" → IR). */
function countryByName(): Map<string, string> {
  if (countryNames) return countryNames;
  countryNames = new Map();
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  for (const locale of ['en', 'ar', 'fa']) {
    const names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' });
    for (const a of letters)
      for (const b of letters) {
        const code = a + b;
        const name = names.of(code);
        if (name && name !== code) countryNames.set(normalizeText(name), code);
      }
  }
  return countryNames;
}

/** The ISO code of a country written as a code or as its name in English, Arabic or Persian (else undefined). */
export function countryCode(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) return trimmed.toUpperCase();
  return countryByName().get(normalizeText(trimmed));
}

function fold(facts: TerritoryFacts): FoldedFacts {
  return {
    country: countryCode(facts.country),
    region: facts.region ? normalizeText(facts.region) : '',
    city: facts.city ? normalizeText(facts.city) : '',
    postalCode: facts.postalCode ? foldPostal(facts.postalCode) : '',
    industry: facts.industry ? normalizeText(facts.industry) : '',
  };
}

function matchFolded(territory: Territory | undefined, facts: FoldedFacts): TerritoryMatch | undefined {
  if (!territory) return undefined;
  const industries = territory.industries ?? [];
  if (industries.length > 0 && !industries.some((i) => facts.industry && normalizeText(i) === facts.industry))
    return undefined;
  // A member who names industries and matches one is more specific than one who names none, at the same level.
  const bonus = industries.length > 0 ? 1 : 0;
  let best: TerritoryMatch | undefined;
  const consider = (level: TerritoryLevel, value: string, extra = 0) => {
    const rank = RANK[level] + extra + bonus;
    if (!best || rank > best.rank) best = { level, value, rank };
  };
  if (facts.postalCode)
    for (const prefix of territory.postalCodes ?? []) {
      const folded = foldPostal(prefix);
      if (folded && facts.postalCode.startsWith(folded)) consider('postalCode', prefix, folded.length);
    }
  if (facts.city)
    for (const city of territory.cities ?? []) if (normalizeText(city) === facts.city) consider('city', city);
  if (facts.region)
    for (const region of territory.regions ?? [])
      if (normalizeText(region) === facts.region) consider('region', region);
  if (facts.country)
    for (const country of territory.countries ?? [])
      if (country.toUpperCase() === facts.country) consider('country', country.toUpperCase());
  const geographic =
    (territory.countries?.length ?? 0) +
    (territory.regions?.length ?? 0) +
    (territory.cities?.length ?? 0) +
    (territory.postalCodes?.length ?? 0);
  if (!best && geographic === 0 && industries.length > 0) {
    const named = industries.find((i) => normalizeText(i) === facts.industry) ?? industries[0]!;
    consider('industry', named);
  }
  return best;
}

/** How a territory covers these facts (the most specific of its entries), or undefined when it does not. */
export function matchTerritory(
  territory: Territory | undefined,
  facts: TerritoryFacts,
): TerritoryMatch | undefined {
  return matchFolded(territory, fold(facts));
}

/** The key of a group of equally specific members, under which its round-robin turn is kept. */
export function groupKey(members: readonly Candidate[]): string {
  return members
    .map((m) => m.userId)
    .sort()
    .join(',');
}

/** A territory pick: the member, how their territory matched, and the turn of their group to store. */
export interface TerritoryPick<M extends Candidate> extends Pick<M> {
  match: TerritoryMatch | undefined;
  group: string | undefined;
}

/**
 * Picks the member whose territory covers the facts most specifically. Members in `skip` are passed over (and
 * the next most specific covering member is taken); among the equally specific, the group's round-robin turn
 * (`turns[group]`, 0 when absent) decides. No member covering the facts gives no member and no skipped.
 */
export function pickByTerritory<M extends Candidate & { territory?: Territory | undefined }>(
  pool: readonly M[],
  facts: TerritoryFacts,
  turns: Readonly<Record<string, string | number>>,
  skip: ReadonlySet<string>,
): TerritoryPick<M> {
  const folded = fold(facts);
  const matched = pool
    .map((member) => ({ member, match: matchFolded(member.territory, folded) }))
    .filter((m): m is { member: M; match: TerritoryMatch } => m.match !== undefined);
  const ranks = [...new Set(matched.map((m) => m.match.rank))].sort((a, b) => b - a);
  const skipped: M[] = [];
  for (const rank of ranks) {
    const tied = matched.filter((m) => m.match.rank === rank);
    const members = tied.map((m) => m.member);
    const group = groupKey(members);
    const turn = BigInt(turns[group] ?? 0);
    const picked = pickMember('roundRobin', members, turn, skip, new Map());
    for (const s of picked.skipped) if (!skipped.includes(s)) skipped.push(s);
    if (!picked.member) continue;
    const chosen = picked.member;
    return {
      member: chosen,
      nextTurn: picked.nextTurn,
      skipped,
      match: tied.find((m) => m.member === chosen)?.match,
      group,
    };
  }
  return { member: undefined, nextTurn: 0n, skipped, match: undefined, group: undefined };
}
