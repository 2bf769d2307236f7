import type { Tx } from '@rabita/db';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { readTitles } from '../records/gate.ts';
import { openScope } from '../records/scope.ts';
import { listMembers } from '../workspaces/members.service.ts';
import { listTeams, type TeamView } from '../workspaces/teams.service.ts';
import { refuse } from './currency.ts';
import { NO_OWNER } from './deal-history.repository.ts';
import { stageStatsIn } from './deal-history.service.ts';
import { type FiscalPeriod, type PeriodKind, periodOf, shiftPeriod } from './fiscal-periods.ts';
import {
  type DealCategory,
  type PeriodDealRow,
  selectLatestAdjustments,
  selectPeriodDeals,
  selectQuotas,
  selectSubmissionPerUser,
  selectVelocity,
} from './forecast.repository.ts';
import {
  type AdjustmentView,
  adjustmentView,
  type ForecastSettings,
  forecastReader,
  periodFor,
  settingsIn,
} from './forecast.service.ts';
import {
  forecastAccuracy,
  type Range,
  salesVelocity,
  seedOf,
  shrunkWinRate,
  simulateRanges,
} from './forecast-stats.ts';

// The forecast's numbers, read from deals through the record engine's scope (the reader's read rule and "own records
// only"), converted into the workspace's currency at each deal's close-date rate.

export interface MissingRate {
  currency: string;
  /** The earliest close date lacking a rate: a rate on or before it covers every such deal of the currency. */
  date: string;
}

export interface ForecastRow {
  kind: 'user' | 'team' | 'total';
  id: string;
  name: string;
  parentTeamId: string | null;
  closedWon: number;
  commit: number;
  bestCase: number;
  pipeline: number;
  weightedPipeline: number;
  range: Range;
  quota: number | null;
  attainment: number | null;
  /** The manager's latest adjustment (of either category) still standing. */
  adjustment: AdjustmentView | null;
  /** The latest standing adjustment of each category. */
  adjustments: { commit: AdjustmentView | null; bestCase: AdjustmentView | null };
  submission: { commit: number; bestCase: number; note: string; at: string } | null;
  deals: number;
}

export interface ForecastView {
  period: FiscalPeriod;
  currency: string;
  probability: 'stage' | 'history';
  rows: ForecastRow[];
  missingRates: MissingRate[];
}

type ScoredDeal = PeriodDealRow & { probability: number };

const round2 = (n: number) => Math.round(n * 100) / 100;
const clamp01 = (n: number) => Math.min(1, Math.max(0, n));

/**
 * Each open deal's probability of being won: its stage's probability (0–100 in the stage), or with `history` the
 * stage's empirical win rate P(won | reached the stage) for the deal's owner, shrunk toward the pipeline's rate over
 * every owner (falling back to the stage's probability before any deal of the stage closed).
 */
async function scoreDeals(
  trx: Tx,
  workspaceId: string,
  settings: ForecastSettings,
  deals: readonly PeriodDealRow[],
): Promise<ScoredDeal[]> {
  const stageProbability = (d: PeriodDealRow) => clamp01((d.stage_probability ?? 0) / 100);
  if (settings.probability === 'stage')
    return deals.map((d) => ({ ...d, probability: d.status === 'won' ? 1 : stageProbability(d) }));
  const pipelines = [
    ...new Set(deals.filter((d) => d.status === 'open' && d.pipeline_id).map((d) => d.pipeline_id!)),
  ];
  const stats = new Map<string, Awaited<ReturnType<typeof stageStatsIn>>>();
  for (const id of pipelines)
    stats.set(id, await stageStatsIn(trx, workspaceId, id, { withOwners: true, withSlippage: false }));
  return deals.map((d) => {
    if (d.status === 'won') return { ...d, probability: 1 };
    const s = d.pipeline_id ? stats.get(d.pipeline_id) : undefined;
    const team = s?.stages.find((x) => x.stageId === d.stage_id);
    const rep = s?.owners
      ?.find((o) => o.ownerId === (d.owner_id ?? NO_OWNER))
      ?.stages.find((x) => x.stageId === d.stage_id);
    const rate = team ? shrunkWinRate({ won: rep?.won ?? 0, lost: rep?.lost ?? 0 }, team.winRate) : null;
    return { ...d, probability: rate === null ? stageProbability(d) : clamp01(rate) };
  });
}

