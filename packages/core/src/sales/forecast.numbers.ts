import { createHash } from 'node:crypto';
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
  type CommitAtStartRow,
  type DealCategory,
  type PeriodDealRow,
  selectCommitAtStart,
  selectLatestAdjustments,
  selectPeriodDeals,
  selectQuotas,
  selectSubmissionPerUser,
  selectVelocity,
  selectWonTotals,
  type WonTotalRow,
} from './forecast.repository.ts';
import {
  type AdjustmentView,
  adjustmentView,
  type ForecastSettings,
  forecastReader,
  periodFor,
  settingsIn,
} from './forecast.service.ts';
import { type ForecastCache, readerKey } from './forecast-cache.ts';
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

/** Won deals added up: their amount in the workspace's currency and how many they are. */
interface WonSum {
  amount: number;
  deals: number;
}
const NOTHING_WON: WonSum = { amount: 0, deals: 0 };
const addWon = (sums: readonly WonSum[]): WonSum =>
  sums.reduce((a, b) => ({ amount: a.amount + b.amount, deals: a.deals + b.deals }), NOTHING_WON);

/** A set of a period's open deals and won sum added up by category; its open deals' ids, for the range. */
function numbersOf(
  open: readonly ScoredDeal[],
  won: WonSum,
): Omit<Numbers, 'range'> & { base: number; open: string[] } {
  let commit = 0;
  let bestCase = 0;
  let pipeline = 0;
  let weighted = 0;
  const ids: string[] = [];
  for (const d of open) {
    const amount = d.amount_base ?? 0;
    if (d.category === 'commit') commit += amount;
    if (d.category === 'commit' || d.category === 'best_case') bestCase += amount;
    pipeline += amount;
    weighted += amount * d.probability;
    ids.push(d.id);
  }
  return {
    closedWon: round2(won.amount),
    commit: round2(won.amount + commit),
    bestCase: round2(won.amount + bestCase),
    pipeline: round2(pipeline),
    weightedPipeline: round2(weighted),
    deals: won.deals + open.length,
    base: won.amount,
    open: ids,
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
  const open = [...new Map(deals.map((d) => [d.id, d])).values()].sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  const index = new Map(open.map((d, i) => [d.id, i]));
  const ranges = simulateRanges(
    open.map((d) => ({ amount: d.amount_base ?? 0, probability: d.probability })),
    rows.map((r) => ({ base: r.base, deals: r.open.flatMap((id) => index.get(id) ?? []) })),
    { seed: seedOf(seed) },
  );
  return ranges.map((r) => ({ p10: round2(r.p10), p50: round2(r.p50), p90: round2(r.p90) }));
}

/** The currencies lacking a rate among open deals and won sums, each with its earliest close date lacking one. */
function missingRatesOf(open: readonly PeriodDealRow[], won: readonly WonTotalRow[]): MissingRate[] {
  const earliest = new Map<string, string>();
  const note = (currency: string, date: string) => {
    const seen = earliest.get(currency);
    if (!seen || date < seen) earliest.set(currency, date);
  };
  for (const d of open) if (d.rate_missing && d.currency) note(d.currency, d.close_date);
  for (const w of won) if (w.missing_currency) note(w.missing_currency, w.first_close);
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
  cache?: ForecastCache<ForecastView>,
): Promise<ForecastView> {
  const limit = forecastReader(ctx.principal);
  const [members, teams] = await Promise.all([listMembers(ctx), listTeams(ctx)]);
  const team = teamOf(teams, input.team);
  const nameOf = new Map(members.map((m) => [m.userId, m.name]));
  const compute = () =>
    inWorkspace(ctx, async (trx, workspaceId) => {
      const settings = await settingsIn(trx, workspaceId);
      const period = periodFor(settings, input.period);
      const owners = limit !== undefined ? (limit === null ? [] : [limit]) : team?.members;
      const s = await openScope(trx, workspaceId, 'deals');
      const filter = { start: period.start, end: period.end, owners };
      // Won deals are only summed, so PostgreSQL sums them per owner; the open ones are read one by one (each is
      // weighted and simulated).
      const wonRows = await selectWonTotals(s, ctx.principal, {
        starts: [period.start],
        end: period.end,
        owners,
      });
      const rows = await selectPeriodDeals(s, ctx.principal, { ...filter, category: 'open' });
      const deals = await scoreDeals(trx, workspaceId, settings, rows);
      const wonOf = new Map<string | null, WonSum>();
      for (const w of wonRows) {
        const sum = wonOf.get(w.owner_id) ?? NOTHING_WON;
        wonOf.set(w.owner_id, { amount: sum.amount + w.amount_base, deals: sum.deals + w.deals });
      }
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
            ...[...wonOf.keys()].filter((o) => o !== null),
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
        won: WonSum,
        quota: number | null,
        subject?: 'user' | 'team',
      ): ForecastRow => {
        const { base, open, ...numbers } = numbersOf(set, won);
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
        const won = addWon(t.members.map((m) => wonOf.get(m) ?? NOTHING_WON));
        out.push(
          row('team', t.id, t.name, null, set, won, quotaOf('team', t.id) ?? sumQuotas(t.members), 'team'),
        );
      }
      for (const u of users) {
        const parent = shownTeams.find((t) => t.members.includes(u))?.id ?? null;
        const won = wonOf.get(u) ?? NOTHING_WON;
        out.push(
          row('user', u, nameOf.get(u) ?? '', parent, byOwner.get(u) ?? [], won, quotaOf('user', u), 'user'),
        );
      }
      // A reader limited to their own deals totals only themselves, whatever team they asked for.
      const whole = limit === undefined ? team : undefined;
      const totalQuota = whole ? (quotaOf('team', whole.id) ?? sumQuotas(whole.members)) : sumQuotas(users);
      out.push(
        row('total', 'total', whole?.name ?? '', null, deals, addWon([...wonOf.values()]), totalQuota),
      );
      rangesOf(deals, simulated, period.key).forEach((range, i) => {
        out[i]!.range = range;
      });
      return {
        period,
        currency: settings.currency,
        probability: settings.probability,
        rows: out,
        missingRates: missingRatesOf(rows, wonRows),
      };
    });
  if (!cache) return compute();
  // Names and teams are read live above and are part of the key, so a renamed rep or a moved member is never
  // answered from before; everything else the forecast reads announces its changes to the cache.
  const people = createHash('sha256')
    .update(
      JSON.stringify([members.map((m) => [m.userId, m.name]), teams.map((t) => [t.id, t.name, t.members])]),
    )
    .digest('base64url');
  const key = [input.period, input.team ?? '', readerKey(ctx.principal), people].join('|');
  return cache.get(ctx.principal.workspaceId, key, compute);
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
    category: Exclude<DealCategory, 'open'>;
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
  /**
   * Per period: `forecast` the commit (closed won and commit) as it stood when the period began, read from the
   * deal history (null when the history does not reach back that far); `submitted` the commit of the person's first
   * submission for it (null without one); `actual` what they won closing in it.
   */
  periods: { key: string; forecast: number | null; submitted: number | null; actual: number }[];
  /** Of the forecast at each period's start against what closed. */
  bias: number | null;
  error: number | null;
  /** Of the first submissions against what closed. */
  submittedBias: number | null;
  submittedError: number | null;
}

