import { onCitus, withWorkspace } from '@rabita/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { planOf } from '../../../../test/plan.ts';
import {
  type CallerNumber,
  callerQuery,
  callerQueryOnCluster,
  matchCaller,
  normaliseCallerNumber,
} from './caller-match.ts';

const IR = { country: 'IR', stripPrefixes: [] as string[] };

describe('normaliseCallerNumber', () => {
  it('reads Persian digits behind a trunk prefix and the 00 international prefix', () => {
    expect(normaliseCallerNumber('۰۰۹۸۹۱۲۱۲۳۴۵۶۷', IR)).toEqual({
      e164: '+989121234567',
      national: '9121234567',
    });
    // The connection dials out with a 9 and the trunk hands over 0098…: the 9 goes, then 00 reads as +.
    expect(normaliseCallerNumber('۹۰۰۹۸۹۱۲۱۲۳۴۵۶۷', { country: 'IR', stripPrefixes: ['9'] })).toEqual({
      e164: '+989121234567',
      national: '9121234567',
    });
    expect(normaliseCallerNumber('۰۹۱۲ ۱۲۳ ۴۵۶۷', IR).e164).toBe('+989121234567');
  });

  it('strips the longest matching prefix, once, and only at the start', () => {
    const rules = { country: 'IR', stripPrefixes: ['8', '81', ' 8-1-0 '] };
    expect(normaliseCallerNumber('81009121234567', rules).e164).toBe('+989121234567');
    expect(normaliseCallerNumber('8109121234567', rules).e164).toBe('+989121234567');
    // A number that merely contains a prefix keeps it.
    expect(normaliseCallerNumber('09121234567', { country: 'IR', stripPrefixes: ['12'] }).e164).toBe(
      '+989121234567',
    );
  });

  it('reads sip: and tel: URIs with parameters, display names and percent-encoding', () => {
    for (const raw of [
      'sip:+989121234567@pbx.example.com;user=phone',
      '"Ali" <sip:+989121234567@10.0.0.1:5060;transport=udp>',
      'sips:%2B989121234567@pbx.example.com',
      'sip:09121234567:secret@pbx.example.com',
      'tel:+98-912-123-4567;ext=12',
      'TEL:+98.912.123.4567',
    ]) {
      expect(normaliseCallerNumber(raw, IR), raw).toEqual({ e164: '+989121234567', national: '9121234567' });
    }
  });

  it('reads an Arabic-Indic Saudi mobile number in a Saudi workspace and from abroad', () => {
    const sa = { country: 'SA', stripPrefixes: [] };
    expect(normaliseCallerNumber('٠٥٠ ١٢٣ ٤٥٦٧', sa)).toEqual({
      e164: '+966501234567',
      national: '501234567',
    });
    expect(normaliseCallerNumber('٠٠٩٦٦٥٠١٢٣٤٥٦٧', IR)).toEqual({
      e164: '+966501234567',
      national: '501234567',
    });
    expect(normaliseCallerNumber('(+966) 50-123-4567\u200f', IR).e164).toBe('+966501234567');
  });

  it('gives nulls for garbage, never a throw', () => {
    const none = { e164: null, national: null };
    for (const raw of [
      '',
      'anonymous',
      'sip:anonymous@anonymous.invalid',
      '1-800-FLOWERS',
      '0912 123 4567 ext 5',
      '0912\u00001234567',
      '\ud800 09121234567',
      '12',
      '1234',
      '+98912123456789012345',
      '9'.repeat(40),
      '0'.repeat(10_000),
      'sip:%E0%A4%A@host',
      '+',
      '00',
    ]) {
      expect(normaliseCallerNumber(raw, IR), JSON.stringify(raw.slice(0, 40))).toEqual(none);
    }
    // Without a usable workspace country, a national form cannot be placed; an international one still can.
    expect(normaliseCallerNumber('09121234567', { country: 'XX', stripPrefixes: [] })).toEqual(none);
    expect(normaliseCallerNumber('+989121234567', { country: '', stripPrefixes: [] }).e164).toBe(
      '+989121234567',
    );
    // Rules of the wrong shape are ignored, not thrown on.
    const odd = { country: 7, stripPrefixes: '9' } as unknown as { country: string; stripPrefixes: string[] };
    expect(normaliseCallerNumber('+989121234567', odd).e164).toBe('+989121234567');
  });
});

