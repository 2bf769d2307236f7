import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BusinessCalendar, TimeRange } from './business-calendar.ts';
import {
  type Clock,
  clocksOf,
  computeClocks,
  type PolicySnapshot,
  replay,
  type SlaEvent,
  type SlaEventBody,
  type SlaMetric,
  summarize,
} from './sla-clocks.ts';

// Golden cases worked out by hand. Tehran is +03:30 all year, Riyadh +03:00; New York −05:00 until 2026-03-08
// 02:00, then −04:00. 2026-03-07 is a Saturday; Nowruz 1405 (1 Farvardin) is Saturday 2026-03-21.

const M = 60_000;
const r = (from: string, to: string): TimeRange => ({ from, to });
const at = (iso: string) => new Date(iso);

const tehran: BusinessCalendar = {
  timeZone: 'Asia/Tehran',
  hours: {
    6: [r('08:00', '12:00'), r('13:00', '16:00')],
    7: [r('08:00', '12:00'), r('13:00', '16:00')],
    1: [r('08:00', '12:00'), r('13:00', '16:00')],
    2: [r('08:00', '12:00'), r('13:00', '16:00')],
    3: [r('08:00', '12:00'), r('13:00', '16:00')],
    4: [r('08:00', '12:00')],
  },
  holidays: ['2026-03-21', '2026-03-22', '2026-03-23', '2026-03-24'],
};
const riyadh: BusinessCalendar = {
  timeZone: 'Asia/Riyadh',
  hours: {
    7: [r('08:00', '16:00')],
    1: [r('08:00', '16:00')],
    2: [r('08:00', '16:00')],
    3: [r('08:00', '16:00')],
    4: [r('08:00', '16:00')],
  },
  holidays: [],
};
const newYork: BusinessCalendar = {
  timeZone: 'America/New_York',
  hours: {
    1: [r('09:00', '17:00')],
    2: [r('09:00', '17:00')],
    3: [r('09:00', '17:00')],
    4: [r('09:00', '17:00')],
    5: [r('09:00', '17:00')],
  },
  holidays: [],
};

function policy(overrides: Partial<PolicySnapshot> = {}): PolicySnapshot {
  return {
    policyId: 'p1',
    version: 1,
    targets: {
      urgent: { first_response: 60, next_response: 60, resolution: 480 },
      normal: { first_response: 240, next_response: 240, resolution: 1440 },
    },
    businessTime: true,
    calendar: tehran,
    pauseStatuses: ['pending_customer', 'on_hold'],
    warn: { percent: 80 },
    ...overrides,
  };
}

const ev = (iso: string, body: SlaEventBody): SlaEvent => ({ at: at(iso), ...body }) as SlaEvent;
const created = (iso: string, priority = 'urgent', p: PolicySnapshot | null = policy()) => [
  ev(iso, { kind: 'created', status: 'new', priority }),
  ev(iso, { kind: 'policy', policy: p }),
];
const clock = (clocks: Clock[], metric: SlaMetric) => {
  const found = clocks.find((c) => c.metric === metric);
  if (!found) throw new Error(`no ${metric} clock`);
  return found;
};

