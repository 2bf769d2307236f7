import { addBusinessMs, type BusinessCalendar, businessMsBetween } from './business-calendar.ts';

/**
 * SLA clocks as a pure fold over a ticket's SLA event log (docs/ARCHITECTURE.md, "Service desk: SLA clocks").
 * The same events give the same clocks, so the stored clocks are a cache: rebuilt from the log on every change,
 * and a replay of a prefix then the rest equals a replay of the whole.
 *
 * - `created` starts first response and resolution; the first `reply` meets first response; a `customer` message
 *   after the first response starts a next-response cycle (unless one is already running), which a `reply` meets.
 * - A status in the policy's `pauseStatuses` pauses every live clock; consumed time is kept. So does a `hold`
 *   (`held: true`) until its release (`held: false`), whatever the policy: a return awaiting its item.
 * - A done status (resolved, closed) meets resolution and stops the other clocks; leaving it resumes resolution
 *   with its consumed time (first response and next response stay stopped until a new customer message).
 * - A `priority` or `policy` event keeps consumed time and applies the new target; a clock already at or past the
 *   new target is breached at once with reason `targetLowered`. `policy: null` cancels every clock and clears its
 *   breach; a later policy starts fresh clocks.
 * - Each segment of time is measured with the snapshot in force during it, so a calendar edit (a new `policy`
 *   event) moves open deadlines but never re-measures past consumption.
 * - A running clock whose deadline has passed is breached at its deadline and keeps running; met later, it is
 *   `met` with `breachedAt` set ("met after breach").
 */

export type SlaMetric = 'first_response' | 'next_response' | 'resolution';

export const SLA_METRICS: readonly SlaMetric[] = ['first_response', 'next_response', 'resolution'];

/** Targets in minutes, per ticket priority, per metric; a metric without a target has no clock. */
export type SlaTargets = Readonly<Record<string, Readonly<Partial<Record<SlaMetric, number>>>>>;

export interface SlaWarn {
  /** Warn once this percentage of the target has been consumed (1–99). */
  percent?: number | undefined;
  /** Warn this many minutes (of the clock's own time) before the deadline. */
  minutes?: number | undefined;
}

/** A policy as it was at one version: everything a replay needs, the calendar included. */
export interface PolicySnapshot {
  policyId: string;
  version: number;
  targets: SlaTargets;
  /** Measure in the calendar's open time (true) or in elapsed time (false). */
  businessTime: boolean;
  calendar: BusinessCalendar | null;
  pauseStatuses: readonly string[];
  warn: SlaWarn;
}

export type SlaEventBody =
  | { kind: 'created'; status: string; priority: string }
  | { kind: 'status'; status: string }
  | { kind: 'priority'; priority: string }
  | { kind: 'reply' }
  | { kind: 'customer' }
  | { kind: 'hold'; held: boolean }
  | { kind: 'policy'; policy: PolicySnapshot | null };

export type SlaEvent = SlaEventBody & { at: Date };

export type ClockState = 'running' | 'paused' | 'met' | 'stopped' | 'cancelled';

export type BreachReason = 'deadline' | 'targetLowered';

export interface Clock {
  metric: SlaMetric;
  policyId: string;
  state: ClockState;
  /** Time counted so far (business or elapsed, as the policy says), as of `now`. */
  consumedMs: number;
  targetMs: number;
  /** When the target is reached (running clocks only; in the past once breached). */
  deadline: Date | null;
  /** When the warning is due (running clocks not yet warned only). */
  warnAt: Date | null;
  /** When the warning threshold was passed. */
  warnedAt: Date | null;
  breachedAt: Date | null;
  breachReason: BreachReason | null;
  metAt: Date | null;
  /** Next response: 1 for the first cycle, 2 for the second, …; 1 for the other metrics. */
  cycle: number;
}

