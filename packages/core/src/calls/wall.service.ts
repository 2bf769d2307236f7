import { inWorkspace, type ServiceContext } from '../context.ts';
import { workspaceSettings } from '../records/scope.ts';
import { judgeFirstContacts } from '../service/contact-resolution.service.ts';
import { REPEAT_DAYS } from '../service/metrics.service.ts';
import { calendarOf } from '../workflows/schedule.ts';
import type { PresenceState } from './presence.repository.ts';
import { memberNames, type PresenceView, teamPresenceIn } from './presence.service.ts';
import { selectAllQueueMembers } from './queues.repository.ts';
import {
  selectAnsweredToday,
  selectDay,
  selectWallCounts,
  selectWallGroups,
  type WallAnsweredRow,
  type WallCountRow,
  type WallGroupRow,
} from './wall.repository.ts';

type Counts = Omit<WallCountRow, 'connectionId' | 'queueId'>;
type AgentsByState = Record<PresenceState, number>;

/** First-contact resolution over today's answered calls: how many were resolved, of how many, and the share. */
export interface FirstContactFigure {
  resolved: number;
  sample: number;
  /** `resolved / sample`, 0–1; null when no call was answered today. */
  rate: number | null;
}

/** A queue's service level today against its target. */
export interface ServiceLevelFigure {
  targetSeconds: number;
  targetPercent: number;
  abandoned: 'counted' | 'ignored' | 'ignoredShort';
  /** Calls answered within `targetSeconds` of ringing. */
  answeredInTarget: number;
  /** Calls offered (answered, missed, sent to voicemail; abandoned ones as `abandoned` says). */
  offered: number;
  /** `answeredInTarget / offered`, 0–1; null when no call was offered today. */
  rate: number | null;
}

/** The figures of a row of the wall (a queue, or a connection's calls that went through none) and of the totals. */
export type WallFigures = Omit<Counts, 'talkSeconds' | 'timedCalls' | 'slMet' | 'slOffered'> & {
  averageHandleSeconds: number | null;
  /** Null when the reader may not see the tickets it is judged by. */
  firstContactResolution: FirstContactFigure | null;
};

/** One row of the wall: a queue with its agents by state, or a connection's calls that went through no queue. */
export type WallQueue = WallFigures & {
  kind: 'queue' | 'connection';
  id: string;
  name: string;
  queueId: string | null;
  connectionId: string | null;
  /** A queue's members by state (null for a connection's row). */
  agentsByState: AgentsByState | null;
  /** A queue's service level today, when it has a target (null otherwise, and for a connection's row). */
  serviceLevel: ServiceLevelFigure | null;
};

/** The supervisor wall: calls now and today per queue and in all, and the agents by state. */
export interface Wall {
  /** Today, in `timeZone`: the workspace's (from its default country). */
  day: string;
  timeZone: string;
  /** Days after a call in which a call or ticket from the same customer counts as a repeat contact. */
  repeatDays: number;
  queues: WallQueue[];
  totals: WallFigures;
  agentsByState: AgentsByState;
  agents: PresenceView[];
}

const ZERO: Counts = {
  ringing: 0,
  waiting: 0,
  active: 0,
  held: 0,
  answered: 0,
  missed: 0,
  abandoned: 0,
  other: 0,
  talkSeconds: 0,
  timedCalls: 0,
  slMet: 0,
  slOffered: 0,
};
const KEYS = Object.keys(ZERO) as (keyof Counts)[];

const add = (a: Counts, b: Counts): Counts =>
  Object.fromEntries(KEYS.map((k) => [k, Number(a[k]) + Number(b[k])])) as unknown as Counts;
const average = (seconds: number, calls: number) => (calls > 0 ? Math.round(seconds / calls) : null);
const figure = (resolved: number, sample: number): FirstContactFigure => ({
  resolved,
  sample,
  rate: sample > 0 ? resolved / sample : null,
});
const byState = (): AgentsByState => ({ available: 0, away: 0, on_call: 0, wrap_up: 0 });

/** A queue's service level from its row's counts, when it has a target. */
function serviceLevelOf(g: WallGroupRow, c: Counts): ServiceLevelFigure | null {
  if (g.kind !== 'queue' || g.slSeconds === null || g.slPercent === null) return null;
  return {
    targetSeconds: g.slSeconds,
    targetPercent: g.slPercent,
    abandoned: g.slAbandoned ?? 'counted',
    answeredInTarget: c.slMet,
    offered: c.slOffered,
    rate: c.slOffered > 0 ? c.slMet / c.slOffered : null,
  };
}