interface Numbers {
  closedWon: number;
  commit: number;
  bestCase: number;
  pipeline: number;
  weightedPipeline: number;
  range: Range;
  deals: number;
}

/** A set of a period's deals added up by category; its open deals' ids, for the range simulated afterwards. */
function numbersOf(deals: readonly ScoredDeal[]): Omit<Numbers, 'range'> & { base: number; open: string[] } {
  let closedWon = 0;
  let commit = 0;
  let bestCase = 0;
  let pipeline = 0;
  let weighted = 0;
  let count = 0;
  const open: string[] = [];
  for (const d of deals) {
    if (d.status === 'open' && d.category === 'omitted') continue;
    count++;
    const amount = d.amount_base ?? 0;
    if (d.status === 'won') {
      closedWon += amount;
      continue;
    }
    if (d.category === 'commit') commit += amount;
    if (d.category === 'commit' || d.category === 'best_case') bestCase += amount;
    pipeline += amount;
    weighted += amount * d.probability;
    open.push(d.id);
  }
  return {
    closedWon: round2(closedWon),
    commit: round2(closedWon + commit),
    bestCase: round2(closedWon + bestCase),
    pipeline: round2(pipeline),
    weightedPipeline: round2(weighted),
    deals: count,
    base: closedWon,
    open,
  };
}

/**
 * Every row's range from one simulation of the period's open deals (in one order, by id, whatever the rows' own),
 * seeded by the period: a deal is won or lost alike in its rep's, team's and the total's sums, and rows holding the
 * same deals show the same range.
 */
function rangesOf(
  deals: readonly ScoredDeal[],
  rows: readonly { base: number; open: readonly string[] }[],
  seed: string,
): Range[] {
  const open = [...new Map(deals.map((d) => [d.id, d])).values()]
    .filter((d) => d.status === 'open' && d.category !== 'omitted')
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const index = new Map(open.map((d, i) => [d.id, i]));
  const ranges = simulateRanges(
    open.map((d) => ({ amount: d.amount_base ?? 0, probability: d.probability })),
    rows.map((r) => ({ base: r.base, deals: r.open.flatMap((id) => index.get(id) ?? []) })),
    { seed: seedOf(seed) },
  );
  return ranges.map((r) => ({ p10: round2(r.p10), p50: round2(r.p50), p90: round2(r.p90) }));
}

function missingRatesOf(deals: readonly PeriodDealRow[]): MissingRate[] {
  const earliest = new Map<string, string>();
  for (const d of deals) {
    if (!d.rate_missing || !d.currency) continue;
    const seen = earliest.get(d.currency);
    if (!seen || d.close_date < seen) earliest.set(d.currency, d.close_date);
  }
  return [...earliest]
    .map(([currency, date]) => ({ currency, date }))
    .sort((a, b) => a.currency.localeCompare(b.currency));
}

/** Refuses (404) a team that is not the workspace's. */
function teamOf(teams: readonly TeamView[], id: string | undefined): TeamView | undefined {
  if (id === undefined) return undefined;
  const team = teams.find((t) => t.id === id);
  if (!team) throw new AppError('not_found', `There is no team ${id}.`);
  return team;
}

/**
 * The forecast of a period: a row per person (the team's members, or everyone with deals or a quota in the period),
 * a row per team rolled up from its members (one level: teams do not nest), and a total; closed won, commit (with
 * closed), best case (with commit), open pipeline, weighted pipeline and the simulated P10/P50/P90 range, quota and
 * attainment, the manager's standing adjustment and the person's latest submission. A reader limited to their own
 * deals gets their own row and a total of it. A deal whose currency has no rate on its close date is left out of
 * the sums and named in `missingRates`.
 */
