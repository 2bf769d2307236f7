import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { countRecords } from './count-estimate.ts';

describe('list navigation: expanded titles, counts, seeks and reading from the end', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let member: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  async function setMemberRule(objects: Record<string, unknown>, actions = ['members.read']) {
    const response = await call('PATCH', '/roles/member', { permissions: { actions, objects } });
    expect(response.statusCode, response.body).toBe(200);
  }
  const everything = { read: true, create: true, update: true, delete: true };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app, { name: 'Admin Person' });
    member = await joinByInvitation(t.app, admin.cookie, {
      email: 'member@example.com',
      role: 'member',
      name: 'Member Person',
    });
  });
  afterAll(() => t?.close());

  describe('expand', () => {
    let acme: { id: string };
    let mine: { id: string };
    let person: { id: string };

    beforeAll(async () => {
      acme = (await call('POST', '/objects/companies', { name: 'Acme Trading' })).json();
      mine = (await call('POST', '/objects/companies', { name: 'Member Co', owner: member.userId })).json();
      person = (
        await call('POST', '/objects/people', { firstName: 'Leila', lastName: 'Expand', company: acme.id })
      ).json();
      await call('POST', '/objects/people', { firstName: 'Omid', lastName: 'Expand', company: mine.id });
      await call('POST', '/objects/people', { firstName: 'Nobody', lastName: 'Expand' });
    });

    const listExpand = async (cookie: string, expand: string) =>
      call(
        'GET',
        `/objects/people?sort=firstName&expand=${expand}&filter=${encodeURIComponent(
          JSON.stringify({ field: 'lastName', op: 'eq', value: 'Expand' }),
        )}`,
        undefined,
        cookie,
      );

    it('gives each relation and user field its title beside the id, on lists, queries and one record', async () => {
      await setMemberRule({ '*': everything });
      const list = await listExpand(admin.cookie, 'company,owner');
      expect(list.statusCode, list.body).toBe(200);
      const rows = list.json().data as {
        firstName: string;
        company: string | null;
        _expanded: Record<string, unknown>;
      }[];
      expect(rows.map((r) => [r.firstName, r._expanded])).toEqual([
        [
          'Leila',
          {
            company: { id: acme.id, title: 'Acme Trading' },
            owner: { id: admin.userId, title: 'Admin Person' },
          },
        ],
        ['Nobody', { company: null, owner: { id: admin.userId, title: 'Admin Person' } }],
        [
          'Omid',
          {
            company: { id: mine.id, title: 'Member Co' },
            owner: { id: admin.userId, title: 'Admin Person' },
          },
        ],
      ]);
      // The id stays where it was: expansion is beside it, so existing clients read the same values.
      expect(rows[0]?.company).toBe(acme.id);

      const query = await call('POST', '/objects/people/query', {
        filter: { field: 'id', op: 'eq', value: person.id },
        expand: ['company'],
      });
      expect(query.json().data[0]._expanded).toEqual({ company: { id: acme.id, title: 'Acme Trading' } });
      const one = await call('GET', `/objects/people/${person.id}?expand=company`);
      expect(one.json()._expanded).toEqual({ company: { id: acme.id, title: 'Acme Trading' } });
      expect((await call('GET', `/objects/people/${person.id}`)).json()).not.toHaveProperty('_expanded');

      // Many-relations expand to arrays.
      const activity = await call('POST', '/objects/activities', {
        type: 'note',
        subject: 'Call',
        people: [person.id],
        companies: [acme.id, mine.id],
      });
      expect(activity.statusCode, activity.body).toBe(201);
      const expanded = await call('GET', `/objects/activities/${activity.json().id}?expand=companies,people`);
      expect(expanded.json()._expanded).toEqual({
        companies: [
          { id: acme.id, title: 'Acme Trading' },
          { id: mine.id, title: 'Member Co' },
        ],
        people: [{ id: person.id, title: 'Leila Expand' }],
      });
    });

    it('never shows a title the caller may not see', async () => {
      const titlesFor = async () =>
        Object.fromEntries(
          (await listExpand(member.cookie, 'company'))
            .json()
            .data.map((r: { firstName: string; _expanded: { company: { title: string | null } | null } }) => [
              r.firstName,
              r._expanded.company?.title ?? null,
            ]),
        );
      // Companies' title field hidden.
      await setMemberRule({ '*': everything, companies: { ...everything, hiddenFields: ['name'] } });
      expect(await titlesFor()).toEqual({ Leila: null, Nobody: null, Omid: null });
      // Companies not readable at all.
      await setMemberRule({ '*': everything, companies: { ...everything, read: false } });
      expect(await titlesFor()).toEqual({ Leila: null, Nobody: null, Omid: null });
      // Own companies only: the member's company shows, the admin's does not.
      await setMemberRule({ '*': everything, companies: { ...everything, ownRecordsOnly: true } });
      expect(await titlesFor()).toEqual({ Leila: null, Nobody: null, Omid: 'Member Co' });
      // Owners' names need the right to read members.
      await setMemberRule({ '*': everything }, []);
      const owners = (await listExpand(member.cookie, 'owner')).json().data;
      expect(owners.map((r: { _expanded: { owner: unknown } }) => r._expanded.owner)).toEqual(
        Array(3).fill({ id: admin.userId, title: null }),
      );
      // A hidden relation field cannot be expanded at all.
      await setMemberRule({ '*': everything, people: { ...everything, hiddenFields: ['company'] } });
      const hidden = await listExpand(member.cookie, 'company');
      expect(hidden.statusCode).toBe(400);
      await setMemberRule({ '*': everything });
    });

    it('refuses an unknown or non-relation field, naming it', async () => {
      for (const [expand, word] of [
        ['nope', 'nope'],
        ['firstName', 'firstName'],
        ['company,emails', 'emails'],
      ] as const) {
        const response = await call('GET', `/objects/people?expand=${expand}`);
        expect(response.statusCode, response.body).toBe(400);
        expect(response.json().errors[0].field).toBe('querystring.expand');
        expect(response.json().detail ?? response.json().title).toContain(word);
      }
      const body = await call('POST', '/objects/people/query', { expand: ['nope'] });
      expect(body.statusCode).toBe(400);
      expect(body.json().errors[0].field).toBe('body.expand');
    });

    it('reads every title of a page in one query per expanded field', async () => {
      const batch = await call('POST', '/objects/companies/batch', {
        records: Array.from({ length: 30 }, (_, i) => ({ name: `Many ${i}` })),
      });
      const ids = batch.json().data.map((r: { id: string }) => r.id);
      await call('POST', '/objects/people/batch', {
        records: ids.map((id: string, i: number) => ({
          firstName: `P${i}`,
          lastName: 'ManyTitles',
          company: id,
        })),
      });
      // Every statement the pool's clients send while the request runs (each client wrapped once).
      const statements: string[] = [];
      let counting = false;
      const wrapped = new WeakSet<object>();
      const onAcquire = (client: pg.PoolClient) => {
        if (wrapped.has(client)) return;
        wrapped.add(client);
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
          const text =
            typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
          if (counting && text) statements.push(text);
          return query(...args);
        };
      };
      t.handle.pool.on('acquire', onAcquire);
      counting = true;
      try {
        const response = await call(
          'GET',
          `/objects/people?limit=100&expand=company&filter=${encodeURIComponent(
            JSON.stringify({ field: 'lastName', op: 'eq', value: 'ManyTitles' }),
          )}`,
        );
        expect(response.statusCode).toBe(200);
        expect(response.json().data).toHaveLength(30);
        expect(
          response
            .json()
            .data.every((r: { _expanded: { company: { title: string } } }) =>
              r._expanded.company.title.startsWith('Many '),
            ),
        ).toBe(true);
      } finally {
        counting = false;
        t.handle.pool.off('acquire', onAcquire);
      }
      const companyReads = statements.filter((s) => /from "companies"/.test(s));
      expect(companyReads).toHaveLength(1);
    });
  });

  describe('count', () => {
    it('counts exactly up to the limit and estimates beyond it, under the caller’s rules', async () => {
      const batch = await call('POST', '/objects/companies/batch', {
        records: Array.from({ length: 12 }, (_, i) => ({
          name: `Counted ${i}`,
          owner: i < 4 ? member.userId : admin.userId,
          employees: i,
        })),
      });
      expect(batch.statusCode).toBe(200);
      const filter = encodeURIComponent(
        JSON.stringify({ field: 'name', op: 'startsWith', value: 'Counted' }),
      );
      const answer = await call('GET', `/objects/companies/count?filter=${filter}`);
      expect(answer.statusCode, answer.body).toBe(200);
      expect(answer.json()).toEqual({ count: 12, exact: true });

      await setMemberRule({ '*': everything, companies: { ...everything, ownRecordsOnly: true } });
      expect(
        (await call('GET', `/objects/companies/count?filter=${filter}`, undefined, member.cookie)).json(),
      ).toEqual({ count: 4, exact: true });
      await setMemberRule({ '*': everything, companies: { ...everything, hiddenFields: ['employees'] } });
      const hidden = encodeURIComponent(JSON.stringify({ field: 'employees', op: 'gt', value: 3 }));
      const refused = await call(
        'GET',
        `/objects/companies/count?filter=${hidden}`,
        undefined,
        member.cookie,
      );
      expect(refused.statusCode).toBe(400);
      await setMemberRule({ '*': everything, companies: { ...everything, read: false } });
      expect((await call('GET', '/objects/companies/count', undefined, member.cookie)).statusCode).toBe(403);
      await setMemberRule({ '*': everything });
      expect((await call('GET', '/objects/nothing/count')).statusCode).toBe(404);
    });

    it('estimates a large list from the planner instead of counting it', async () => {
      const owner = new pg.Client({ connectionString: t.url });
      await owner.connect();
      try {
        await owner.query(
          `insert into people (workspace_id, id, first_name, last_name, owner_id)
           select $1, gen_random_uuid(), 'Bulk', 'Bulk' || lpad(i::text, 5, '0'), case when i <= 300 then $2::uuid end
           from generate_series(1, 12000) as i`,
          [admin.workspaceId, member.userId],
        );
        await owner.query('analyze people');
      } finally {
        await owner.end();
      }
      const answer = (await call('GET', '/objects/people/count')).json();
      expect(answer.exact).toBe(false);
      expect(answer.count).toBeGreaterThan(10_000);
      expect(answer.count).toBeGreaterThan(12_000 * 0.7);
      expect(answer.count).toBeLessThan(12_100 * 1.3);
      const exact = (await call('GET', '/objects/people/count?estimate=false')).json();
      expect(exact.exact).toBe(true);
      expect(exact.count).toBeGreaterThanOrEqual(12_000);
      // Under "own records only" the member's list is small again, and counted exactly.
      await setMemberRule({ '*': everything, people: { ...everything, ownRecordsOnly: true } });
      expect((await call('GET', '/objects/people/count', undefined, member.cookie)).json()).toEqual({
        count: 300,
        exact: true,
      });
      await setMemberRule({ '*': everything });
      // A smaller exact limit switches to the estimate sooner (the same code path, at test size).
      const principalAnswer = await countRecords(
        {
          db: t.handle.db,
          principal: {
            kind: 'session',
            userId: admin.userId,
            sessionId: null,
            apiKeyId: null,
            workspaceId: admin.workspaceId,
            role: {
              id: 'test',
              key: 'reader',
              name: 'Reader',
              permissions: { actions: [], objects: { '*': everything } },
            },
          },
        },
        'people',
        { filter: { field: 'lastName', op: 'startsWith', value: 'Bulk0' }, exactUpTo: 100 },
      );
      expect(principalAnswer.exact).toBe(false);
      expect(principalAnswer.count).toBeGreaterThan(100);
    });
  });

  describe('keys at a position', () => {
    it('answers the key near a position, exactly on a small list and from a sample on a large one', async () => {
      const filter = encodeURIComponent(
        JSON.stringify({ field: 'name', op: 'startsWith', value: 'Counted' }),
      );
      const small = (await call('GET', `/objects/companies/keys?sort=name&at=0.5&filter=${filter}`)).json();
      // 12 names sorted as text: Counted 0, 1, 10, 11, 2, …; position 0.5 is row 6 (counted from 0).
      expect(small).toEqual({ value: 'Counted 4', exact: true, count: 12 });
      const end = (await call('GET', `/objects/companies/keys?sort=-employees&at=1&filter=${filter}`)).json();
      expect(end).toEqual({ value: 0, exact: true, count: 12 });

      const large = await call('GET', '/objects/people/keys?sort=lastName&at=0.5');
      expect(large.statusCode, large.body).toBe(200);
      const { value, exact } = large.json();
      expect(exact).toBe(false);
      // Bulk00001 … Bulk12000 hold nearly all rows: the middle is near Bulk06000.
      expect(value).toMatch(/^Bulk\d{5}$/);
      const n = Number(String(value).slice(4));
      expect(n).toBeGreaterThan(3_000);
      expect(n).toBeLessThan(9_000);
      expect((await call('GET', '/objects/people/keys?sort=nope&at=0.5')).statusCode).toBe(400);
      expect((await call('GET', '/objects/people/keys?at=2')).statusCode).toBe(400);
    });
  });

  describe('seek and reverse', () => {
    type Page = {
      data: { id: string; name: string }[];
      nextCursor: string | null;
      backCursor: string | null;
    };
    const seekFilter = { field: 'name', op: 'startsWith', value: 'Seek ' };
    const query = async (body: Record<string, unknown>): Promise<Page> => {
      const response = await call('POST', '/objects/companies/query', { filter: seekFilter, ...body });
      expect(response.statusCode, response.body).toBe(200);
      return response.json();
    };
    /** Every row from a first page on, following nextCursor. */
    const walk = async (body: Record<string, unknown>) => {
      const names: string[] = [];
      let page = await query({ ...body, limit: 4 });
      names.push(...page.data.map((c) => c.name));
      while (page.nextCursor) {
        const { seek: _, ...rest } = body;
        page = await query({ ...rest, limit: 4, cursor: page.nextCursor });
        names.push(...page.data.map((c) => c.name));
      }
      return names;
    };

    beforeAll(async () => {
      const batch = await call('POST', '/objects/companies/batch', {
        records: Array.from({ length: 17 }, (_, i) => ({
          name: `Seek ${String(i).padStart(2, '0')}`,
          // Empty for every fourth, and repeated values, so ties and nulls both matter.
          employees: i % 4 === 0 ? null : i % 5,
        })),
      });
      expect(batch.statusCode).toBe(200);
    });

    it('reads any sort from its end as the exact reverse, nulls included, page by page', async () => {
      for (const sort of ['employees', '-employees', 'employees,-name', '-employees,name', 'name', '-id']) {
        const forward = await walk({ sort });
        expect(forward).toHaveLength(17);
        const backward = await walk({ sort, reverse: true });
        expect(backward, sort).toEqual([...forward].reverse());
      }
      // The last page of a list, in one request.
      const last = await query({ sort: 'employees', reverse: true, limit: 3 });
      const forward = await walk({ sort: 'employees' });
      expect(last.data.map((c) => c.name)).toEqual(forward.slice(-3).reverse());
    });

    it('seeks to a value of the first sort key and continues with ordinary cursors', async () => {
      const forward = await walk({ sort: 'employees,name' });
      for (const [sort, seek, from] of [
        ['employees,name', 2, (n: string[]) => n],
        ['name', 'Seek 09', (n: string[]) => n],
      ] as const) {
        const all = sort === 'name' ? await walk({ sort }) : forward;
        const seeked = await walk({ sort, seek });
        const at = all.findIndex((_, i) => seeked[0] === all[i]);
        expect(at, `${sort} ${seek}`).toBeGreaterThan(0);
        expect(from(seeked)).toEqual(all.slice(at));
      }
      expect((await walk({ sort: 'name', seek: 'Seek 09' }))[0]).toBe('Seek 09');
      // A value between two keys starts at the next one; descending sorts seek downwards.
      expect((await walk({ sort: 'name', seek: 'Seek 08x' }))[0]).toBe('Seek 09');
      const down = await walk({ sort: '-employees,name', seek: 2 });
      const downAll = await walk({ sort: '-employees,name' });
      expect(down).toEqual(downAll.slice(downAll.length - down.length));
      expect(down[0]).toBe(downAll.find((_, i) => i >= 0 && down[0] === downAll[i]));
      // Null seeks the rows where the key is empty (last in either direction).
      const empty = await walk({ sort: 'employees', seek: null });
      expect(empty).toEqual(forward.filter((_, i) => i >= forward.length - empty.length));
      expect(empty).toHaveLength(5);
    });

    it('reads backwards from a seek page with its backCursor', async () => {
      const all = await walk({ sort: 'name' });
      const page = await query({ sort: 'name', seek: 'Seek 09', limit: 4 });
      expect(page.backCursor).toBeTruthy();
      const before = await query({ sort: 'name', reverse: true, cursor: page.backCursor, limit: 4 });
      expect(before.data.map((c) => c.name)).toEqual(all.slice(5, 9).reverse());
      // A backward page's own cursors go on backwards; its backCursor returns forwards.
      const further = await query({ sort: 'name', reverse: true, cursor: before.nextCursor, limit: 100 });
      expect(further.data.map((c) => c.name)).toEqual(all.slice(0, 5).reverse());
      const again = await query({ sort: 'name', cursor: before.backCursor, limit: 2 });
      expect(again.data.map((c) => c.name)).toEqual(['Seek 09', 'Seek 10']);
    });

    it('refuses seeks and cursors that do not fit, naming the parameter', async () => {
      const first = await query({ sort: 'name', limit: 2 });
      const backward = await query({ sort: 'name', limit: 2, reverse: true });
      const cases: [Record<string, unknown>, string][] = [
        [{ sort: 'employees', seek: 'many' }, 'body.seek'],
        [{ sort: 'createdAt', seek: 'yesterday' }, 'body.seek'],
        [{ sort: 'name', seek: 'Seek', cursor: first.nextCursor }, 'body.seek'],
        [{ sort: 'name', seek: 'Seek', reverse: true }, 'body.seek'],
        [{ sort: 'name', cursor: backward.nextCursor }, 'body.cursor'],
        [{ sort: 'name', reverse: true, cursor: first.nextCursor }, 'body.cursor'],
        [{ seek: 'not an id' }, 'body.seek'],
      ];
      for (const [body, field] of cases) {
        const response = await call('POST', '/objects/companies/query', body);
        expect(response.statusCode, JSON.stringify(body)).toBe(400);
        expect(response.json().errors[0].field).toBe(field);
      }
      const get = await call('GET', '/objects/companies?sort=name&seek=Seek');
      expect(get.statusCode).toBe(400);
      expect(get.json().errors[0].field).toBe('querystring.seek');
      const ok = await call('GET', `/objects/companies?sort=name&seek=${encodeURIComponent('"Seek 16"')}`);
      expect(ok.json().data.map((c: { name: string }) => c.name)).toEqual(['Seek 16']);
      const end = await call(
        'GET',
        `/objects/companies?sort=name&reverse=true&limit=1&filter=${encodeURIComponent(
          JSON.stringify(seekFilter),
        )}`,
      );
      expect(end.json().data.map((c: { name: string }) => c.name)).toEqual(['Seek 16']);
    });
  });
});
