import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { assertAllowed, hiddenFor, ownerLimit } from '../records/access.ts';
import { resolutionCounts } from './metrics.repository.ts';

/** How many days after a resolution another ticket from the same requester counts as a repeat contact. */
export const REPEAT_DAYS = 7;
/** The ticket fields the metrics are made of: a caller who may not see one of them gets no metrics. */
const READ_FIELDS = ['status', 'resolvedAt', 'reopenCount', 'requester'];

export interface ResolutionMetrics {
  from: string;
  to: string;
  resolved: number;
  oneTouch: number;
  reopened: number;
  /** Resolved at first contact (system measure; see `resolutionCounts`). */
  firstContact: number;
  /** Shares of `resolved`, 0–1, null when nothing was resolved. */
  rates: { oneTouch: number | null; reopen: number | null; firstContact: number | null };
  repeatDays: number;
}

/**
 * The desk's resolution metrics over tickets resolved in `[from, to)`, as the caller may see tickets: a role that
 * reads only its own tickets gets its own; a role that may not read tickets, or from which one of the fields they
 * are made of is hidden, gets none.
 */
export async function resolutionMetrics(
  ctx: ServiceContext,
  range: { from: string; to: string },
): Promise<ResolutionMetrics> {
  const rule = assertAllowed(ctx.principal, 'tickets', 'read');
  const hidden = hiddenFor(ctx.principal);
  const blocked = READ_FIELDS.filter((f) => hidden('tickets', f));
  if (blocked.length > 0)
    throw new AppError(
      'forbidden',
      `Your role may not see ${blocked.join(', ')} on tickets, which the metrics count.`,
    );
  const from = new Date(range.from);
  const to = new Date(range.to);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to)
    throw new AppError('validation_failed', 'The period needs a start before its end.', {
      errors: [{ field: 'to', message: 'Give ISO 8601 times with from before to.' }],
    });
  if (to.getTime() - from.getTime() > 366 * 86_400_000)
    throw new AppError('validation_failed', 'The period may be at most a year.', {
      errors: [{ field: 'to', message: 'Ask for a year or less.' }],
    });
  const counts = await inWorkspace(ctx, (trx, ws) =>
    resolutionCounts(trx, ws, { from, to, repeatDays: REPEAT_DAYS, owner: ownerLimit(ctx.principal, rule) }),
  );
  const share = (n: number) => (counts.resolved === 0 ? null : n / counts.resolved);
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    ...counts,
    rates: {
      oneTouch: share(counts.oneTouch),
      reopen: share(counts.reopened),
      firstContact: share(counts.firstContact),
    },
    repeatDays: REPEAT_DAYS,
  };
}