/** Statuses in which a ticket is done (service.objects.ts `DONE_STATUSES`, repeated here to keep the fold pure). */
const DONE = new Set(['resolved', 'closed']);
const MINUTE_MS = 60_000;

interface Slot {
  metric: SlaMetric;
  /** The policy the clock last ran under, and its target then (reported for a cancelled clock). */
  policyId: string;
  targetMs: number | null;
  /** Counting in principle (started, not met or stopped); whether it runs also depends on the status. */
  live: boolean;
  ended: 'met' | 'stopped' | 'cancelled' | null;
  consumedMs: number;
  /** The instant consumption was last brought up to date (the last event). */
  since: number;
  warnedAt: number | null;
  breachedAt: number | null;
  breachReason: BreachReason | null;
  metAt: number | null;
  cycle: number;
}

/** Everything the fold remembers; opaque to callers, passed back to `replay` to go on from it. */
export interface SlaState {
  at: number;
  status: string;
  priority: string;
  created: boolean;
  /** A public human reply has been given (first response met or stopped before it). */
  replied: boolean;
  policy: PolicySnapshot | null;
  /** A hold pauses every live clock, whatever the status (a return awaiting its item). */
  held?: boolean | undefined;
  slots: Partial<Record<SlaMetric, Slot>>;
}

export function initialState(): SlaState {
  return {
    at: Number.NEGATIVE_INFINITY,
    status: 'new',
    priority: 'normal',
    created: false,
    replied: false,
    policy: null,
    slots: {},
  };
}

function measure(policy: PolicySnapshot, from: number, to: number): number {
  if (to <= from) return 0;
  if (policy.businessTime && policy.calendar)
    return businessMsBetween(policy.calendar, new Date(from), new Date(to));
  return to - from;
}

function reach(policy: PolicySnapshot, from: number, ms: number): number {
  if (policy.businessTime && policy.calendar)
    return addBusinessMs(policy.calendar, new Date(from), ms).getTime();
  return from + ms;
}

function targetOf(policy: PolicySnapshot, priority: string, metric: SlaMetric): number | null {
  const minutes = policy.targets[priority]?.[metric];
  return minutes === undefined ? null : minutes * MINUTE_MS;
}

/** Consumed time at which the warning is due, or null without a warning. */
function warnThreshold(policy: PolicySnapshot, target: number): number | null {
  const { percent, minutes } = policy.warn;
  const candidates: number[] = [];
  if (percent !== undefined) candidates.push(Math.floor((target * percent) / 100));
  if (minutes !== undefined) candidates.push(target - minutes * MINUTE_MS);
  if (candidates.length === 0) return null;
  return Math.max(0, Math.min(...candidates));
}

function isRunning(state: SlaState, slot: Slot): boolean {
  return (
    slot.live &&
    state.policy !== null &&
    state.held !== true &&
    !state.policy.pauseStatuses.includes(state.status)
  );
}

/** Brings running clocks' consumption up to `to`, recording a warning or breach passed on the way. */
function advance(state: SlaState, to: number): void {
  const policy = state.policy;
  for (const slot of Object.values(state.slots)) {
    if (!policy || !isRunning(state, slot) || to <= slot.since) {
      slot.since = Math.max(slot.since, to);
      continue;
    }
    const target = targetOf(policy, state.priority, slot.metric);
    if (target !== null) {
      const threshold = warnThreshold(policy, target);
      if (slot.warnedAt === null && threshold !== null && slot.consumedMs < threshold) {
        const warnAt = reach(policy, slot.since, threshold - slot.consumedMs);
        if (warnAt <= to) slot.warnedAt = warnAt;
      }
      if (slot.breachedAt === null) {
        const deadline = reach(policy, slot.since, Math.max(0, target - slot.consumedMs));
        if (deadline <= to) {
          slot.breachedAt = deadline;
          slot.breachReason = 'deadline';
        }
      }
    }
    slot.consumedMs += measure(policy, slot.since, to);
    slot.since = to;
  }
}