describe('matchCaller', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const create = async (object: string, body: unknown, cookie?: string) => {
    const response = await call('POST', `/objects/${object}`, body, cookie);
    expect(response.statusCode, response.body).toBe(201);
    return response.json().id as string;
  };
  const match = (number: CallerNumber, workspaceId = admin.workspaceId, limit?: number) =>
    withWorkspace(t.handle.db, workspaceId, (trx) => matchCaller(trx, workspaceId, number, limit));
  const ir = (raw: string) => normaliseCallerNumber(raw, IR);

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    // A Saudi workspace: numbers typed without a country code are read as Saudi ones.
    const patched = await call('PATCH', '/workspace', { defaultCountry: 'SA' });
    expect(patched.statusCode, patched.body).toBe(200);
  });
  afterAll(() => t?.close());

  it('finds a person from a Persian-digit number with a trunk prefix, whatever form the phone was saved in', async () => {
    const person = await create('people', { firstName: 'Reza', phones: ['+98 (912) 123-4567'] });
    const number = normaliseCallerNumber('۰۰۹۸۹۱۲۱۲۳۴۵۶۷', IR);
    expect(await match(number)).toEqual([{ object: 'people', recordId: person, how: 'exact' }]);
    expect(await match(ir('sip:09121234567@pbx.example.com;user=phone'))).toEqual([
      { object: 'people', recordId: person, how: 'exact' },
    ]);
  });

  it('finds a Saudi person from Arabic-Indic digits, and a company and a lead by their numbers', async () => {
    const person = await create('people', { firstName: 'Noura', phones: ['0501234567'] });
    const company = await create('companies', { name: 'Al Noor', phones: ['+966 11 234 5678'] });
    const lead = await create('leads', { name: 'Faisal', phone: '+966 55 765 4321' });
    const sa = { country: 'SA', stripPrefixes: [] };
    expect(await match(normaliseCallerNumber('٠٥٠١٢٣٤٥٦٧', sa))).toEqual([
      { object: 'people', recordId: person, how: 'exact' },
    ]);
    expect(await match(normaliseCallerNumber('011 234 5678', sa))).toEqual([
      { object: 'companies', recordId: company, how: 'exact' },
    ]);
    expect(await match(normaliseCallerNumber('tel:+966557654321', sa))).toEqual([
      { object: 'leads', recordId: lead, how: 'exact' },
    ]);
  });

  it('offers every record holding the number: two people, then a company, people first', async () => {
    const first = await create('people', { firstName: 'Twin A', phones: ['+98 935 111 2233'] });
    const second = await create('people', {
      firstName: 'Twin B',
      phones: ['0098 935 111 2233', '+98 21 1111 1111'],
    });
    const company = await create('companies', { name: 'Shared line', phones: ['+989351112233'] });
    const found = await match(ir('09351112233'));
    expect(found).toHaveLength(3);
    expect(
      found
        .slice(0, 2)
        .map((m) => m.recordId)
        .sort(),
    ).toEqual([first, second].sort());
    expect(found.map((m) => [m.object, m.how])).toEqual([
      ['people', 'exact'],
      ['people', 'exact'],
      ['companies', 'exact'],
    ]);
    expect(found[2]!.recordId).toBe(company);
    expect(await match(ir('09351112233'), admin.workspaceId, 1)).toHaveLength(1);
  });

  it('falls back on the last national digits only when no record holds the exact number', async () => {
    // A Tehran number typed without its country code in this Saudi workspace was stored as +966 21 8812 3456.
    const misfiled = await create('people', { firstName: 'Misfiled', phones: ['021 8812 3456'] });
    const phones = await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      trx
        .selectFrom('people')
        .select('phoneNumbers')
        .where('workspaceId', '=', admin.workspaceId)
        .where('id', '=', misfiled)
        .executeTakeFirstOrThrow(),
    );
    expect(phones.phoneNumbers).toEqual(['+9662188123456']);

    const caller = ir('+98 21 8812 3456');
    expect(caller).toEqual({ e164: '+982188123456', national: '2188123456' });
    expect(await match(caller)).toEqual([{ object: 'people', recordId: misfiled, how: 'suffix' }]);
    // A different number sharing fewer than 8 final digits is not offered.
    expect(await match(ir('+98 21 8802 3456'))).toEqual([]);

    // Once a record holds the exact number, only it is found.
    const exact = await create('people', { firstName: 'Exact', phones: ['+982188123456'] });
    expect(await match(caller)).toEqual([{ object: 'people', recordId: exact, how: 'exact' }]);

    // The suffixes follow the records: an edited number and a record in the trash are no longer offered.
    const edited = await call('PATCH', `/objects/people/${misfiled}`, { phones: ['+966 50 999 8888'] });
    expect(edited.statusCode, edited.body).toBe(200);
    // (The person holding the exact number has the same suffix; the edited one is no longer offered.)
    expect(await match({ e164: null, national: '2188123456' })).toEqual([
      { object: 'people', recordId: exact, how: 'suffix' },
    ]);
    expect(await match({ e164: null, national: '509998888' })).toEqual([
      { object: 'people', recordId: misfiled, how: 'suffix' },
    ]);
    const trashed = await call('DELETE', `/objects/people/${misfiled}`);
    expect(trashed.statusCode, trashed.body).toBeLessThan(300);
    expect(await match({ e164: null, national: '509998888' })).toEqual([]);
    // Back from the trash it is offered again; deleted for good, never.
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    try {
      await owner.query('update people set deleted_at = null where id = $1', [misfiled]);
      expect(await match({ e164: null, national: '509998888' })).toEqual([
        { object: 'people', recordId: misfiled, how: 'suffix' },
      ]);
      await owner.query('delete from people where id = $1', [misfiled]);
      const { rows } = await owner.query(
        'select 1 from rabita_derived.caller_phone_suffixes where record_id = $1',
        [misfiled],
      );
      expect(rows).toEqual([]);
    } finally {
      await owner.end();
    }
  });

  it('never matches a record of another workspace', async () => {
    const theirs = await create(
      'people',
      { firstName: 'Elsewhere', phones: ['+98 912 777 6655'] },
      other.cookie,
    );
    expect(await match(ir('09127776655'))).toEqual([]);
    expect(await match(ir('09127776655'), other.workspaceId)).toEqual([
      { object: 'people', recordId: theirs, how: 'exact' },
    ]);
    // A transaction of one workspace asked about another finds nothing, exact or by suffix.
    const crossed = await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      matchCaller(trx, other.workspaceId, ir('09127776655')),
    );
    expect(crossed).toEqual([]);
    const bySuffix = await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      matchCaller(trx, other.workspaceId, { e164: null, national: '9127776655' }),
    );
    expect(bySuffix).toEqual([]);
  });

  it('matches in a transaction that has written the workspace’s rows, as a call’s fold does', async () => {
    // A fold writes the call before it matches the caller: on a Citus cluster the owner-run lookups may not then
    // read the shards the application role wrote in the same transaction, so the match reads as that role there.
    const person = await create('people', { firstName: 'Written', phones: ['+98 912 444 5566'] });
    const [exact, bySuffix] = await withWorkspace(t.handle.db, admin.workspaceId, async (trx) => {
      await trx
        .updateTable('people')
        .set({ firstName: 'Written again' })
        .where('workspaceId', '=', admin.workspaceId)
        .where('id', '=', person)
        .execute();
      return [
        await matchCaller(trx, admin.workspaceId, ir('09124445566')),
        await matchCaller(trx, admin.workspaceId, ir('+98 21 2444 5566')),
      ];
    });
    expect(exact).toEqual([{ object: 'people', recordId: person, how: 'exact' }]);
    expect(bySuffix).toEqual([{ object: 'people', recordId: person, how: 'suffix' }]);
  });

  it('answers the same in its cluster form (the application role alone) as with the owner-run probes', async () => {
    const person = await create('people', {
      firstName: 'Same',
      phones: ['+98 913 222 7788', '+98 21 5522 7788'],
    });
    const company = await create('companies', { name: 'Same line', phones: ['+989132227788'] });
    const lead = await create('leads', { name: 'Same lead', phone: '+966 55 322 7788' });
    const trashed = await create('people', { firstName: 'Gone', phones: ['+989132227788'] });
    const gone = await call('DELETE', `/objects/people/${trashed}`);
    expect(gone.statusCode, gone.body).toBeLessThan(300);
    const exact = [
      { object: 'people', id: person, how: 'exact' },
      { object: 'companies', id: company, how: 'exact' },
    ];
    const bySuffix = exact.map((m) => ({ ...m, how: 'suffix' }));
    const asks: [string | null, string | null, unknown[]][] = [
      ['+989132227788', '32227788', exact], // the trashed person is not offered
      ['+966553227788', '53227788', [{ object: 'leads', id: lead, how: 'exact' }]],
      ['+447700322778', '00322778', []],
      ['+441132227788', '32227788', bySuffix], // no record holds it: the suffix's records
      [null, '32227788', bySuffix],
      ['+989132227788', null, exact],
      ['+9891322', null, []], // fewer than 8 digits: no suffix row, read from the records
    ];
    const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
    // The owner-run form is compared where it runs: on one PostgreSQL (a cluster refuses it inside a statement).
    const cluster = await onCitus(t.handle.db);
    for (const [e164, suffix, want] of asks) {
      const [app, owner] = await withWorkspace(t.handle.db, admin.workspaceId, async (trx) => {
        const raw = trx.withoutPlugins();
        return [
          (await callerQueryOnCluster(admin.workspaceId, e164, suffix, 20)!.execute(raw)).rows,
          cluster ? undefined : (await callerQuery(admin.workspaceId, e164, suffix, 20)!.execute(raw)).rows,
        ];
      });
      expect(sorted(app!), `${e164} ${suffix}`).toEqual(sorted(want));
      if (owner) expect(sorted(owner), `${e164} ${suffix}`).toEqual(sorted(want));
    }
  });

  it('matches nothing for nulls and hostile values', async () => {
    expect(await match({ e164: null, national: null })).toEqual([]);
    expect(await match({ e164: "+98'; drop table people; --", national: '\u0000' })).toEqual([]);
    expect(await match({ e164: null, national: '1234567' })).toEqual([]);
    const notAnId = await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      matchCaller(trx, "x' or true --", ir('09121234567')),
    );
    expect(notAnId).toEqual([]);
  });

  it('looks the suffix up in its index under row-level security', async () => {
    // Enough rows, with fresh statistics, that the planner weighs the lookup as it would at scale.
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    try {
      await owner.query(
        `insert into people (workspace_id, id, first_name, phone_numbers)
         select $1, gen_random_uuid(), 'Caller ' || i, array['+98912' || lpad(i::text, 7, '0')]
         from generate_series(1, 5000) as i`,
        [admin.workspaceId],
      );
      await owner.query('analyze people');
      await owner.query('analyze rabita_derived.caller_phone_suffixes');
    } finally {
      await owner.end();
    }
    expect(await match(ir('09120004321'))).toEqual([
      { object: 'people', recordId: expect.any(String), how: 'exact' },
    ]);
    expect(await match({ e164: null, national: '9920004321' })).toEqual([
      { object: 'people', recordId: expect.any(String), how: 'suffix' },
    ]);
    // The whole statement as matchCaller sends it: the exact lookups are the owner-run GIN probes (their own plans
    // are `rabita_match_list`'s, checked with the imports), the fallback a range of the suffixes' primary key.
    const compiled = callerQuery(admin.workspaceId, '+989999999999', '20004321', 20)!.compile(t.handle.db);
    const nodes = (await planOf(t.handle, admin.workspaceId, compiled)) as unknown as Record<
      string,
      unknown
    >[];
    const scans = nodes.filter((n) => String(n['Node Type']).includes('Scan'));
    expect(
      scans.some(
        (n) =>
          String(n['Node Type']).startsWith('Index') &&
          n['Index Name'] === 'caller_phone_suffixes_pkey' &&
          /suffix = /.test(String(n['Index Cond'])),
      ),
      JSON.stringify(scans),
    ).toBe(true);
    expect(
      scans.filter((n) => n['Node Type'] === 'Function Scan' && n['Function Name'] === 'rabita_match_list'),
    ).toHaveLength(3);
    expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    expect(nodes.map((n) => n['Node Type'])).not.toContain('Sort');
  });

  it('drops the suffixes of a truncated table, which fires no row triggers', async () => {
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    try {
      const count = async () =>
        (
          await owner.query<{ n: number }>(
            `select count(*)::int as n from rabita_derived.caller_phone_suffixes where object_key = 'leads'`,
          )
        ).rows[0]!.n;
      expect(await count()).toBeGreaterThan(0);
      await owner.query('truncate leads cascade');
      expect(await count()).toBe(0);
    } finally {
      await owner.end();
    }
  });
});
