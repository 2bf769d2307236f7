import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { deleteSuppression, selectDailyStats, selectSuppressions } from './email.repository.ts';
import { normaliseAddress } from './message-parse.ts';

/** One day of a template's (or all sent mail's) numbers; "people" counts leave machine opens and clicks out. */
export interface DayStats {
  day: string;
  sent: number;
  delivered: number;
  bounced: number;
  opened: { people: number; all: number };
  clicked: { people: number; all: number };
  replied: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Sent, delivered, opened, clicked, replied and bounced per day (days of the caller's time zone; the web app
 * names them in the caller's calendar), for one template or all sent mail, counting each message once a kind.
 */
export async function emailStats(
  ctx: ServiceContext,
  query: { templateId?: string | undefined; from: string; to: string; timeZone: string },
): Promise<{ days: DayStats[]; total: Omit<DayStats, 'day'> }> {
  const from = new Date(query.from);
  const to = new Date(query.to);
  if (
    Number.isNaN(from.getTime()) ||
    Number.isNaN(to.getTime()) ||
    to <= from ||
    to.getTime() - from.getTime() > 400 * 86_400_000
  )
    throw new AppError(
      'validation_failed',
      'from and to must be times, to after from, at most 400 days apart.',
      {
        errors: [{ field: 'from', message: 'Give an ISO 8601 range of at most 400 days.' }],
      },
    );
  if (!Intl.supportedValuesOf('timeZone').includes(query.timeZone) && query.timeZone !== 'UTC')
    throw new AppError('validation_failed', `Unknown time zone ${query.timeZone}.`, {
      errors: [{ field: 'timeZone', message: 'Must be an IANA time zone such as Asia/Tehran.' }],
    });
  if (query.templateId !== undefined && !UUID.test(query.templateId))
    throw new AppError('not_found', `There is no email template ${query.templateId}.`);
  const rows = await inWorkspace(ctx, (trx, workspaceId) =>
    selectDailyStats(trx, workspaceId, { templateId: query.templateId, from, to, timeZone: query.timeZone }),
  );
  const days = rows.map((r) => ({
    day: r.day,
    sent: r.sent,
    delivered: r.sent - r.bounced,
    bounced: r.bounced,
    opened: { people: r.opened, all: r.opened_all },
    clicked: { people: r.clicked, all: r.clicked_all },
    replied: r.replied,
  }));
  const sum = (f: (d: DayStats) => number) => days.reduce((n, d) => n + f(d), 0);
  return {
    days,
    total: {
      sent: sum((d) => d.sent),
      delivered: sum((d) => d.delivered),
      bounced: sum((d) => d.bounced),
      opened: { people: sum((d) => d.opened.people), all: sum((d) => d.opened.all) },
      clicked: { people: sum((d) => d.clicked.people), all: sum((d) => d.clicked.all) },
      replied: sum((d) => d.replied),
    },
  };
}

/** Addresses no mail goes to after a hard bounce, newest first. */
export async function listSuppressions(ctx: ServiceContext) {
  return inWorkspace(ctx, async (trx, workspaceId) =>
    (await selectSuppressions(trx, workspaceId)).map((s) => ({
      address: s.address,
      reason: s.reason,
      at: s.at.toISOString(),
    })),
  );
}

/** Lets mail go to an address again (someone fixed it). */
export async function clearSuppression(ctx: ServiceContext, address: string): Promise<void> {
  const normalised = normaliseAddress(address);
  const found = normalised
    ? await inWorkspace(ctx, (trx, ws) => deleteSuppression(trx, ws, normalised))
    : false;
  if (!found) throw new AppError('not_found', `${address} is not suppressed.`);
}
