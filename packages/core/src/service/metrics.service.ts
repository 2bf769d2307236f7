import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { assertAllowed, hiddenFor, ownerLimit } from '../records/access.ts';
import { teamMemberIds } from '../workspaces/teams.service.ts';
import { resolutionCounts } from './metrics.repository.ts';

/** How many days after a resolution another ticket from the same requester counts as a repeat contact. */
export const REPEAT_DAYS = 7;
/** The ticket fields the metrics are made of: a caller who may not see one of them gets no metrics. */
const READ_FIELDS = ['status', 'resolvedAt', 'reopenCount', 'requester'];

/** One first-contact measure: how many said yes, out of how many that could be judged, and the share. */
export interface FcrMeasure {
  firstContact: number;
  sample: number;
  /** `firstContact / sample`, 0–1; null when the sample is empty. */
  rate: number | null;
}

export interface ResolutionMetrics {
  from: string;
  to: string;
  /** The tickets counted: all resolved in the period, or one queue's, assignee's or team's. */
  scope: { queue: string | null; agent: string | null; team: string | null };
  resolved: number;
  oneTouch: number;
  reopened: number;
  /** Resolved at first contact (system measure; see `resolutionCounts`). */
  firstContact: number;
  /** Shares of `resolved`, 0–1, null when nothing was resolved. */
  rates: { oneTouch: number | null; reopen: number | null; firstContact: number | null };
  repeatDays: number;
  /** First-contact resolution measured three ways over the same resolved tickets, each with its sample. */
  fcr: {
    /** From the ticket's history: every resolved ticket is judged. */
    system: FcrMeasure;
    /** The agent's disposition: judged when they said first contact or follow-up; null when the field is hidden. */
    agent: (FcrMeasure & { followUp: number; notApplicable: number; notSaid: number }) | null;
    /** The customer's latest "was it resolved?" survey answer: judged when they answered. */
    customer: FcrMeasure & { notResolved: number };
  };
}

export interface ResolutionQuery {
  from: string;
  to: string;
  queue?: string | undefined;
  agent?: string | undefined;
  team?: string | undefined;
}

const share = (n: number, of: number) => (of === 0 ? null : n / of);
const measure = (firstContact: number, sample: number): FcrMeasure => ({
  firstContact,
  sample,
  rate: share(firstContact, sample),
});

/**
 * The desk's resolution metrics over tickets resolved in `[from, to)` — optionally one queue's, one assignee's or
 * one team's members' — as the caller may see tickets: a role that reads only its own tickets gets its own; a role
 * that may not read tickets, or from which one of the fields they are made of (or filtered by) is hidden, gets none.
 * The agent's disposition is left out (null) for a role from which that field alone is hidden.
 */
export async function resolutionMetrics(
  ctx: ServiceContext,
  query: ResolutionQuery,
): Promise<ResolutionMetrics> {
  const rule = assertAllowed(ctx.principal, 'tickets', 'read');
  const hidden = hiddenFor(ctx.principal);
  const needed = [
    ...READ_FIELDS,
    ...(query.queue === undefined ? [] : ['queue']),
    ...(query.agent === undefined && query.team === undefined ? [] : ['owner']),
  ];
  const blocked = needed.filter((f) => hidden('tickets', f));
  if (blocked.length > 0)
    throw new AppError(
      'forbidden',
      `Your role may not see ${blocked.join(', ')} on tickets, which the metrics count.`,
    );
  const from = new Date(query.from);
  const to = new Date(query.to);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to)
    throw new AppError('validation_failed', 'The period needs a start before its end.', {
      errors: [{ field: 'to', message: 'Give ISO 8601 times with from before to.' }],
    });
  if (to.getTime() - from.getTime() > 366 * 86_400_000)
    throw new AppError('validation_failed', 'The period may be at most a year.', {
      errors: [{ field: 'to', message: 'Ask for a year or less.' }],
    });
  if (query.agent !== undefined && query.team !== undefined)
    throw new AppError('validation_failed', 'Choose an agent or a team, not both.', {
      errors: [{ field: 'team', message: 'Leave out either agent or team.' }],
    });
  const counts = await inWorkspace(ctx, async (trx, ws) =>
    resolutionCounts(trx, ws, {
      from,
      to,
      repeatDays: REPEAT_DAYS,
      owner: ownerLimit(ctx.principal, rule),
      queue: query.queue,
      // A team that is not this workspace's has no members here, so it counts nothing.
      owners:
        query.team !== undefined
          ? await teamMemberIds(trx, ws, query.team)
          : query.agent !== undefined
            ? [query.agent]
            : undefined,
    }),
  );
  const judgedByAgent = counts.agentFirstContact + counts.agentFollowUp;
  const customerSample = counts.customerYes + counts.customerNo;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    scope: { queue: query.queue ?? null, agent: query.agent ?? null, team: query.team ?? null },
    resolved: counts.resolved,
    oneTouch: counts.oneTouch,
    reopened: counts.reopened,
    firstContact: counts.firstContact,
    rates: {
      oneTouch: share(counts.oneTouch, counts.resolved),
      reopen: share(counts.reopened, counts.resolved),
      firstContact: share(counts.firstContact, counts.resolved),
    },
    repeatDays: REPEAT_DAYS,
    fcr: {
      system: measure(counts.firstContact, counts.resolved),
      agent: hidden('tickets', 'fcrDisposition')
        ? null
        : {
            ...measure(counts.agentFirstContact, judgedByAgent),
            followUp: counts.agentFollowUp,
            notApplicable: counts.agentNotApplicable,
            notSaid: counts.resolved - judgedByAgent - counts.agentNotApplicable,
          },
      customer: { ...measure(counts.customerYes, customerSample), notResolved: counts.customerNo },
    },
  };
}
