import { openDatabase } from '@rabita/db';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { pickByTerritory } from '../assignment/territory.ts';
import { principalForMember } from '../auth/members.service.ts';
import { createRecord } from '../records/create-record.ts';
import { runReassignJob, sweepReassignments } from './assignment-reassign.ts';

// Territory rules and re-assignment of untouched leads, through the API against real PostgreSQL. Re-assignment is
// driven with explicit times: the Date is faked (timers, the database and the network keep real time) and the
// job and the sweep are called with the instant they run at.

const r = (from: string, to: string) => ({ from, to });
/** Tehran: Saturday–Wednesday 08–12 and 13–16, Thursday 08–12, Friday closed (the weekend). */
const tehran = {
  timeZone: 'Asia/Tehran',
  hours: {
    6: [r('08:00', '12:00'), r('13:00', '16:00')],
    7: [r('08:00', '12:00'), r('13:00', '16:00')],
    1: [r('08:00', '12:00'), r('13:00', '16:00')],
    2: [r('08:00', '12:00'), r('13:00', '16:00')],
    3: [r('08:00', '12:00'), r('13:00', '16:00')],
    4: [r('08:00', '12:00')],
  },
  holidays: [],
};

type Rep = { userId: string; cookie: string; name: string };
type Assignment = {
  ruleId: string;
  ownerId: string;
  reason: string;
  detail: Record<string, unknown>;
  reassignDueAt: string | null;
  touchedAt: string | null;
};