function startSlot(state: SlaState, metric: SlaMetric, at: number, cycle = 1): void {
  state.slots[metric] = {
    metric,
    policyId: state.policy?.policyId ?? '',
    targetMs: null,
    live: true,
    ended: null,
    consumedMs: 0,
    since: at,
    warnedAt: null,
    breachedAt: null,
    breachReason: null,
    metAt: null,
    cycle,
  };
}

function end(slot: Slot | undefined, how: 'met' | 'stopped', at: number): void {
  if (!slot?.live) return;
  slot.live = false;
  slot.ended = how;
  if (how === 'met') slot.metAt = at;
}

/**
 * After a target change: a live clock already at or past its new target is breached now (`targetLowered`), and
 * one past its new warning threshold is warned now.
 */
function applyTargets(state: SlaState, at: number): void {
  if (!state.policy) return;
  for (const slot of Object.values(state.slots)) {
    if (!slot.live) continue;
    slot.policyId = state.policy.policyId;
    const target = targetOf(state.policy, state.priority, slot.metric);
    if (target === null) continue;
    const threshold = warnThreshold(state.policy, target);
    if (slot.warnedAt === null && threshold !== null && slot.consumedMs >= threshold) slot.warnedAt = at;
    if (slot.breachedAt === null && slot.consumedMs >= target) {
      slot.breachedAt = at;
      slot.breachReason = 'targetLowered';
    }
  }
}

/** Starts the clocks a ticket should have under a newly applied policy (after none, or after a cancellation). */
function startFresh(state: SlaState, at: number): void {
  state.slots = {};
  if (!state.created || DONE.has(state.status)) return;
  if (!state.replied) startSlot(state, 'first_response', at);
  startSlot(state, 'resolution', at);
}

function apply(state: SlaState, event: SlaEvent): void {
  const at = Math.max(event.at.getTime(), state.at);
  advance(state, at);
  state.at = at;
  switch (event.kind) {
    case 'created':
      state.created = true;
      state.status = event.status;
      state.priority = event.priority;
      if (state.policy) startFresh(state, at);
      return;
    case 'status': {
      const wasDone = DONE.has(state.status);
      state.status = event.status;
      const isDone = DONE.has(event.status);
      if (isDone && !wasDone) {
        end(state.slots.resolution, 'met', at);
        end(state.slots.first_response, 'stopped', at);
        end(state.slots.next_response, 'stopped', at);
      } else if (wasDone && !isDone) {
        const resolution = state.slots.resolution;
        if (resolution?.ended === 'met') {
          resolution.live = true;
          resolution.ended = null;
          resolution.metAt = null;
        }
      }
      return;
    }
    case 'priority':
      state.priority = event.priority;
      applyTargets(state, at);
      return;
    case 'reply':
      if (!state.replied) {
        state.replied = true;
        end(state.slots.first_response, 'met', at);
      }
      end(state.slots.next_response, 'met', at);
      return;
    case 'hold':
      state.held = event.held;
      return;
    case 'customer': {
      if (!state.replied || !state.policy || DONE.has(state.status)) return;
      const current = state.slots.next_response;
      if (current?.live) return;
      startSlot(state, 'next_response', at, (current?.cycle ?? 0) + 1);
      return;
    }
    case 'policy': {
      const before = state.policy;
      state.policy = event.policy;
      if (event.policy === null) {
        for (const slot of Object.values(state.slots)) {
          if (slot.ended === 'cancelled') continue;
          if (before) slot.targetMs = targetOf(before, state.priority, slot.metric);
          slot.live = false;
          slot.ended = 'cancelled';
          slot.breachedAt = null;
          slot.breachReason = null;
          slot.warnedAt = null;
        }
        return;
      }
      const cancelled = Object.values(state.slots).some((s) => s.ended === 'cancelled');
      if (before === null && (cancelled || Object.keys(state.slots).length === 0)) startFresh(state, at);
      else applyTargets(state, at);
      return;
    }
  }
}