export async function forecastNumbers(
  ctx: ServiceContext,
  input: { period: string; team?: string | undefined },
): Promise<ForecastView> {
  const limit = forecastReader(ctx.principal);
  const [members, teams] = await Promise.all([listMembers(ctx), listTeams(ctx)]);
  const team = teamOf(teams, input.team);
  const nameOf = new Map(members.map((m) => [m.userId, m.name]));
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const settings = await settingsIn(trx, workspaceId);
    const period = periodFor(settings, input.period);
    const owners = limit !== undefined ? (limit === null ? [] : [limit]) : team?.members;
    const s = await openScope(trx, workspaceId, 'deals');
    const rows = await selectPeriodDeals(s, ctx.principal, {
      start: period.start,
      end: period.end,
      owners,
      category: 'all',
    });
    const deals = await scoreDeals(trx, workspaceId, settings, rows);
    const quotas = await selectQuotas(trx, workspaceId, period.key);
    const adjustments = await selectLatestAdjustments(trx, workspaceId, period.key);
    const submissions = await selectSubmissionPerUser(trx, workspaceId, [period.key], 'latest');

    const quotaOf = (kind: 'user' | 'team', id: string) =>
      quotas.find((q) => q.subject_kind === kind && q.subject_id === id)?.amount ?? null;
    const adjustmentsOf = (kind: 'user' | 'team', id: string) => {
      const standing = (category: 'commit' | 'bestCase') => {
        const row = adjustments.find(
          (a) => a.subject_kind === kind && a.subject_id === id && a.category === category,
        );
        return row && row.amount !== null ? row : undefined;
      };
      const commit = standing('commit');
      const bestCase = standing('bestCase');
      const latest = [commit, bestCase]
        .filter((a) => a !== undefined)
        .sort((a, b) => Number(BigInt(b.seq) - BigInt(a.seq)))[0];
      return {
        adjustment: latest ? adjustmentView(latest) : null,
        adjustments: {
          commit: commit ? adjustmentView(commit) : null,
          bestCase: bestCase ? adjustmentView(bestCase) : null,
        },
      };
    };
    const byOwner = new Map<string, ScoredDeal[]>();
    for (const d of deals) {
      if (!d.owner_id) continue;
      const list = byOwner.get(d.owner_id);
      if (list) list.push(d);
      else byOwner.set(d.owner_id, [d]);
    }

    // Who gets a row.
    let users: string[];
    if (limit !== undefined) users = limit === null ? [] : [limit];
    else if (team) users = [...team.members];
    else
      users = [
        ...new Set([
          ...byOwner.keys(),
          ...quotas.filter((q) => q.subject_kind === 'user').map((q) => q.subject_id),
        ]),
      ];
    users.sort((a, b) => (nameOf.get(a) ?? '').localeCompare(nameOf.get(b) ?? '') || a.localeCompare(b));
    const shownTeams =
      limit !== undefined
        ? []
        : team
          ? [team]
          : teams.filter((t) => t.members.some((m) => users.includes(m)) || quotaOf('team', t.id) !== null);

    const out: ForecastRow[] = [];
    const simulated: { base: number; open: string[] }[] = [];
    const row = (
      kind: ForecastRow['kind'],
      id: string,
      name: string,
      parentTeamId: string | null,
      set: readonly ScoredDeal[],
      quota: number | null,
      subject?: 'user' | 'team',
    ): ForecastRow => {
      const { base, open, ...numbers } = numbersOf(set);
      simulated.push({ base, open });
      const adj = subject
        ? adjustmentsOf(subject, id)
        : { adjustment: null, adjustments: { commit: null, bestCase: null } };
      const submitted = kind === 'user' ? submissions.find((x) => x.user_id === id) : undefined;
      return {
        kind,
        id,
        name,
        parentTeamId,
        ...numbers,
        // Filled below, from one simulation for every row.
        range: { p10: base, p50: base, p90: base },
        quota,
        attainment: quota !== null && quota > 0 ? numbers.closedWon / quota : null,
        ...adj,
        submission: submitted
          ? {
              commit: submitted.commit,
              bestCase: submitted.best_case,
              note: submitted.note,
              at: submitted.at.toISOString(),
            }
          : null,
      };
    };
    const sumQuotas = (ids: readonly string[]) => {
      const known = ids.map((u) => quotaOf('user', u)).filter((q): q is number => q !== null);
      return known.length > 0 ? known.reduce((n, q) => n + q, 0) : null;
    };
    for (const t of shownTeams) {
      const set = t.members.flatMap((m) => byOwner.get(m) ?? []);
      out.push(row('team', t.id, t.name, null, set, quotaOf('team', t.id) ?? sumQuotas(t.members), 'team'));
    }
    for (const u of users) {
      const parent = shownTeams.find((t) => t.members.includes(u))?.id ?? null;
      out.push(row('user', u, nameOf.get(u) ?? '', parent, byOwner.get(u) ?? [], quotaOf('user', u), 'user'));
    }
    // A reader limited to their own deals totals only themselves, whatever team they asked for.
    const whole = limit === undefined ? team : undefined;
    const totalQuota = whole ? (quotaOf('team', whole.id) ?? sumQuotas(whole.members)) : sumQuotas(users);
    out.push(row('total', 'total', whole?.name ?? '', null, deals, totalQuota));
    rangesOf(deals, simulated, period.key).forEach((range, i) => {
      out[i]!.range = range;
    });
    return {
      period,
      currency: settings.currency,
      probability: settings.probability,
      rows: out,
      missingRates: missingRatesOf(rows),
    };
  });
}