/**
 * How each person's forecasts of the last `count` finished periods compared with what they closed: the commit as
 * it stood when each period began (who owned each deal then), and the commit of their first submission, against
 * their won deals closing in it (converted at each deal's rate; deals without one are left out and named).
 */
export async function forecastAccuracyReport(
  ctx: ServiceContext,
  input: { kind: PeriodKind; count?: number | undefined; team?: string | undefined },
  today = new Date(),
): Promise<{ data: AccuracyView[]; periods: FiscalPeriod[]; missingRates: MissingRate[] }> {
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
    if (periods.length === 0) return { data: [], periods, missingRates: [] };
    const owners = limit !== undefined ? (limit === null ? [] : [limit]) : team?.members;
    const s = await openScope(trx, workspaceId, 'deals');
    const won = await selectWonTotals(s, ctx.principal, {
      starts: periods.map((p) => p.start),
      end: periods.at(-1)!.end,
      owners,
    });
    const atStart: (CommitAtStartRow[] | null)[] = [];
    for (const p of periods) atStart.push(await selectCommitAtStart(s, ctx.principal, p, owners));
    const firsts = await selectSubmissionPerUser(
      trx,
      workspaceId,
      periods.map((p) => p.key),
      'first',
    );
    const users = new Set<string>(owners ?? []);
    if (!owners) {
      for (const w of won) if (w.owner_id) users.add(w.owner_id);
      for (const f of firsts) users.add(f.user_id);
      for (const rows of atStart) for (const r of rows ?? []) if (r.owner_id) users.add(r.owner_id);
    }
    const missing = missingRatesOf(
      [],
      [
        ...won,
        ...atStart.flatMap((rows, i) =>
          (rows ?? []).map((r) => ({ ...r, bucket: i + 1, deals: 0, first_close: periods[i]!.start })),
        ),
      ],
    );
    const data = [...users]
      .map((userId) => {
        const rows = periods.map((p, i) => {
          const start = atStart[i];
          return {
            key: p.key,
            forecast: start
              ? round2(start.filter((r) => r.owner_id === userId).reduce((n, r) => n + r.amount_base, 0))
              : null,
            submitted: firsts.find((f) => f.user_id === userId && f.period === p.key)?.commit ?? null,
            actual: round2(
              won
                .filter((w) => w.owner_id === userId && w.bucket === i + 1)
                .reduce((n, w) => n + w.amount_base, 0),
            ),
          };
        });
        const submitted = forecastAccuracy(rows.map((r) => ({ forecast: r.submitted, actual: r.actual })));
        return {
          userId,
          name: nameOf.get(userId) ?? '',
          periods: rows,
          ...forecastAccuracy(rows),
          submittedBias: submitted.bias,
          submittedError: submitted.error,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
    return { data, periods, missingRates: missing };
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
