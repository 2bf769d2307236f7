import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// List filters fold text as search does, and the common ones are index ranges.
//
// `rabita_fold(text)` is the application's `normalizeText` in SQL: compatibility decomposition, tashkeel, tatweel
// and accents removed, invisible joiners and bidi marks removed, Arabic letter variants mapped to one form
// (ي/ى/ئ→ی, ك→ک, أ/إ/آ/ٱ→ا, ؤ→و, ة/ۀ/ە→ه), Persian and Arabic-Indic digits made ASCII, lower-cased, runs of
// white space made one space, trimmed. A test compares the two on random text.
//
// Under row-level security only leakproof conditions reach an index, and `rabita_fold` is not leakproof (only a
// superuser may say so). So the names a list is filtered by most are also kept folded in stored generated columns
// (`x_folded`, byte-ordered), whose `=` and `^@` (starts with) are leakproof and served by a b-tree on
// `(workspace_id, x_folded)`. A substring of a title field is looked up in the search documents' trigram index,
// which search already keeps, through an owner-run function confined to the transaction's workspace (as migration
// 0013's); the filter then checks the field itself.

/** Standard text columns kept folded beside themselves: the names lists are filtered by. */
const FOLDED: Record<string, string[]> = {
  people: ['first_name', 'last_name'],
  companies: ['name'],
  leads: ['name'],
  deals: ['name'],
};

export async function up(db: Kysely<unknown>): Promise<void> {
  // Lower-casing as JavaScript's toLowerCase does (full case mapping, final sigma) needs ICU's root locale; without
  // ICU, PostgreSQL 17's own Unicode tables; else the database's default (ASCII only under the C locale).
  const { rows } = await sql<{ collname: string }>`
    select collname from pg_collation where collname in ('und-x-icu', 'pg_c_utf8')`.execute(db);
  const names = rows.map((r) => r.collname);
  const collate = names.includes('und-x-icu')
    ? sql.raw(' collate "und-x-icu"')
    : names.includes('pg_c_utf8')
      ? sql.raw(' collate pg_c_utf8')
      : sql.raw('');

  // The patterns are regular-expression escapes (\uXXXX), read by PostgreSQL's regex engine.
  await sql`
    create function rabita_fold(p text) returns text
    language sql immutable strict parallel safe
    return btrim(regexp_replace(
      lower(translate(
        normalize(regexp_replace(regexp_replace(normalize(p, nfkd),
          ${sql.lit('[\\u0300-\\u036f\\u0610-\\u061a\\u064b-\\u065f\\u0670\\u06d6-\\u06ed\\u0640]')}, '', 'g'),
          ${sql.lit('[\\u200b-\\u200f\\u202a-\\u202e\\u2066-\\u2069\\ufeff\\u00ad]')}, '', 'g'), nfc),
        ${sql.lit('\u064A\u0649\u0626\u0643\u0623\u0625\u0622\u0671\u0624\u0629\u06C0\u06D5۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩')},
        ${sql.lit('\u06CC\u06CC\u06CC\u06A9\u0627\u0627\u0627\u0627\u0648\u0647\u0647\u064701234567890123456789')})${collate}),
      ${sql.lit('[\\u0009-\\u000d\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+')},
      ' ', 'g'), ' ')`.execute(db);

  for (const [table, columns] of Object.entries(FOLDED)) {
    for (const column of columns) {
      const folded = `${column}_folded`;
      await sql`
        alter table ${sql.table(table)}
          add column ${sql.id(folded)} text collate "C" generated always as (rabita_fold(${sql.ref(column)})) stored`.execute(
        db,
      );
      await sql`
        create index ${sql.id(`${table}_${folded}_idx`)} on ${sql.table(table)} (workspace_id, ${sql.ref(folded)})
          where deleted_at is null`.execute(db);
    }
  }

  // Records of one object whose search document holds a text (a LIKE pattern, already folded): candidates for
  // a filter on a title field, which the caller checks against the field itself.
  await sql`
    create function rabita_filter_documents(p_object text, p_pattern text)
    returns setof uuid
    language plpgsql stable security definer set search_path = public, pg_temp
    rows 100
    as $$
    begin
      -- EXECUTE plans with the pattern known, so the trigram index is used.
      return query execute
        'select d.record_id from search_documents d
         where d.workspace_id = rabita_current_workspace() and d.object_key = $1 and d.content like $2'
        using p_object, p_pattern;
    end
    $$`.execute(db);
  await sql.raw('revoke all on function rabita_filter_documents(text, text) from public').execute(db);
  await sql.raw('grant execute on function rabita_filter_documents(text, text) to rabita_app').execute(db);
}