export interface ForecastDealView {
  id: string;
  title: string | null;
  amount: number | null;
  currency: string | null;
  /** In the workspace's currency; null when its currency has no rate on its close date. */
  amountBase: number | null;
  closeDate: string;
  /** The stage's name as the reader sees it. */
  stage: string | null;
  stageId: string | null;
  forecastCategory: string;
  status: 'open' | 'won';
  probability: number;
  ownerId: string | null;
}

const CURSOR = /^(\d{4}-\d{2}-\d{2}),([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * The deals behind a forecast number, a page at a time (keyset on close date and id): a period's deals of one
 * owner or one team's members in a category (`closed` won; `commit` with closed; `bestCase` with commit and closed;
 * `pipeline` the open ones not omitted), as the reader may see them. Titles and stage names come through the gate.
 */
export async function forecastDeals(
  ctx: ServiceContext,
  input: {
    period: string;
    owner?: string | undefined;
    team?: string | undefined;
    category: Exclude<DealCategory, 'all'>;
    after?: string | undefined;
    limit?: number | undefined;
  },
): Promise<{ data: ForecastDealView[]; next: string | null }> {
  forecastReader(ctx.principal);
  if (input.owner !== undefined && input.team !== undefined)
    refuse([{ field: 'team', message: 'Give an owner or a team, not both.' }]);
  let after: { date: string; id: string } | undefined;
  if (input.after !== undefined) {
    const m = CURSOR.exec(Buffer.from(input.after, 'base64url').toString('utf8'));
    if (!m) refuse([{ field: 'after', message: 'Give the `next` of the previous page.' }]);
    after = { date: m![1]!, id: m![2]! };
  }
  const teams = input.team !== undefined ? await listTeams(ctx) : [];
  const team = teamOf(teams, input.team);
  const pageSize = input.limit ?? 50;
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const settings = await settingsIn(trx, workspaceId);
    const period = periodFor(settings, input.period);
    const s = await openScope(trx, workspaceId, 'deals');
    const rows = await selectPeriodDeals(s, ctx.principal, {
      start: period.start,
      end: period.end,
      owners: team ? team.members : input.owner !== undefined ? [input.owner] : undefined,
      category: input.category,
      after,
      limit: pageSize + 1,
    });
    const page = rows.slice(0, pageSize);
    const scored = await scoreDeals(trx, workspaceId, settings, page);
    const titles = await readTitles(
      trx,
      ctx.principal,
      s.object,
      page.map((d) => d.id),
    );
    const stagesObject = s.objects.find((o) => o.key === 'stages');
    const stageNames = stagesObject
      ? await readTitles(
          trx,
          ctx.principal,
          stagesObject,
          page.flatMap((d) => (d.stage_id ? [d.stage_id] : [])),
        )
      : new Map<string, string | null>();
    const last = page.at(-1);
    return {
      data: scored.map((d) => ({
        id: d.id,
        title: titles.get(d.id) ?? null,
        amount: d.amount,
        currency: d.currency,
        amountBase: d.amount_base,
        closeDate: d.close_date,
        stage: d.stage_id ? (stageNames.get(d.stage_id) ?? null) : null,
        stageId: d.stage_id,
        forecastCategory: d.category,
        status: d.status,
        probability: d.probability,
        ownerId: d.owner_id,
      })),
      next:
        rows.length > pageSize && last
          ? Buffer.from(`${last.close_date},${last.id}`, 'utf8').toString('base64url')
          : null,
    };
  });
}

export interface AccuracyView {
  userId: string;
  name: string;
  periods: { key: string; forecast: number | null; actual: number }[];
  bias: number | null;
  error: number | null;
}

/**
 * How each person's forecasts of the last `count` finished periods compared with what they closed: the forecast
 * of a period is the commit of the person's first submission for it (none when they submitted nothing), the actual
 * their won deals closing in it (converted at each deal's rate; deals without one are left out).
 */
