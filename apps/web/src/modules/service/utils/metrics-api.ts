import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import type { Prefs } from '../../../lib/format.ts';
import { startOfDayIn } from '../../../lib/zoned.ts';

export type ResolutionMetrics = components['schemas']['ResolutionMetrics'];

/** What the metrics screen asks for: whole days in the user's time zone, and at most one of agent and team. */
export interface MetricsQuery {
  /** First and last day counted (`YYYY-MM-DD`, both included). */
  fromDay: string;
  toDay: string;
  queue: string | null;
  agent: string | null;
  team: string | null;
}

/** The desk's resolution metrics through the typed client. */
export const metricsApi = {
  resolution: (q: MetricsQuery, timeZone: string) =>
    call(
      client.GET('/api/v1/service/metrics/resolution', {
        params: {
          query: {
            ...periodOf(q.fromDay, q.toDay, timeZone),
            ...(q.queue ? { queue: q.queue } : {}),
            ...(q.agent ? { agent: q.agent } : {}),
            ...(q.team ? { team: q.team } : {}),
          },
        },
      }),
    ),
};

export const metricsKeys = {
  resolution: (q: MetricsQuery) => ['service', 'metrics', 'resolution', q] as const,
};

/** The instants a span of whole days covers in a time zone: from the first day's start to the day after the last. */
export function periodOf(fromDay: string, toDay: string, timeZone: string): { from: string; to: string } {
  return { from: startOfDayIn(fromDay, timeZone), to: startOfDayIn(toDay, timeZone, 1) };
}

/** Today's date (`YYYY-MM-DD`) as the clock in a time zone reads it, moved by `days`. */
export function dayIn(timeZone: string, days = 0, now = Date.now()): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone }).format(now);
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** A share (0–1) as a percentage in the user's language and digits; a dash when there is nothing to share. */
export function formatRate(rate: number | null, prefs: Prefs): string {
  if (rate === null) return '—';
  return new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`, {
    style: 'percent',
    maximumFractionDigits: 1,
  }).format(rate);
}