describe('SLA clocks: golden cases', () => {
  it('runs first response and resolution over Tehran’s lunch hour, and a public reply meets first response', () => {
    // Sat 11:30 Tehran (08:00Z). First response 60 business min: 11:30–12:00, 13:00–13:30 → 13:30 (10:00Z).
    // Resolution 480: Sat 210 min (11:30–12, 13–16), Sun 08–12 240, Sun 13:00–13:30 → Sun 13:30 (10:00Z).
    const events = created('2026-03-07T08:00:00Z');
    const clocks = computeClocks(events, at('2026-03-07T08:00:00Z'));
    expect(clock(clocks, 'first_response')).toMatchObject({
      state: 'running',
      consumedMs: 0,
      targetMs: 60 * M,
      deadline: at('2026-03-07T10:00:00Z'),
      // 80 % of 60 min = 48 min: 11:30–12:00 then 18 min after 13:00.
      warnAt: at('2026-03-07T09:48:00Z'),
    });
    expect(clock(clocks, 'resolution').deadline).toEqual(at('2026-03-08T10:00:00Z'));
    expect(clocks.map((c) => c.metric)).toEqual(['first_response', 'resolution']);

    // A reply at 12:30 (lunch): 30 min consumed, met.
    const replied = computeClocks(
      [...events, ev('2026-03-07T09:00:00Z', { kind: 'reply' })],
      at('2026-03-07T12:00:00Z'),
    );
    expect(clock(replied, 'first_response')).toMatchObject({
      state: 'met',
      consumedMs: 30 * M,
      metAt: at('2026-03-07T09:00:00Z'),
      deadline: null,
      breachedAt: null,
    });
    // Resolution at Sat 15:30 Tehran: 30 + 150 min.
    expect(clock(replied, 'resolution').consumedMs).toBe(180 * M);
  });

  it('pauses a Tehran ticket pending the customer over Nowruz and resumes with its consumed time', () => {
    // Created Wed 2026-03-18 14:00 Tehran (10:30Z): Wed 14–16 = 120 min; Thu 08:00–10:00 = 120 min; paused Thu
    // 10:00 (06:30Z) until Wed 2026-03-25 09:00 (05:30Z), after the Nowruz holidays. Remaining 240 min: Wed
    // 09–12 (180) and 13:00–14:00 → Wed 25 14:00 Tehran (10:30Z).
    const events = [
      ...created('2026-03-18T10:30:00Z'),
      ev('2026-03-18T11:00:00Z', { kind: 'reply' }),
      ev('2026-03-19T06:30:00Z', { kind: 'status', status: 'pending_customer' }),
    ];
    const paused = computeClocks(events, at('2026-03-23T08:00:00Z'));
    expect(clock(paused, 'resolution')).toMatchObject({
      state: 'paused',
      consumedMs: 240 * M,
      deadline: null,
    });
    expect(summarize(paused).status).toBe('paused');

    const resumed = computeClocks(
      [...events, ev('2026-03-25T05:30:00Z', { kind: 'status', status: 'open' })],
      at('2026-03-25T07:30:00Z'),
    );
    // At Wed 11:00 Tehran: 240 + 120 consumed, 120 min left, due 14:00.
    const resolution = clock(resumed, 'resolution');
    expect(resolution).toMatchObject({
      state: 'running',
      consumedMs: 360 * M,
      deadline: at('2026-03-25T10:30:00Z'),
    });
    // Without the pause the clock would have run Thu 10–12 and Wed 08–10: due Wed 25 10:00 (06:30Z).
    const unpaused = computeClocks(
      [...created('2026-03-18T10:30:00Z'), ev('2026-03-18T11:00:00Z', { kind: 'reply' })],
      at('2026-03-19T06:30:00Z'),
    );
    expect(clock(unpaused, 'resolution').deadline).toEqual(at('2026-03-25T06:30:00Z'));
  });

  it('holds every live clock while a return awaits its item, whatever the status, and releases them after', () => {
    // As above, but the ticket stays open: a hold from Thu 10:00 Tehran (06:30Z) to Wed 25 09:00 (05:30Z).
    const events = [
      ...created('2026-03-18T10:30:00Z'),
      ev('2026-03-18T11:00:00Z', { kind: 'reply' }),
      ev('2026-03-18T11:00:00Z', { kind: 'status', status: 'open' }),
      ev('2026-03-19T06:30:00Z', { kind: 'hold', held: true }),
    ];
    const held = computeClocks(events, at('2026-03-23T08:00:00Z'));
    expect(clock(held, 'resolution')).toMatchObject({ state: 'paused', consumedMs: 240 * M, deadline: null });
    expect(summarize(held).status).toBe('paused');
    // A status change while held keeps the hold; the release runs the clocks again with their consumed time.
    const released = computeClocks(
      [
        ...events,
        ev('2026-03-20T06:30:00Z', { kind: 'status', status: 'pending_third_party' }),
        ev('2026-03-25T05:30:00Z', { kind: 'hold', held: false }),
      ],
      at('2026-03-25T07:30:00Z'),
    );
    expect(clock(released, 'resolution')).toMatchObject({
      state: 'running',
      consumedMs: 360 * M,
      deadline: at('2026-03-25T10:30:00Z'),
    });
  });

  it('counts Riyadh business time from Thursday afternoon to Sunday, and calendar time straight through', () => {
    const riyadhPolicy = policy({ calendar: riyadh, targets: { urgent: { first_response: 120 } } });
    // Thu 2026-03-05 15:00 Riyadh (12:00Z): 60 min Thursday, 60 min Sunday → Sun 09:00 (06:00Z).
    const business = computeClocks(
      created('2026-03-05T12:00:00Z', 'urgent', riyadhPolicy),
      at('2026-03-05T12:00:00Z'),
    );
    expect(clock(business, 'first_response').deadline).toEqual(at('2026-03-08T06:00:00Z'));
    const elapsed = computeClocks(
      created('2026-03-05T12:00:00Z', 'urgent', { ...riyadhPolicy, businessTime: false }),
      at('2026-03-05T12:00:00Z'),
    );
    expect(clock(elapsed, 'first_response').deadline).toEqual(at('2026-03-05T14:00:00Z'));
  });

  it('follows New York across the spring-forward weekend', () => {
    const nyPolicy = policy({ calendar: newYork, targets: { normal: { resolution: 120 } } });
    // Fri 2026-03-06 16:00 EST (21:00Z): 60 min Friday, then Mon 09:00–10:00 EDT → 14:00Z (13:00Z before DST).
    const clocks = computeClocks(
      created('2026-03-06T21:00:00Z', 'normal', nyPolicy),
      at('2026-03-07T00:00:00Z'),
    );
    expect(clock(clocks, 'resolution')).toMatchObject({
      consumedMs: 60 * M,
      deadline: at('2026-03-09T14:00:00Z'),
    });
  });
});