describe('territory assignment and re-assignment of untouched leads', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  const reps = {} as Record<'sara' | 'reza' | 'mina' | 'omid' | 'laleh', Rep>;
  let calendarId: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const at = (iso: string) => vi.setSystemTime(new Date(iso));
  const rule = async (body: Record<string, unknown>) => {
    const res = await call('POST', '/assignment-rules', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string };
  };
  const lead = async (body: Record<string, unknown>, as?: string) => {
    const res = await call('POST', '/objects/leads', body, as);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; owner: string | null };
  };
  const assignment = async (id: string) => {
    const res = await call('GET', `/leads/${id}/assignment`);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { assignment: Assignment | null }).assignment;
  };
  const ownerOf = async (id: string) =>
    ((await call('GET', `/objects/leads/${id}`)).json() as { owner: string }).owner;
  const clearRules = async () => {
    const list = (await call('GET', '/assignment-rules')).json() as { data: { id: string }[] };
    for (const x of list.data)
      expect((await call('DELETE', `/assignment-rules/${x.id}`)).statusCode).toBe(204);
  };
  const away = async (rep: Rep, isAway: boolean) =>
    expect((await call('PUT', `/assignment-away/${rep.userId}`, { away: isAway })).statusCode).toBe(204);
  const job = (leadId: string, now: string) =>
    runReassignJob(t.handle.db, { workspaceId: admin.workspaceId, leadId }, new Date(now));

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    for (const key of ['sara', 'reza', 'mina', 'omid', 'laleh'] as const) {
      const name = key[0]!.toUpperCase() + key.slice(1);
      const joined = await joinByInvitation(t.app, admin.cookie, {
        email: `${key}.${admin.workspaceId.slice(0, 8)}@example.com`,
        role: 'member',
        name,
      });
      reps[key] = { ...joined, name };
    }
    const res = await call('POST', '/service/calendars', { name: 'تهران', definition: tehran });
    expect(res.statusCode, res.body).toBe(201);
    calendarId = res.json().id;
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('gives a lead to the member whose territory matches it most specifically, at each level', async () => {
    await clearRules();
    await rule({
      name: 'Iran team',
      strategy: 'territory',
      pool: [
        { userId: reps.sara.userId, territory: { countries: ['ir'] } },
        { userId: reps.reza.userId, territory: { regions: ['Isfahan'] } },
        // Kerman with an Arabic kaf: a lead typed with the Persian one matches.
        { userId: reps.mina.userId, territory: { cities: ['Tehran', 'كرمان'] } },
        { userId: reps.omid.userId, territory: { postalCodes: ['19'] } },
        { userId: reps.laleh.userId, territory: { postalCodes: ['1991'] } },
      ],
    });
    await rule({ name: 'Rest', strategy: 'fixed', pool: [{ userId: reps.reza.userId }] });

    const byCountry = await lead({ name: 'A', address: { country: 'IR', city: 'Shiraz' } });
    expect(byCountry.owner).toBe(reps.sara.userId);
    expect((await assignment(byCountry.id))?.reason).toBe('territory IR (country) in Iran team');

    // A region in other case.
    const byRegion = await lead({ name: 'B', address: { country: 'ir', region: 'ISFAHAN', city: 'Kashan' } });
    expect(byRegion.owner).toBe(reps.reza.userId);
    expect((await assignment(byRegion.id))?.detail.territory).toEqual({ level: 'region', value: 'Isfahan' });

    const byCity = await lead({ name: 'C', address: { country: 'IR', region: 'Isfahan', city: 'tehran' } });
    expect(byCity.owner).toBe(reps.mina.userId);
    expect((await assignment(byCity.id))?.reason).toBe('territory Tehran (city) in Iran team');

    const folded = await lead({ name: 'D', address: { city: 'کرمان' } });
    expect(folded.owner).toBe(reps.mina.userId);

    const byPostal = await lead({ name: 'E', address: { city: 'Tehran', postalCode: '19395-1234' } });
    expect(byPostal.owner).toBe(reps.omid.userId);
    expect((await assignment(byPostal.id))?.reason).toBe('territory 19 (postal code) in Iran team');

    // The longest prefix wins; Persian digits are read as digits.
    const longest = await lead({ name: 'F', address: { city: 'Tehran', postalCode: '۱۹۹۱ ۱' } });
    expect(longest.owner).toBe(reps.laleh.userId);

    // No territory covers Dubai: the next rule takes it, and the first says why it passed.
    const uncovered = await lead({ name: 'G', address: { country: 'AE', city: 'Dubai' } });
    expect(uncovered.owner).toBe(reps.reza.userId);
    const passed = await assignment(uncovered.id);
    expect(passed?.reason).toBe('fixed owner in Rest');
    expect(passed?.detail.passed).toEqual(['Iran team: no territory covers the lead']);
    // A lead with no address at all falls through too.
    expect((await lead({ name: 'H' })).owner).toBe(reps.reza.userId);
  });

  it('requires a named industry to match, and ranks a member naming it above one who does not', async () => {
    await clearRules();
    await rule({
      name: 'Industries',
      strategy: 'territory',
      pool: [
        { userId: reps.sara.userId, territory: { cities: ['Tehran'], industries: ['Banking'] } },
        { userId: reps.reza.userId, territory: { cities: ['Tehran'] } },
        { userId: reps.mina.userId, territory: { industries: ['نفت'] } },
      ],
    });
    await rule({ name: 'Rest', strategy: 'fixed', pool: [{ userId: reps.omid.userId }] });
    expect((await lead({ name: 'Bank', industry: 'banking', address: { city: 'Tehran' } })).owner).toBe(
      reps.sara.userId,
    );
    expect((await lead({ name: 'Shop', industry: 'Retail', address: { city: 'Tehran' } })).owner).toBe(
      reps.reza.userId,
    );
    expect((await lead({ name: 'Bank 2', industry: 'Banking', address: { city: 'Shiraz' } })).owner).toBe(
      reps.omid.userId,
    );
    const oil = await lead({ name: 'Oil', industry: 'نفت', address: { city: 'Ahvaz' } });
    expect(oil.owner).toBe(reps.mina.userId);
    expect((await assignment(oil.id))?.reason).toBe('territory نفت (industry) in Industries');
  });

  it('skips members who are away for the next most specific, and names them', async () => {
    await clearRules();
    await rule({
      name: 'Tehran team',
      strategy: 'territory',
      pool: [
        { userId: reps.omid.userId, territory: { postalCodes: ['19'] } },
        { userId: reps.mina.userId, territory: { cities: ['Tehran'] } },
      ],
    });
    await away(reps.omid, true);
    try {
      const l = await lead({ name: 'North', address: { city: 'Tehran', postalCode: '1939' } });
      expect(l.owner).toBe(reps.mina.userId);
      expect((await assignment(l.id))?.reason).toBe('territory Tehran (city) in Tehran team; Omid was away');
    } finally {
      await away(reps.omid, false);
    }
  });

  it('spreads 100 parallel creates in one territory of 3 members evenly, never doubling a turn', async () => {
    await clearRules();
    await rule({
      name: 'Tehran',
      strategy: 'territory',
      pool: [
        { userId: reps.sara.userId, territory: { cities: ['Tehran'] } },
        { userId: reps.reza.userId, territory: { cities: [' tehran '] } },
        { userId: reps.mina.userId, territory: { cities: ['TEHRAN'], countries: ['IR'] } },
        // Only the country: less specific, never taken while the three are present.
        { userId: reps.omid.userId, territory: { countries: ['IR'] } },
      ],
    });
    const principal = (await principalForMember(t.handle.db, admin.userId, admin.workspaceId))!;
    const wide = openDatabase(t.url, { poolSize: 8 });
    try {
      const owners: string[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, worker) => {
          for (let i = worker; i < 100; i += 8) {
            const view = await createRecord({ db: wide.db, principal }, 'leads', {
              name: `T${i}`,
              address: { city: 'Tehran', country: 'IR' },
            });
            owners.push(view.owner as string);
          }
        }),
      );
      expect(owners).toHaveLength(100);
      const counts = [reps.sara, reps.reza, reps.mina].map(
        (x) => owners.filter((o) => o === x.userId).length,
      );
      expect(counts.reduce((a, b) => a + b, 0)).toBe(100);
      expect(counts.sort()).toEqual([33, 33, 34]);
    } finally {
      await wide.close();
    }
  });

  it('picks in turn within a group whatever other groups do (pure)', () => {
    const pool = [
      { userId: 'a', territory: { cities: ['Tehran'] } },
      { userId: 'b', territory: { cities: ['Tehran'] } },
      { userId: 'c', territory: { cities: ['Shiraz'] } },
    ];
    const turns: Record<string, string> = {};
    const picks: string[] = [];
    for (const city of ['Tehran', 'Shiraz', 'Tehran', 'Shiraz', 'Tehran']) {
      const p = pickByTerritory(pool, { city }, turns, new Set());
      turns[p.group!] = p.nextTurn.toString();
      picks.push(p.member!.userId);
    }
    expect(picks).toEqual(['a', 'c', 'b', 'c', 'a']);
    expect(pickByTerritory(pool, { city: 'Yazd' }, turns, new Set()).member).toBeUndefined();
  });

  it('re-assigns a lead untouched for 4 business hours across the Tehran weekend, never back to anyone', async () => {
    await clearRules();
    const pool = [reps.sara, reps.reza, reps.mina];
    const made = await rule({
      name: 'Tehran team',
      strategy: 'roundRobin',
      pool: pool.map((x) => ({ userId: x.userId })),
      reassignAfterHours: 4,
      calendarId,
    });
    const listed = (await call('GET', '/assignment-rules')).json() as {
      data: { id: string; reassignAfterHours: number; calendarId: string }[];
    };
    expect(listed.data.find((x) => x.id === made.id)).toMatchObject({ reassignAfterHours: 4, calendarId });

    vi.useFakeTimers({ toFake: ['Date'] });
    // Thursday 2026-03-12 11:00 Tehran: 1 hour left that day, Friday closed, 3 more on Saturday → Sat 11:00.
    at('2026-03-12T07:30:00Z');
    const l = await lead({ name: 'آرش' });
    const first = l.owner!;
    expect((await assignment(l.id))?.reassignDueAt).toBe('2026-03-14T07:30:00.000Z');

    expect(await job(l.id, '2026-03-13T12:00:00Z')).toBe(false);
    expect(await job(l.id, '2026-03-14T07:29:00Z')).toBe(false);
    expect(await ownerOf(l.id)).toBe(first);

    at('2026-03-14T07:30:00Z');
    expect(await job(l.id, '2026-03-14T07:30:00Z')).toBe(true);
    // Run twice (the job and the sweep): once per period.
    expect(await job(l.id, '2026-03-14T07:31:30Z')).toBe(false);
    const second = await ownerOf(l.id);
    expect(second).not.toBe(first);
    const a = await assignment(l.id);
    expect(a?.ownerId).toBe(second);
    expect(a?.reason).toBe('re-assigned: untouched for 4 business hours; round robin in Tehran team');
    expect(a?.detail.reassigned).toMatchObject({ hours: 4, business: true });
    // The next period: Saturday 11:00–12:00 and 13:00–16:00 → 16:00 Tehran.
    expect(a?.reassignDueAt).toBe('2026-03-14T12:30:00.000Z');

    // The job is lost: the sweep catches it once it is a minute late.
    expect(await sweepReassignments(t.handle.db, new Date('2026-03-14T12:30:30Z'))).toBe(0);
    at('2026-03-14T12:32:00Z');
    expect(await sweepReassignments(t.handle.db, new Date('2026-03-14T12:32:00Z'))).toBeGreaterThanOrEqual(1);
    const third = await ownerOf(l.id);
    expect(new Set([first, second, third]).size).toBe(3);

    // Everyone has had it: it stays with the third and re-assignment stops.
    expect(await job(l.id, '2026-03-20T12:00:00Z')).toBe(false);
    expect(await ownerOf(l.id)).toBe(third);
    expect((await assignment(l.id))?.reassignDueAt).toBeNull();

    // The owner change is in the lead's history, caused by the assignment.
    const history = JSON.stringify((await call('GET', `/objects/leads/${l.id}/timeline`)).json());
    expect(history).toContain(second);
  });

  it('leaves a lead its owner touched (an edit, an activity or a task), and one converted', async () => {
    await clearRules();
    await rule({
      name: 'Pair',
      strategy: 'roundRobin',
      pool: [{ userId: reps.sara.userId }, { userId: reps.reza.userId }],
      reassignAfterHours: 2,
    });
    vi.useFakeTimers({ toFake: ['Date'] });
    at('2026-03-10T08:00:00Z');
    const repOf = (id: string) => Object.values(reps).find((x) => x.userId === id)!;

    // Someone else's edit is not the owner touching it.
    const edited = await lead({ name: 'Edited' });
    expect((await call('PATCH', `/objects/leads/${edited.id}`, { source: 'fair' })).statusCode).toBe(200);
    expect((await assignment(edited.id))?.reassignDueAt).toBe('2026-03-10T10:00:00.000Z');
    const byOwner = await call(
      'PATCH',
      `/objects/leads/${edited.id}`,
      { status: 'contacted' },
      repOf(edited.owner!).cookie,
    );
    expect(byOwner.statusCode, byOwner.body).toBe(200);
    const touched = await assignment(edited.id);
    expect(touched?.reassignDueAt).toBeNull();
    expect(touched?.touchedAt).toBe('2026-03-10T08:00:00.000Z');

    const called = await lead({ name: 'Called' });
    const activity = await call(
      'POST',
      '/objects/activities',
      { type: 'call', subject: 'تماس اول', leads: [called.id] },
      repOf(called.owner!).cookie,
    );
    expect(activity.statusCode, activity.body).toBe(201);
    expect((await assignment(called.id))?.reassignDueAt).toBeNull();

    const tasked = await lead({ name: 'Tasked' });
    const task = await call(
      'POST',
      '/objects/tasks',
      { title: 'Call back', linkedObject: 'leads', linkedRecord: tasked.id },
      repOf(tasked.owner!).cookie,
    );
    expect(task.statusCode, task.body).toBe(201);
    expect((await assignment(tasked.id))?.reassignDueAt).toBeNull();

    const converted = await lead({ name: 'Converted', email: 'converted@example.com' });
    const conversion = await call('POST', `/leads/${converted.id}/convert`, {
      person: { create: { firstName: 'Converted' } },
    });
    expect(conversion.statusCode, conversion.body).toBe(200);
    expect((await assignment(converted.id))?.reassignDueAt).toBeNull();

    // A lead nobody touched is re-assigned; the touched and converted ones keep their owners.
    const untouched = await lead({ name: 'Untouched' });
    for (const x of [edited, called, tasked, converted, untouched]) await job(x.id, '2026-03-10T10:01:00Z');
    for (const x of [edited, called, tasked, converted]) expect(await ownerOf(x.id)).toBe(x.owner);
    expect(await ownerOf(untouched.id)).not.toBe(untouched.owner);
  });

  it('refuses hostile territories and re-assignment settings with 400', async () => {
    const base = { name: 'x', strategy: 'territory' };
    const member = (territory: Record<string, unknown>) => ({
      ...base,
      pool: [{ userId: reps.sara.userId, territory }],
    });
    const many = Array.from({ length: 10_000 }, (_, i) => `City ${i}`);
    const bodies: Record<string, unknown>[] = [
      member({ cities: ['Teh\u0000ran'] }),
      member({ regions: ['\uD800 north'] }),
      member({ industries: ['\uDFFF'] }),
      member({ postalCodes: ['19\u0000'] }),
      member({ cities: many }),
      member({ countries: ['Iran'] }),
      member({ postalCodes: ['<script>'] }),
      member({ planets: ['Mars'] }),
      member({ cities: [''] }),
      { ...base, pool: [{ userId: reps.sara.userId }] },
      // 5 members of 1,000 cities and a region each: 5,005 entries, over the rule's 5,000.
      {
        ...base,
        pool: Object.values(reps).map((x) => ({
          userId: x.userId,
          territory: { cities: many.slice(0, 1000), regions: ['North'] },
        })),
      },
      { ...member({ cities: ['Tehran'] }), reassignAfterHours: 0 },
      { ...member({ cities: ['Tehran'] }), reassignAfterHours: 721 },
      { ...member({ cities: ['Tehran'] }), reassignAfterHours: 1.5 },
      { name: 'x', strategy: 'fixed', pool: [{ userId: reps.sara.userId }], reassignAfterHours: 4 },
      {
        name: 'x',
        strategy: 'roundRobin',
        pool: [{ userId: reps.sara.userId }, { userId: reps.reza.userId }],
        reassignAfterHours: 4,
        calendarId: '00000000-0000-4000-8000-000000000000',
      },
      {
        name: 'x',
        strategy: 'roundRobin',
        pool: [{ userId: reps.sara.userId }, { userId: reps.reza.userId }],
        reassignAfterHours: 4,
        calendarId: 'not-a-uuid',
      },
    ];
    for (const body of bodies) {
      const res = await call('POST', '/assignment-rules', body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 200)).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    // Another workspace's calendar is not ours.
    const theirs = apiCaller(
      () => t.app,
      () => other.cookie,
    );
    const theirCalendar = await theirs('POST', '/service/calendars', { name: 'x', definition: tehran });
    expect(theirCalendar.statusCode, theirCalendar.body).toBe(201);
    const foreign = await call('POST', '/assignment-rules', {
      name: 'x',
      strategy: 'roundRobin',
      pool: [{ userId: reps.sara.userId }, { userId: reps.reza.userId }],
      reassignAfterHours: 4,
      calendarId: theirCalendar.json().id,
    });
    expect(foreign.statusCode, foreign.body).toBe(400);
    expect(foreign.body).toMatch(/calendarId/);
    // Only sales.assignment.manage may set territories.
    const denied = await call('POST', '/assignment-rules', member({ cities: ['Tehran'] }), reps.sara.cookie);
    expect(denied.statusCode).toBe(403);
    // Hostile text on the lead itself is the record engine's to refuse.
    const badLead = await call('POST', '/objects/leads', { name: 'x', address: { city: 'a\u0000b' } });
    expect(badLead.statusCode).toBe(400);
  });
});
