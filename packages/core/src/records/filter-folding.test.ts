import { compileListQuery, principalForMember } from '@rabita/core';
import { withWorkspace } from '@rabita/db';
import { normalizeText } from '@rabita/shared';
import fc from 'fast-check';
import { sql, type Transaction } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { anyShard, planOf } from '../../../../test/plan.ts';
import {
  type FilterLookup,
  type ListLookup,
  listLookupKey,
  lookupKey,
  type ValueLookup,
} from './filter-lookups.ts';
import { filterLookupsFound } from './records.repository.ts';

// List filters fold text as search does (migration 0021's rabita_fold is normalizeText in SQL), and the common
// ones are index ranges or index lookups even under row-level security.

// Letters, marks and spaces that folding treats specially, and some it leaves alone.
const ALPHABET = [
  ...'aAzZéÉèÅßİıΣσςΟΔΛΑËçÇñÑøﬁﬀ①²½ＡＢｃ０',
  ...'يىئكأإآٱؤةۀەیکاوهمحدعلرضنسبتپچژگ',
  ...'\u064B\u064C\u064D\u064E\u064F\u0650\u0651\u0652\u0670\u0654\u0655\u0653\u0640',
  ...'۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩0123456789',
  ...' \t\n\u00a0\u2003\u3000\u200c\u200d\u200e\u200f\u202b\u2066\ufeff\u00ad',
  ...'ﻻﷲﺎﻛﯾДЖЯжяЁё.,-_%\\\'"',
];