describe('SLA clocks: rules', () => {
  const base = created('2026-03-07T08:00:00Z');

  it('breaches a running clock at its deadline, keeps it running, and a later reply meets it after the breach', () => {
    const late = computeClocks(base, at('2026-03-07T11:00:00Z'));
    expect(clock(late, 'first_response')).toMatchObject({
      state: 'running',
      breachedAt: at('2026-03-07T10:00:00Z'),
      breachReason: 'deadline',
      warnedAt: at('2026-03-07T09:48:00Z'),
    });
    expect(summarize(late).status).toBe('breached');
    const met = computeClocks(
      [...base, ev('2026-03-07T11:00:00Z', { kind: 'reply' })],
      at('2026-03-07T11:05:00Z'),
    );
    expect(clock(met, 'first_response')).toMatchObject({
      state: 'met',
      breachedAt: at('2026-03-07T10:00:00Z'),
    });
  });

  it('never counts bot or automatic messages: only a reply event meets first response', () => {
    // The desk never logs automatic messages; a customer message before the first reply starts nothing.
    const clocks = computeClocks(
      [...base, ev('2026-03-07T08:10:00Z', { kind: 'customer' })],
      at('2026-03-07T08:20:00Z'),
    );
    expect(clocks.map((c) => [c.metric, c.state])).toEqual([
      ['first_response', 'running'],
      ['resolution', 'running'],
    ]);
  });

  it('starts a next-response cycle on a customer message after the first response, without touching it', () => {
    const events = [
      ...base,
      ev('2026-03-07T08:10:00Z', { kind: 'reply' }),
      ev('2026-03-07T08:20:00Z', { kind: 'customer' }),
      ev('2026-03-07T08:25:00Z', { kind: 'customer' }),
    ];
    const clocks = computeClocks(events, at('2026-03-07T08:30:00Z'));
    expect(clock(clocks, 'first_response')).toMatchObject({
      state: 'met',
      consumedMs: 10 * M,
      metAt: at('2026-03-07T08:10:00Z'),
    });
    expect(clock(clocks, 'next_response')).toMatchObject({ state: 'running', cycle: 1, consumedMs: 10 * M });
    const second = computeClocks(
      [
        ...events,
        ev('2026-03-07T08:40:00Z', { kind: 'reply' }),
        ev('2026-03-07T08:50:00Z', { kind: 'customer' }),
      ],
      at('2026-03-07T09:35:00Z'), // 13:05 Tehran: the lunch hour after 12:20 is not counted,
    );
    expect(clock(second, 'next_response')).toMatchObject({ state: 'running', cycle: 2, consumedMs: 5 * M });
    expect(clock(second, 'first_response').state).toBe('met');
  });

  it('stops every clock on resolve, next response included, and resumes resolution on reopen', () => {
    const events = [
      ...base,
      ev('2026-03-07T08:10:00Z', { kind: 'reply' }),
      ev('2026-03-07T08:20:00Z', { kind: 'customer' }),
      ev('2026-03-07T08:30:00Z', { kind: 'status', status: 'resolved' }),
    ];
    const resolved = computeClocks(events, at('2026-03-09T08:00:00Z'));
    expect(clock(resolved, 'next_response')).toMatchObject({
      state: 'stopped',
      consumedMs: 10 * M,
      breachedAt: null,
    });
    expect(clock(resolved, 'resolution')).toMatchObject({
      state: 'met',
      consumedMs: 30 * M,
      metAt: at('2026-03-07T08:30:00Z'),
    });
    expect(summarize(resolved)).toEqual({ status: 'met', dueAt: null });

    // Reopened on Sunday 08:00 Tehran (04:30Z); at 09:00 Tehran: 30 + 60 consumed.
    const reopened = computeClocks(
      [...events, ev('2026-03-08T04:30:00Z', { kind: 'status', status: 'open' })],
      at('2026-03-08T05:30:00Z'),
    );
    expect(clock(reopened, 'resolution')).toMatchObject({
      state: 'running',
      consumedMs: 90 * M,
      metAt: null,
    });
    expect(clock(reopened, 'next_response').state).toBe('stopped');
  });

  it('keeps paused time when the priority changes, and breaches at once when the new target is already exceeded', () => {
    // Normal ticket: 2 h of resolution consumed, paused, then made urgent with the resolution target 480 → 60.
    const events = [
      ...created('2026-03-07T05:30:00Z', 'normal'), // Sat 09:00 Tehran
      ev('2026-03-07T06:00:00Z', { kind: 'reply' }),
      ev('2026-03-07T07:30:00Z', { kind: 'status', status: 'on_hold' }), // 11:00: 120 min
      ev('2026-03-07T10:30:00Z', { kind: 'priority', priority: 'urgent' }),
    ];
    const clocks = computeClocks(events, at('2026-03-07T11:00:00Z'));
    expect(clock(clocks, 'resolution')).toMatchObject({
      state: 'paused',
      consumedMs: 120 * M,
      targetMs: 480 * M,
      breachedAt: null,
    });
    const lowered = computeClocks(
      [
        ...events,
        ev('2026-03-07T11:00:00Z', {
          kind: 'policy',
          policy: policy({ version: 2, targets: { urgent: { resolution: 60 } } }),
        }),
      ],
      at('2026-03-07T11:30:00Z'),
    );
    expect(clock(lowered, 'resolution')).toMatchObject({
      state: 'paused',
      consumedMs: 120 * M,
      targetMs: 60 * M,
      breachedAt: at('2026-03-07T11:00:00Z'),
      breachReason: 'targetLowered',
    });
  });

  it('keeps paused time when the policy changes to another one', () => {
    const events = [
      ...created('2026-03-07T05:30:00Z', 'normal'),
      ev('2026-03-07T07:30:00Z', { kind: 'status', status: 'pending_customer' }),
      ev('2026-03-07T08:00:00Z', {
        kind: 'policy',
        policy: policy({ policyId: 'p2', pauseStatuses: ['pending_customer'] }),
      }),
    ];
    const clocks = computeClocks(events, at('2026-03-07T12:00:00Z'));
    expect(clock(clocks, 'resolution')).toMatchObject({
      policyId: 'p2',
      state: 'paused',
      consumedMs: 120 * M,
    });
  });

  it('a pause status the new policy does not pause resumes the clock from the change', () => {
    const events = [
      ...created('2026-03-07T05:30:00Z', 'normal'),
      ev('2026-03-07T07:30:00Z', { kind: 'status', status: 'on_hold' }),
      ev('2026-03-07T08:30:00Z', { kind: 'policy', policy: policy({ version: 2, pauseStatuses: [] }) }), // 12:00
    ];
    // 12:00–13:00 lunch, 13:00–14:00 counted: 180 min.
    expect(clock(computeClocks(events, at('2026-03-07T10:30:00Z')), 'resolution').consumedMs).toBe(180 * M);
  });

  it('moves open deadlines when the calendar is edited, never the time already consumed', () => {
    const events = [
      ...created('2026-03-07T05:30:00Z', 'normal'),
      ev('2026-03-07T06:00:00Z', { kind: 'reply' }),
    ];
    const before = computeClocks(events, at('2026-03-07T07:30:00Z'));
    expect(clock(before, 'resolution').consumedMs).toBe(120 * M);
    // From 11:00 Tehran the calendar is open round the clock.
    const open: BusinessCalendar = {
      ...tehran,
      hours: Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((d) => [d, [r('00:00', '00:00')]])),
    };
    const edited = computeClocks(
      [
        ...events,
        ev('2026-03-07T07:30:00Z', { kind: 'policy', policy: policy({ version: 2, calendar: open }) }),
      ],
      at('2026-03-07T07:30:00Z'),
    );
    expect(clock(edited, 'resolution')).toMatchObject({
      consumedMs: 120 * M,
      deadline: at('2026-03-08T05:30:00Z'),
    });
  });

  it('cancels every clock and clears its breaches when the policy is disabled (no ghost escalations)', () => {
    const events = [...base, ev('2026-03-07T11:00:00Z', { kind: 'policy', policy: null })];
    const clocks = computeClocks(events, at('2026-03-09T11:00:00Z'));
    expect(clocks.map((c) => [c.metric, c.state, c.breachedAt, c.deadline, c.warnAt, c.policyId])).toEqual([
      ['first_response', 'cancelled', null, null, null, 'p1'],
      ['resolution', 'cancelled', null, null, null, 'p1'],
    ]);
    expect(summarize(clocks)).toEqual({ status: 'none', dueAt: null });
    // Enabled again: fresh clocks from then.
    const again = computeClocks(
      [...events, ev('2026-03-09T05:30:00Z', { kind: 'policy', policy: policy() })],
      at('2026-03-09T05:30:00Z'),
    );
    expect(clock(again, 'first_response')).toMatchObject({
      state: 'running',
      consumedMs: 0,
      breachedAt: null,
    });
  });

  it('warns a number of minutes before the deadline', () => {
    const clocks = computeClocks(
      created('2026-03-07T08:00:00Z', 'urgent', policy({ warn: { minutes: 15 } })),
      at('2026-03-07T08:00:00Z'),
    );
    // 45 min of business time: 11:30–12:00 then 13:00–13:15 (09:45Z).
    expect(clock(clocks, 'first_response').warnAt).toEqual(at('2026-03-07T09:45:00Z'));
    expect(
      summarize(
        computeClocks(
          created('2026-03-07T08:00:00Z', 'urgent', policy({ warn: { minutes: 15 } })),
          at('2026-03-07T09:50:00Z'),
        ),
      ).status,
    ).toBe('warning');
  });

  it('gives no clocks without a policy or for a priority without targets', () => {
    expect(
      computeClocks(created('2026-03-07T08:00:00Z', 'urgent', null), at('2026-03-08T00:00:00Z')),
    ).toEqual([]);
    expect(computeClocks(created('2026-03-07T08:00:00Z', 'low'), at('2026-03-08T00:00:00Z'))).toEqual([]);
  });
});