/**
 * The supervisor wall, a fixed set of statements however many calls: per queue — and, for calls that went through
 * none, per connection — the calls ringing at an agent, waiting for one, active and on hold now; today's answered,
 * missed and abandoned calls, the average handle time (talk time of today's answered calls) and the first-contact
 * resolution of today's answered calls (judged with the service desk's definition and window); a queue's service level
 * against its target; each queue's members and every agent by presence.
 */
export async function getWall(ctx: ServiceContext): Promise<Wall> {
  const names = await memberNames(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    const { timeZone } = calendarOf((await workspaceSettings(trx, ws)).defaultCountry);
    const day = await selectDay(trx, timeZone);
    const counts = await selectWallCounts(trx, ws, day);
    const groups = await selectWallGroups(trx, ws);
    const answered = await selectAnsweredToday(trx, ws, day, REPEAT_DAYS);
    const verdicts = await judgeFirstContacts(
      trx,
      ctx.principal,
      ws,
      answered.map((c) => ({
        key: c.id,
        ticketIds: c.ticketIds,
        record:
          c.recordObject === 'people' || c.recordObject === 'companies'
            ? { object: c.recordObject, id: c.recordId! }
            : null,
        endedAt: c.endedAt,
      })),
    );
    const queueMembers = await selectAllQueueMembers(trx, ws);
    const agents = await teamPresenceIn(trx, ws, names);

    // A call is resolved at first contact when every ticket opened from it was (the desk's measure), or, opening
    // none, when neither a call nor a ticket from the same customer followed within the window.
    const resolved = (c: WallAnsweredRow) =>
      c.ticketIds.length > 0
        ? c.ticketIds.every((t) => verdicts!.ticketsAtFirstContact.has(t))
        : !c.calledAgain && !verdicts!.contactsWithNewTicket.has(c.id);

    const queues = new Set(groups.filter((g) => g.kind === 'queue').map((g) => g.id));
    // Calls of a queue removed since fall under their connection, as calls that went through no queue do.
    const rowOf = (c: { connectionId: string; queueId: string | null }) =>
      c.queueId !== null && queues.has(c.queueId) ? `queue:${c.queueId}` : `connection:${c.connectionId}`;
    const sums = new Map<string, Counts>();
    for (const c of counts) sums.set(rowOf(c), add(sums.get(rowOf(c)) ?? ZERO, c));
    const fcr = new Map<string, { resolved: number; sample: number }>();
    for (const c of answered) {
      const f = fcr.get(rowOf(c)) ?? { resolved: 0, sample: 0 };
      f.sample += 1;
      if (verdicts && resolved(c)) f.resolved += 1;
      fcr.set(rowOf(c), f);
    }
    const presence = new Map(agents.map((a) => [a.userId, a.state]));
    const members = new Map<string, AgentsByState>();
    for (const m of queueMembers) {
      const state = presence.get(m.userId);
      if (!state) continue;
      const tally = members.get(m.queueId) ?? byState();
      tally[state] += 1;
      members.set(m.queueId, tally);
    }

    const figures = (c: Counts, f: { resolved: number; sample: number } | undefined): WallFigures => {
      const { talkSeconds, timedCalls, slMet: _met, slOffered: _offered, ...rest } = c;
      return {
        ...rest,
        averageHandleSeconds: average(talkSeconds, timedCalls),
        firstContactResolution: verdicts ? figure(f?.resolved ?? 0, f?.sample ?? 0) : null,
      };
    };
    // Every queue is listed; a connection only when the workspace has no queue yet or some of its calls went
    // through none.
    const rows: WallQueue[] = groups
      .filter((g) => g.kind === 'queue' || queues.size === 0 || sums.has(`connection:${g.id}`))
      .map((g) => {
        const key = `${g.kind}:${g.id}`;
        return {
          kind: g.kind,
          id: g.id,
          name: g.name,
          queueId: g.kind === 'queue' ? g.id : null,
          connectionId: g.kind === 'connection' ? g.id : null,
          ...figures(sums.get(key) ?? ZERO, fcr.get(key)),
          agentsByState: g.kind === 'queue' ? (members.get(g.id) ?? byState()) : null,
          serviceLevel: serviceLevelOf(g, sums.get(key) ?? ZERO),
        };
      });
    const total = [...sums.values()].reduce(add, ZERO);
    const agentsByState = byState();
    for (const a of agents) agentsByState[a.state] += 1;
    return {
      day: day.day,
      timeZone,
      repeatDays: REPEAT_DAYS,
      queues: rows,
      totals: figures(total, {
        resolved: verdicts ? answered.filter(resolved).length : 0,
        sample: answered.length,
      }),
      agentsByState,
      agents,
    };
  });
}