/** Folds events onto a state (a fresh one when absent); the state given is not changed. */
export function replay(events: readonly SlaEvent[], from: SlaState = initialState()): SlaState {
  const state: SlaState = structuredClone(from);
  for (const event of events) apply(state, event);
  return state;
}

/** The clocks of a state as of `now` (at or after its last event): consumption, deadlines, warnings, breaches. */
export function clocksOf(from: SlaState, now: Date): Clock[] {
  const state: SlaState = structuredClone(from);
  advance(state, Math.max(now.getTime(), state.at));
  const policy = state.policy;
  const clocks: Clock[] = [];
  for (const metric of SLA_METRICS) {
    const slot = state.slots[metric];
    if (!slot) continue;
    const cancelled = slot.ended === 'cancelled';
    // A cancelled clock reports the policy and target it last ran under (none when it had no target then).
    const target = cancelled ? slot.targetMs : policy ? targetOf(policy, state.priority, metric) : null;
    if (target === null) continue;
    const running = policy !== null && isRunning(state, slot);
    let deadline: number | null = null;
    let warnAt: number | null = null;
    if (running && policy) {
      deadline =
        slot.consumedMs < target ? reach(policy, slot.since, target - slot.consumedMs) : slot.breachedAt;
      const threshold = warnThreshold(policy, target);
      if (slot.warnedAt === null && threshold !== null && slot.consumedMs < threshold)
        warnAt = reach(policy, slot.since, threshold - slot.consumedMs);
    }
    clocks.push({
      metric,
      policyId: slot.policyId,
      state: cancelled
        ? 'cancelled'
        : slot.live
          ? running
            ? 'running'
            : 'paused'
          : (slot.ended ?? 'stopped'),
      consumedMs: slot.consumedMs,
      targetMs: target,
      deadline: deadline === null ? null : new Date(deadline),
      warnAt: warnAt === null ? null : new Date(warnAt),
      warnedAt: slot.warnedAt === null ? null : new Date(slot.warnedAt),
      breachedAt: slot.breachedAt === null ? null : new Date(slot.breachedAt),
      breachReason: slot.breachReason,
      metAt: slot.metAt === null ? null : new Date(slot.metAt),
      cycle: slot.cycle,
    });
  }
  return clocks;
}

/** The clocks an ordered event log gives as of `now`. */
export function computeClocks(events: readonly SlaEvent[], now: Date): Clock[] {
  return clocksOf(replay(events), now);
}

export type SlaStatus = 'none' | 'on_track' | 'warning' | 'breached' | 'paused' | 'met';

/**
 * A ticket's SLA in one word and its earliest running deadline: breached or warning when a live clock is; on
 * track when one runs; paused when every live clock is; once none is live, breached when any ended breached,
 * met when any was met, otherwise none.
 */
export function summarize(clocks: readonly Clock[]): { status: SlaStatus; dueAt: Date | null } {
  const counted = clocks.filter((c) => c.state !== 'cancelled');
  const live = counted.filter((c) => c.state === 'running' || c.state === 'paused');
  const running = live.filter((c) => c.state === 'running');
  const deadlines = running.map((c) => c.deadline?.getTime()).filter((t) => t !== undefined);
  const dueAt = deadlines.length > 0 ? new Date(Math.min(...deadlines)) : null;
  let status: SlaStatus;
  if (live.length > 0) {
    if (live.some((c) => c.breachedAt)) status = 'breached';
    else if (live.some((c) => c.warnedAt)) status = 'warning';
    else if (running.length > 0) status = 'on_track';
    else status = 'paused';
  } else if (counted.some((c) => c.breachedAt)) status = 'breached';
  else if (counted.some((c) => c.state === 'met')) status = 'met';
  else status = 'none';
  return { status, dueAt };
}
