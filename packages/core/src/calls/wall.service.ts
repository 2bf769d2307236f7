import { inWorkspace, type ServiceContext } from '../context.ts';
import { workspaceSettings } from '../records/scope.ts';
import { calendarOf } from '../workflows/schedule.ts';
import type { PresenceState } from './presence.repository.ts';
import { memberNames, type PresenceView, teamPresenceIn } from './presence.service.ts';
import { selectToday, selectWallQueues, type WallQueueRow } from './wall.repository.ts';

/** A queue's (a connection's) figures on the wall, with its average handle time. */
export type WallQueue = Omit<WallQueueRow, 'talkSeconds' | 'timedCalls'> & {
  averageHandleSeconds: number | null;
};

/** The supervisor wall: calls now and today per queue and in all, and the agents by state. */
export interface Wall {
  /** Today, in `timeZone`: the workspace's (from its default country). */
  day: string;
  timeZone: string;
  queues: WallQueue[];
  totals: Omit<WallQueue, 'connectionId' | 'name'>;
  agentsByState: Record<PresenceState, number>;
  agents: PresenceView[];
}

const average = (seconds: number, calls: number) => (calls > 0 ? Math.round(seconds / calls) : null);

/**
 * The supervisor wall, computed in SQL: per connection (the queue, until queues exist) the calls ringing at an
 * agent, waiting for one, active and on hold now; today's answered, missed and abandoned calls and the average
 * handle time (talk time of today's answered calls); every agent's presence and how many are in each state.
 */
export async function getWall(ctx: ServiceContext): Promise<Wall> {
  const names = await memberNames(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    const { timeZone } = calendarOf((await workspaceSettings(trx, ws)).defaultCountry);
    const rows = await selectWallQueues(trx, ws, timeZone);
    const agents = await teamPresenceIn(trx, ws, names);
    const sum = (key: keyof WallQueueRow) => rows.reduce((n, r) => n + Number(r[key]), 0);
    const agentsByState: Record<PresenceState, number> = { available: 0, away: 0, on_call: 0, wrap_up: 0 };
    for (const a of agents) agentsByState[a.state] += 1;
    return {
      day: await selectToday(trx, timeZone),
      timeZone,
      queues: rows.map(({ talkSeconds, timedCalls, ...q }) => ({
        ...q,
        averageHandleSeconds: average(talkSeconds, timedCalls),
      })),
      totals: {
        ringing: sum('ringing'),
        waiting: sum('waiting'),
        active: sum('active'),
        held: sum('held'),
        answered: sum('answered'),
        missed: sum('missed'),
        abandoned: sum('abandoned'),
        other: sum('other'),
        averageHandleSeconds: average(sum('talkSeconds'), sum('timedCalls')),
      },
      agentsByState,
      agents,
    };
  });
}
