import { type RawBuilder, sql } from 'kysely';

// Times a write's `returning` list gives back. The modules show times as
// `to_char(<column> at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` (or `.US`, microseconds), but a Citus
// cluster refuses any function that is not immutable in a `returning` list ("non-IMMUTABLE functions are not
// allowed in the RETURNING clause"), and `to_char` is only stable. A write returns its times as exact seconds since
// 1970 in UTC instead (`extract(epoch from <column> at time zone 'UTC')`: both immutable, the numeric exact to the
// microsecond), and `utcText` writes them as `to_char` does, byte for byte; reads keep `to_char`.

/** A time column as exact seconds since 1970 (UTC, numeric text), an expression a `returning` list may hold. */
export const epochSeconds = (column: string): RawBuilder<unknown> =>
  sql.raw(`extract(epoch from ${column} at time zone 'UTC')`);

/**
 * Seconds since 1970 as numeric text (`epochSeconds`), written as `to_char(… at time zone 'UTC',
 * 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` writes the time (`digits` 3, milliseconds cut, not rounded) or with `.US`
 * (`digits` 6).
 */
export function utcText(seconds: string, digits: 3 | 6): string {
  const [whole = '0', fraction = ''] = seconds.split('.');
  const sign = whole.startsWith('-') ? -1n : 1n;
  const micros = BigInt(whole) * 1_000_000n + sign * BigInt(fraction.padEnd(6, '0').slice(0, 6));
  // The second's fraction counts forward from the second before, also before 1970: the milliseconds are floored.
  const millis = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  const text = new Date(Number(millis)).toISOString();
  return digits === 3 ? text : `${text.slice(0, -1)}${String(micros - millis * 1000n).padStart(3, '0')}Z`;
}

/** The row with its `keys` (seconds since 1970, `epochSeconds`) written as `utcText` writes them; null stays null. */
export function withUtcTexts<T extends object>(row: T, keys: readonly (keyof T)[], digits: 3 | 6): T {
  const out = { ...row };
  for (const key of keys) {
    const value = row[key];
    if (value !== null && value !== undefined) out[key] = utcText(String(value), digits) as T[keyof T];
  }
  return out;
}