// -------------------------------------------------------------------------------------------------------------
// Properties over random event logs (elapsed and Tehran business time).

const STATUSES = ['new', 'open', 'pending_customer', 'on_hold', 'resolved', 'closed'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const targetsArb = fc.dictionary(
  fc.constantFrom(...PRIORITIES),
  fc.record({
    first_response: fc.integer({ min: 0, max: 3000 }),
    next_response: fc.integer({ min: 0, max: 3000 }),
    resolution: fc.integer({ min: 0, max: 6000 }),
  }),
);
const snapshotArb = fc.record({
  policyId: fc.constantFrom('p1', 'p2'),
  version: fc.integer({ min: 1, max: 5 }),
  targets: targetsArb,
  businessTime: fc.boolean(),
  calendar: fc.constant(tehran),
  pauseStatuses: fc.subarray(['pending_customer', 'on_hold', 'open']),
  warn: fc.record({ percent: fc.integer({ min: 1, max: 99 }) }),
}) as fc.Arbitrary<PolicySnapshot>;
const bodyArb: fc.Arbitrary<SlaEventBody> = fc.oneof(
  fc.record({ kind: fc.constant('status' as const), status: fc.constantFrom(...STATUSES) }),
  fc.record({ kind: fc.constant('priority' as const), priority: fc.constantFrom(...PRIORITIES) }),
  fc.constant({ kind: 'reply' as const }),
  fc.constant({ kind: 'customer' as const }),
  fc.record({ kind: fc.constant('hold' as const), held: fc.boolean() }),
  fc.record({ kind: fc.constant('policy' as const), policy: fc.option(snapshotArb, { nil: null }) }),
);
const START = at('2026-03-14T05:00:00Z').getTime();
const logArb = fc
  .tuple(
    fc.constantFrom(...PRIORITIES),
    snapshotArb,
    fc.array(fc.tuple(fc.integer({ min: 0, max: 36 * 60 }), bodyArb), { maxLength: 12 }),
    fc.integer({ min: 0, max: 72 * 60 }),
  )
  .map(([priority, first, steps, tail]) => {
    let t = START;
    const events: SlaEvent[] = [
      { at: new Date(t), kind: 'created', status: 'new', priority },
      { at: new Date(t), kind: 'policy', policy: first },
    ];
    for (const [gap, body] of steps) {
      t += gap * M;
      events.push({ ...body, at: new Date(t) } as SlaEvent);
    }
    return { events, now: new Date(t + tail * M) };
  });

const mapPolicies = (events: SlaEvent[], f: (p: PolicySnapshot) => PolicySnapshot) =>
  events.map((e) => (e.kind === 'policy' && e.policy ? { ...e, policy: f(e.policy) } : e));

describe('SLA clocks: properties', () => {
  it('pauses never add consumed time', () => {
    fc.assert(
      fc.property(logArb, ({ events, now }) => {
        const withPauses = computeClocks(events, now);
        const withoutPauses = computeClocks(
          mapPolicies(events, (p) => ({ ...p, pauseStatuses: [] })),
          now,
        );
        for (const c of withPauses) {
          const other = withoutPauses.find((o) => o.metric === c.metric);
          expect(other).toBeDefined();
          expect(c.consumedMs).toBeLessThanOrEqual(other!.consumedMs);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('replaying a prefix then the rest equals replaying all', () => {
    fc.assert(
      fc.property(logArb, fc.nat(), ({ events, now }, cut) => {
        const k = cut % (events.length + 1);
        const resumed = clocksOf(replay(events.slice(k), replay(events.slice(0, k))), now);
        expect(resumed).toEqual(computeClocks(events, now));
      }),
      { numRuns: 150 },
    );
  });

  it('lowering a target never makes a deadline later', () => {
    fc.assert(
      fc.property(logArb, fc.integer({ min: 0, max: 100 }), ({ events, now }, percent) => {
        const lower = (p: PolicySnapshot): PolicySnapshot => ({
          ...p,
          targets: Object.fromEntries(
            Object.entries(p.targets).map(([priority, t]) => [
              priority,
              Object.fromEntries(
                Object.entries(t).map(([m, v]) => [m, Math.floor(((v ?? 0) * percent) / 100)]),
              ),
            ]),
          ),
        });
        const normal = computeClocks(events, now);
        const lowered = computeClocks(mapPolicies(events, lower), now);
        for (const c of normal) {
          const other = lowered.find((o) => o.metric === c.metric);
          if (c.deadline && other?.deadline)
            expect(other.deadline.getTime()).toBeLessThanOrEqual(c.deadline.getTime());
          if (c.breachedAt) expect(other?.breachedAt ?? null).not.toBeNull();
        }
      }),
      { numRuns: 150 },
    );
  });
});
