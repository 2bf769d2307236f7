import { createPool, withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/harness.ts';
import { readPhone } from '../records/values.ts';
import { DEMO_SIZES, generateDemo } from './demo.service.ts';

describe('rabita demo', () => {
  let t: TestApp;
  let owner: ReturnType<typeof createPool>;
  beforeAll(async () => {
    t = await createTestApp();
    owner = createPool(t.url, 2, 'demo-test');
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  it('loads a size S workspace whose records the API serves, deterministically from the seed', async () => {
    const first = await generateDemo({
      owner,
      db: t.handle.db,
      size: 'S',
      seed: 7,
      email: 'demo1@example.com',
      password: 'demo password',
    });
    expect(first.counts).toMatchObject(DEMO_SIZES.S);
    const second = await generateDemo({
      owner,
      db: t.handle.db,
      size: 'S',
      seed: 7,
      email: 'demo2@example.com',
      password: 'demo password',
    });
    const names = (workspaceId: string) =>
      withWorkspace(t.handle.db, workspaceId, (trx) =>
        trx
          .selectFrom('people')
          .select(['firstName', 'lastName'])
          .where('workspaceId', '=', workspaceId)
          .orderBy('id')
          .limit(50)
          .execute(),
      );
    expect(await names(second.workspaceId)).toEqual(await names(first.workspaceId));

    const sample = await withWorkspace(t.handle.db, first.workspaceId, async (trx) => {
      const { rows } = await sql<{
        phones: { raw: string; e164: string }[];
        address: { country: string } | null;
      }>`
        select phones, address from people where workspace_id = ${first.workspaceId} limit 300`.execute(trx);
      return rows;
    });
    for (const person of sample) {
      for (const p of person.phones)
        expect(readPhone(p.raw, person.address?.country ?? 'US')?.e164, p.raw).toBe(p.e164);
    }
    const scripts = new Set(
      sample.flatMap((person) =>
        person.phones.map((p) => (/[۰-۹]/.test(p.raw) ? 'fa' : /[٠-٩]/.test(p.raw) ? 'ar' : 'latin')),
      ),
    );
    expect(scripts).toEqual(new Set(['fa', 'ar', 'latin']));

    const signIn = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email: 'demo1@example.com', password: 'demo password' },
    });
    expect(signIn.statusCode).toBe(200);
    const cookie = `rabita_session=${signIn.cookies.find((c) => c.name === 'rabita_session')!.value}`;
    const page = await t.app.inject({
      url:
        '/api/v1/objects/people?limit=5&filter=' +
        encodeURIComponent(JSON.stringify({ field: 'loyaltyTier', op: 'eq', value: 'gold' })),
      headers: { cookie },
    });
    expect(page.statusCode).toBe(200);
    expect(page.json().data).toHaveLength(5);
    const docs = await withWorkspace(t.handle.db, first.workspaceId, (trx) =>
      trx
        .selectFrom('searchDocuments')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('workspaceId', '=', first.workspaceId)
        .executeTakeFirstOrThrow(),
    );
    expect(Number(docs.n)).toBe(
      DEMO_SIZES.S.people + DEMO_SIZES.S.companies + DEMO_SIZES.S.deals + DEMO_SIZES.S.leads,
    );

    // The shape the benchmarks rely on: three scripts in realistic proportions, duplicate emails, deals over
    // two pipelines, every stage and several owners, custom fields filled, one person with 1,000 activities.
    const shape = await withWorkspace(t.handle.db, first.workspaceId, async (trx) => {
      const { rows } = await sql<Record<string, string>>`
        select
          (select count(*) from people where workspace_id = ${first.workspaceId} and last_name ~ '[پچژگکی]') as fa,
          (select count(*) from people where workspace_id = ${first.workspaceId} and last_name ~ '^[a-zA-Z]') as latin,
          (select count(*) from (select lower(email_addresses[1]) from people
             where workspace_id = ${first.workspaceId} and cardinality(email_addresses) > 0
             group by 1 having count(*) > 1) d) as duplicated,
          (select count(distinct pipeline_id) from deals where workspace_id = ${first.workspaceId}) as pipelines,
          (select count(distinct stage_id) from deals where workspace_id = ${first.workspaceId}) as stages,
          (select count(*) from stages where workspace_id = ${first.workspaceId}
             and (name_en is null or name_ar is null or name_fa is null)) as "untranslatedStages",
          (select count(distinct owner_id) from deals where workspace_id = ${first.workspaceId}) as owners,
          (select count(*) from deals where workspace_id = ${first.workspaceId} and custom ? 'contractType') as "customDeals",
          (select count(*) from people where workspace_id = ${first.workspaceId} and custom ? 'loyaltyTier') as "customPeople"`.execute(
        trx,
      );
      return rows[0]!;
    });
    const total = DEMO_SIZES.S.people;
    expect(Number(shape.latin) / total).toBeGreaterThan(0.15);
    expect(Number(shape.latin) / total).toBeLessThan(0.4);
    expect(Number(shape.fa) / total).toBeGreaterThan(0.15);
    expect(Number(shape.duplicated)).toBeGreaterThan(10);
    expect(Number(shape.pipelines)).toBe(2);
    expect(Number(shape.stages)).toBe(10);
    // Both pipelines' stages are named in every language, so the board reads in the user's own.
    expect(Number(shape.untranslatedStages)).toBe(0);
    expect(Number(shape.owners)).toBe(8);
    expect(Number(shape.customDeals)).toBe(DEMO_SIZES.S.deals);
    expect(Number(shape.customPeople)).toBeGreaterThan(total / 2);
    const timeline = await t.app.inject({
      url: `/api/v1/objects/people/${first.hubPersonId}/timeline?limit=100`,
      headers: { cookie },
    });
    expect(timeline.statusCode, timeline.body).toBe(200);
    expect(timeline.json().data).toHaveLength(100);
    expect(timeline.json().nextCursor).toBeTruthy();
    // Two size-S workspaces (thousands of records each) on a machine shared by the other test files.
  }, 180_000);
});