describe('list filters fold text as search does', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ids = (response: { json(): { data: { id: string }[] } }) =>
    response
      .json()
      .data.map((r) => r.id)
      .sort();
  const query = async (object: string, filter: unknown, as?: string) => {
    const response = await call('POST', `/objects/${object}/query`, { filter, limit: 1000 }, as);
    expect(response.statusCode, response.body).toBe(200);
    return ids(response);
  };
  const made: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app);
    await call('PATCH', '/workspace', { defaultCountry: 'IR' });
    await call('POST', '/metadata/objects/people/fields', {
      key: 'nickname',
      type: 'text',
      labels: { en: 'Nickname' },
    });
    const people = {
      // Arabic spelling: ي and ك, tashkeel and a tatweel.
      arabic: {
        firstName: 'عَلي',
        lastName: 'كريـمي',
        nickname: 'أبو علي',
        emails: ['Ali.Karimi@Example.com'],
      },
      // Persian spelling of the same name.
      persian: { firstName: 'علی', lastName: 'کریمی', phones: ['+989121234567'] },
      other: { firstName: 'Sara', lastName: 'KARIMIAN ۱۲', nickname: 'Saru', phones: ['+989351112233'] },
      unrelated: { firstName: 'John', lastName: 'Smith', emails: ['john@example.com'], tags: ['vip'] },
      empty: { firstName: 'Nameless' },
    };
    for (const [name, body] of Object.entries(people)) {
      const created = await call('POST', '/objects/people', body);
      expect(created.statusCode, created.body).toBe(201);
      made[name] = created.json().id;
    }
  });
  afterAll(() => t?.close());

  const idsOf = (...names: string[]) => names.map((n) => made[n]!).sort();

  it('folds text in SQL exactly as normalizeText does in the application', async () => {
    const texts = fc.sample(
      fc.array(fc.constantFrom(...ALPHABET), { maxLength: 16 }).map((chars) => chars.join('')),
      { numRuns: 3000, seed: 7 },
    );
    const { rows } = await sql<{ folded: string }>`
      select rabita_fold(x) as folded from unnest(${texts}::text[]) with ordinality as u(x, i) order by i`.execute(
      t.handle.db,
    );
    const mismatches = texts
      .map((text, i) => ({ text, js: normalizeText(text), sql: rows[i]?.folded }))
      .filter((m) => m.js !== m.sql);
    expect(mismatches).toEqual([]);
  });

  it('finds the Persian spelling from an Arabic query and the Arabic spelling from a Persian one', async () => {
    for (const value of ['كريمي', 'کریمی', 'كَريمي', 'کـریـمی', ' KARIMI ']) {
      const eq = await query('people', { field: 'lastName', op: 'eq', value });
      expect(eq, value).toEqual(/[a-z]/i.test(value) ? [] : idsOf('arabic', 'persian'));
    }
    expect(await query('people', { field: 'lastName', op: 'startsWith', value: 'كري' })).toEqual(
      idsOf('arabic', 'persian'),
    );
    expect(await query('people', { field: 'lastName', op: 'contains', value: 'ريمي' })).toEqual(
      idsOf('arabic', 'persian'),
    );
    expect(await query('people', { field: 'firstName', op: 'eq', value: 'علي' })).toEqual(
      idsOf('arabic', 'persian'),
    );
    expect(await query('people', { field: 'firstName', op: 'in', value: ['عَلِی', 'JOHN'] })).toEqual(
      idsOf('arabic', 'persian', 'unrelated'),
    );
    expect(await query('people', { field: 'lastName', op: 'neq', value: 'کريمي' })).toEqual(
      idsOf('other', 'unrelated', 'empty'),
    );
    expect(await query('people', { field: 'lastName', op: 'nin', value: ['كريمي', 'smith'] })).toEqual(
      idsOf('other', 'empty'),
    );
  });

  it('folds case and digits, and a Latin substring too short for the trigram index', async () => {
    expect(await query('people', { field: 'lastName', op: 'eq', value: 'karimian 12' })).toEqual(
      idsOf('other'),
    );
    expect(await query('people', { field: 'lastName', op: 'contains', value: 'N ١٢' })).toEqual(
      idsOf('other'),
    );
    expect(await query('people', { field: 'lastName', op: 'startsWith', value: 'Karim' })).toEqual(
      idsOf('other'),
    );
    expect(await query('people', { field: 'lastName', op: 'contains', value: 'mi' })).toEqual(
      idsOf('other', 'unrelated'),
    );
    // A NUL byte or a lone surrogate is bad input, never a 500.
    for (const value of ['a\u0000b', 'x\ud800']) {
      for (const op of ['eq', 'startsWith', 'contains']) {
        const response = await call('POST', '/objects/people/query', {
          filter: { field: 'lastName', op, value },
        });
        expect(response.statusCode, response.body).toBeLessThan(500);
      }
    }
    // LIKE's wildcards are plain characters.
    expect(await query('people', { field: 'lastName', op: 'contains', value: '%' })).toEqual([]);
    expect(await query('people', { field: 'lastName', op: 'startsWith', value: '_' })).toEqual([]);
  });

  it('folds custom text fields, with no index', async () => {
    expect(await query('people', { field: 'nickname', op: 'eq', value: 'ابو علی' })).toEqual(idsOf('arabic'));
    expect(await query('people', { field: 'nickname', op: 'startsWith', value: 'SAR' })).toEqual(
      idsOf('other'),
    );
    expect(await query('people', { field: 'nickname', op: 'contains', value: 'عل' })).toEqual(
      idsOf('arabic'),
    );
    expect(await query('people', { field: 'nickname', op: 'isNull' })).toEqual(
      idsOf('persian', 'unrelated', 'empty'),
    );
  });

  it('finds phones in any written form and emails in any case', async () => {
    for (const value of ['09121234567', '۰۹۱۲ ۱۲۳ ۴۵۶۷', '+98 912 123 4567', '00989121234567']) {
      expect(await query('people', { field: 'phones', op: 'eq', value }), value).toEqual(idsOf('persian'));
    }
    expect(
      await query('people', { field: 'phones', op: 'hasAny', value: ['0935 111 2233', '09121234567'] }),
    ).toEqual(idsOf('persian', 'other'));
    expect(await query('people', { field: 'phones', op: 'eq', value: '09120000000' })).toEqual([]);
    expect(await query('people', { field: 'phones', op: 'neq', value: '09121234567' })).toEqual(
      idsOf('arabic', 'other', 'unrelated', 'empty'),
    );
    expect(await query('people', { field: 'emails', op: 'eq', value: 'ALI.KARIMI@example.COM ' })).toEqual(
      idsOf('arabic'),
    );
    expect(
      await query('people', { field: 'emails', op: 'hasAny', value: ['John@Example.com', 'nobody@x.com'] }),
    ).toEqual(idsOf('unrelated'));
    // Other lists of a standard object are not phones: read as they were.
    expect(await query('people', { field: 'tags', op: 'hasAny', value: ['vip'] })).toEqual(
      idsOf('unrelated'),
    );
    expect(await query('people', { field: 'tags', op: 'eq', value: 'vip' })).toEqual(idsOf('unrelated'));
  });

  it('keeps own-records-only and refuses a hidden field, as before', async () => {
    const member = await joinByInvitation(t.app, admin.cookie, {
      email: 'folding-member@example.com',
      role: 'member',
      name: 'Member',
    });
    const patched = await call('PATCH', '/roles/member', {
      permissions: {
        actions: ['members.read'],
        objects: {
          people: {
            read: true,
            create: true,
            update: true,
            delete: true,
            ownRecordsOnly: true,
            hiddenFields: ['nickname', 'emails'],
          },
        },
      },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const mine = await call(
      'POST',
      '/objects/people',
      { lastName: 'كريمي', phones: ['09121234567'] },
      member.cookie,
    );
    expect(mine.statusCode, mine.body).toBe(201);
    expect(await query('people', { field: 'lastName', op: 'eq', value: 'کریمی' }, member.cookie)).toEqual([
      mine.json().id,
    ]);
    expect(
      await query('people', { field: 'lastName', op: 'contains', value: 'کریم' }, member.cookie),
    ).toEqual([mine.json().id]);
    expect(await query('people', { field: 'phones', op: 'eq', value: '۰۹۱۲۱۲۳۴۵۶۷' }, member.cookie)).toEqual(
      [mine.json().id],
    );
    for (const filter of [
      { field: 'nickname', op: 'eq', value: 'ابو علی' },
      { field: 'emails', op: 'eq', value: 'ali.karimi@example.com' },
    ]) {
      const refused = await call('POST', '/objects/people/query', { filter }, member.cookie);
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().code).toBe('validation_failed');
    }
    // The admin still sees both spellings and the member's record.
    expect(await query('people', { field: 'lastName', op: 'eq', value: 'کریمی' })).toEqual(
      [...idsOf('arabic', 'persian'), mine.json().id].sort(),
    );
  });

  it('follows a relation with a folded filter', async () => {
    const company = (await call('POST', '/objects/companies', { name: 'شركة الكرامة' })).json();
    const person = (await call('POST', '/objects/people', { firstName: 'Reza', company: company.id })).json();
    expect(await query('people', { field: 'company.name', op: 'contains', value: 'الکرامه' })).toEqual([
      person.id,
    ]);
    expect(await query('companies', { field: 'name', op: 'startsWith', value: 'شرکة' })).toEqual([
      company.id,
    ]);
  });

  it('answers its owner-run lookups in a statement of their own as inside the query (the form a cluster binds)', async () => {
    const lookups: FilterLookup[] = [
      { kind: 'folded', column: 'companies.name', pattern: '%الکرامه%' },
      { kind: 'folded', column: 'people.last_name', pattern: '%زززز%' },
      { kind: 'list', table: 'people', column: 'phone_numbers', keys: ['+989121234567', '+989351112233'] },
      { kind: 'list', table: 'people', column: 'email_addresses', keys: ['nobody@x.com'] },
    ];
    const lists = lookups.flatMap((l, rank) =>
      l.kind === 'list'
        ? [{ rank, table: l.table, column: l.column, keys: l.keys, objectId: null, owner: null }]
        : [],
    );
    type Match = { rank: number; k: string; id: string };
    const sorted = (rows: Match[]) => rows.map((r) => `${r.rank} ${r.k} ${r.id}`).sort();
    // What the functions the queries call inside answer, in a transaction of their own: on a cluster, an owner-run
    // function on the coordinator may not read a shard after a call run on the worker in the same transaction.
    const expected = await withWorkspace(t.handle.db, admin.workspaceId, async (trx) => {
      // The in-query forms, called here on their own, ask every shard of a cluster: that is why it binds them.
      await anyShard(trx);
      const raw = trx.withoutPlugins() as unknown as Transaction<unknown>;
      const each: string[][] = [];
      for (const lookup of lookups) {
        const inQuery =
          lookup.kind === 'folded'
            ? sql<{ v: string }>`select rabita_folded_values(${lookup.column}, ${lookup.pattern}) as v`
            : sql<{ v: string }>`select distinct l.id::text as v
                from rabita_match_list(${lookup.table}, ${lookup.column}, ${lookup.keys}::text[], null, null) as l`;
        each.push((await inQuery.execute(raw)).rows.map((r) => r.v).sort());
      }
      const matches = await sql<Match>`${sql.join(
        lists.map(
          (l) => sql`(select ${l.rank}::int as rank, m.k, m.id::text as id
            from rabita_match_list(${l.table}, ${l.column}, ${l.keys}::text[], null, null) as m)`,
        ),
        sql` union all `,
      )}`.execute(raw);
      const phone = await sql<{ id: string }>`
        select p.id from rabita_records_by_phone('people', '+989121234567', 20) as p(id)`.execute(raw);
      return { each, matches: sorted(matches.rows), phone: phone.rows.map((r) => r.id).sort() };
    });
    await withWorkspace(t.handle.db, admin.workspaceId, async (trx) => {
      const raw = trx.withoutPlugins() as unknown as Transaction<unknown>;
      const found = await filterLookupsFound(raw, admin.workspaceId, lookups);
      for (const [i, lookup] of lookups.entries()) {
        const answer =
          lookup.kind === 'folded'
            ? found.foldedValues.get(lookupKey(lookup))
            : found.listIds.get(listLookupKey(lookup));
        expect([...(answer ?? ['missing'])].sort(), JSON.stringify(lookup)).toEqual(expected.each[i]);
      }
      expect(found.foldedValues.get(lookupKey(lookups[0] as ValueLookup))).toEqual(
        ['شركة الكرامة'].map(normalizeText),
      );
      expect(found.listIds.get(listLookupKey(lookups[2] as ListLookup))).toEqual(
        expect.arrayContaining(idsOf('persian', 'other')),
      );
      // The workspace argument grants nothing: another workspace's id is answered with nothing.
      const elsewhere = await filterLookupsFound(raw, crypto.randomUUID(), lookups);
      expect([...elsewhere.foldedValues, ...elsewhere.listIds]).toEqual([]);
      // The record matches' form (rabita_match_lists: rank, key, id) answers as rabita_match_list does.
      const matched = await sql<Match>`select m.rank, m.k, m.id::text as id
        from rabita_match_lists(${admin.workspaceId}::uuid, ${JSON.stringify(lists)}::jsonb) as m`.execute(
        raw,
      );
      expect(matched.rows.length).toBeGreaterThan(0);
      expect(sorted(matched.rows)).toEqual(expected.matches);
      const notOwned =
        await sql`select m.id from rabita_match_lists(${admin.workspaceId}::uuid, ${JSON.stringify(
          lists.map((l) => ({ ...l, owner: crypto.randomUUID() })),
        )}::jsonb) as m`.execute(raw);
      expect(notOwned.rows).toEqual([]);
      const otherWorkspace =
        await sql`select m.id from rabita_match_lists(${crypto.randomUUID()}::uuid, ${JSON.stringify(
          lists,
        )}::jsonb) as m`.execute(raw);
      expect(otherWorkspace.rows).toEqual([]);
      // Search's phone lookup in the form a cluster calls (search-0001) answers as the in-query one.
      const phone = await sql<{ id: string }>`
        select p.id from rabita_phone_records(${admin.workspaceId}::uuid, 'people', '+989121234567', 20) as p(id)`.execute(
        raw,
      );
      expect(expected.phone.length).toBeGreaterThan(0);
      expect(phone.rows.map((r) => r.id).sort()).toEqual(expected.phone);
      // Last: the refusal ends the transaction.
      await expect(
        filterLookupsFound(raw, admin.workspaceId, [
          { kind: 'list', table: 'users', column: 'phone_numbers', keys: ['+989121234567'] },
        ]),
      ).rejects.toThrow(/cannot be matched/);
    });
  });

  it('looks a substring of a name up among its distinct values, and refuses text the database cannot take', async () => {
    // A name written after the values were first gathered is found (the triggers keep them), one nobody holds is not.
    const late = await call('POST', '/objects/people', { firstName: 'دیرآمده', lastName: 'نوروزپور' });
    expect(late.statusCode, late.body).toBe(201);
    expect(await query('people', { field: 'lastName', op: 'contains', value: 'وروزپ' })).toEqual([
      late.json().id,
    ]);
    expect(await query('people', { field: 'lastName', op: 'contains', value: 'زززز' })).toEqual([]);
    for (const value of ['ab\u0000cd', 'ab\ud800cd']) {
      const response = await call('POST', '/objects/people/query', {
        filter: { field: 'lastName', op: 'contains', value },
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
    }
  });

  it('reads each filter through an index: folded names by range, substrings, phones and emails by lookup', async () => {
    // Enough people, with fresh statistics, that the planner weighs a rare name as it would at scale: 500 last
    // names of 10 people each (written straight in by the owner: only the plan is looked at here).
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    try {
      await owner.query(
        `insert into people (workspace_id, id, first_name, last_name)
         select $1, gen_random_uuid(), 'Person ' || i, (array['Ahmadi', 'Hosseini', 'Rezaei', 'Mousavi'])[1 + i % 4] || (i % 500)
         from generate_series(1, 5000) as i`,
        [admin.workspaceId],
      );
      await owner.query('analyze people');
    } finally {
      await owner.end();
    }
    const principal = (await principalForMember(t.handle.db, admin.userId, admin.workspaceId))!;
    const plan = async (filter: unknown) => {
      const compiled = await compileListQuery({ db: t.handle.db, principal }, 'people', {
        filter,
        limit: 50,
      });
      const nodes = (await planOf(t.handle, admin.workspaceId, compiled)) as unknown as Record<
        string,
        unknown
      >[];
      return nodes.filter((n) => String(n['Node Type']).includes('Scan'));
    };
    for (const filter of [
      { field: 'lastName', op: 'startsWith', value: 'کریمی' },
      { field: 'lastName', op: 'eq', value: 'کریمی' },
      { field: 'lastName', op: 'contains', value: 'hmadi12' },
    ]) {
      // The page's ids from the folded column's index alone (it holds the id), then only those rows by id.
      const scans = await plan(filter);
      expect(
        scans.some(
          (n) => n['Node Type'] === 'Index Only Scan' && n['Index Name'] === 'people_last_name_folded_id_idx',
        ),
        JSON.stringify(scans),
      ).toBe(true);
      expect(
        scans.some((n) => /\bid = ANY \(/.test(String(n['Index Cond']))),
        JSON.stringify(scans),
      ).toBe(true);
      expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    }
    for (const filter of [
      { field: 'phones', op: 'eq', value: '09121234567' },
      { field: 'emails', op: 'eq', value: 'john@example.com' },
    ]) {
      // The owner-run lookup's ids, then the records by id from an index: never a scan of the workspace.
      const scans = await plan(filter);
      expect(
        scans.some((n) => /\bid = ANY \(/.test(String(n['Index Cond']))),
        JSON.stringify(scans),
      ).toBe(true);
      expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    }
  });
});