export async function forecastAccuracyReport(
  ctx: ServiceContext,
  input: { kind: PeriodKind; count?: number | undefined; team?: string | undefined },
  today = new Date(),
): Promise<{ data: AccuracyView[]; periods: FiscalPeriod[] }> {
  const limit = forecastReader(ctx.principal);
  const [members, teams] = await Promise.all([listMembers(ctx), listTeams(ctx)]);
  const team = teamOf(teams, input.team);
  const nameOf = new Map(members.map((m) => [m.userId, m.name]));
  const count = input.count ?? 4;
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const settings = await settingsIn(trx, workspaceId);
    const current = periodOf(settings, input.kind, today.toISOString().slice(0, 10));
    const periods: FiscalPeriod[] = [];
    for (let i = count; i >= 1 && current; i--) {
      const p = shiftPeriod(settings, current, -i);
      if (p) periods.push(p);
    }
    if (periods.length === 0) return { data: [], periods };
    const owners = limit !== undefined ? (limit === null ? [] : [limit]) : team?.members;
    const s = await openScope(trx, workspaceId, 'deals');
    const won = await selectPeriodDeals(s, ctx.principal, {
      start: periods[0]!.start,
      end: periods.at(-1)!.end,
      owners,
      category: 'closed',
    });
    const firsts = await selectSubmissionPerUser(
      trx,
      workspaceId,
      periods.map((p) => p.key),
      'first',
    );
    const users = new Set<string>(owners ?? []);
    if (!owners) {
      for (const d of won) if (d.owner_id) users.add(d.owner_id);
      for (const f of firsts) users.add(f.user_id);
    }
    const data = [...users]
      .map((userId) => {
        const rows = periods.map((p) => ({
          key: p.key,
          forecast: firsts.find((f) => f.user_id === userId && f.period === p.key)?.commit ?? null,
          actual: round2(
            won
              .filter((d) => d.owner_id === userId && d.close_date >= p.start && d.close_date < p.end)
              .reduce((n, d) => n + (d.amount_base ?? 0), 0),
          ),
        }));
        return { userId, name: nameOf.get(userId) ?? '', periods: rows, ...forecastAccuracy(rows) };
      })
      .sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
    return { data, periods };
  });
}

export interface VelocityView {
  pipelineId: string | null;
  ownerId: string | null;
  openDeals: number;
  winRate: number | null;
  averageWon: number | null;
  cycleDays: number | null;
  velocityPerDay: number | null;
  /** Won deals left out of `averageWon` for want of a rate. */
  unconverted: number;
}

/**
 * Sales velocity per pipeline (ownerId null: every owner) and per pipeline and owner: open deals now (not omitted)
 * × the win rate of the deals closing in the period × their average won amount ÷ the average days from a deal's
 * creation to its win.
 */
export async function forecastVelocity(
  ctx: ServiceContext,
  input: { period: string },
): Promise<{ data: VelocityView[]; currency: string; period: FiscalPeriod }> {
  forecastReader(ctx.principal);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const settings = await settingsIn(trx, workspaceId);
    const period = periodFor(settings, input.period);
    const s = await openScope(trx, workspaceId, 'deals');
    const rows = await selectVelocity(s, ctx.principal, period);
    const data = rows
      .filter((r) => r.all_owners || r.owner_id !== null)
      .map((r) => {
        const converted = r.won - r.won_unconverted;
        const winRate = r.won + r.lost > 0 ? r.won / (r.won + r.lost) : null;
        const averageWon = converted > 0 && r.won_amount !== null ? r.won_amount / converted : null;
        const cycleDays = r.cycle_days === null ? null : Math.max(r.cycle_days, 1);
        const velocity = salesVelocity({ openDeals: r.open_deals, winRate, averageWon, cycleDays });
        return {
          pipelineId: r.pipeline_id,
          ownerId: r.all_owners ? null : r.owner_id,
          openDeals: r.open_deals,
          winRate,
          averageWon: averageWon === null ? null : round2(averageWon),
          cycleDays: cycleDays === null ? null : Math.round(cycleDays * 10) / 10,
          velocityPerDay: velocity === null ? null : round2(velocity),
          unconverted: r.won_unconverted,
        };
      });
    return { data, currency: settings.currency, period };
  });
}
