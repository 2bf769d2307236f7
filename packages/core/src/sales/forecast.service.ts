import type { Tx } from '@rabita/db';
import { can, type Principal } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { unstorableText } from '../http/route-kit.ts';
import { assertAllowed, hiddenFor, ownerLimit, ruleFor } from '../records/access.ts';
import { memberIdsIn } from '../workspaces/members.service.ts';
import { listTeams, type TeamView } from '../workspaces/teams.service.ts';
import { refuse } from './currency.ts';
import {
  type FiscalCalendar,
  type FiscalPeriod,
  isDate,
  type PeriodKind,
  periodByKey,
  periodsAround,
} from './fiscal-periods.ts';
import {
  type AdjustmentRow,
  insertAdjustment,
  insertSubmission,
  type SubjectKind,
  type SubmissionRow,
  selectQuotas,
  selectSettings,
  selectSubmissions,
  upsertSettings,
  writeQuota,
} from './forecast.repository.ts';
import { forecastInputsChanged } from './forecast-cache.ts';
import { forecastRowsChanged } from './forecast-rows.service.ts';

// The forecast's settings, periods, quotas, managers' adjustments and people's submissions. The numbers themselves
// (read from deals through the record engine's scope) are in forecast.numbers.ts.

export const FORECAST_MANAGE = 'sales.forecast.manage';

export interface ForecastSettings {
  calendar: FiscalCalendar;
  startMonth: number;
  probability: 'stage' | 'history';
  /** The workspace's currency: every forecast number is in it. */
  currency: string;
}

/** The most money a quota, adjustment or submission may hold (far beyond any deal, well within exact doubles). */
export const MAX_AMOUNT = 1e14;
const NOTE_MAX = 2000;

/** The workspace's forecast settings; a workspace that set none counts Jalali years when it speaks Persian. */
export async function settingsIn(trx: Tx, workspaceId: string): Promise<ForecastSettings> {
  const workspace = await trx
    .selectFrom('workspaces')
    .select(['defaultLocale', 'defaultCurrency'])
    .where('id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  const row = await selectSettings(trx, workspaceId);
  return {
    calendar: row?.calendar ?? (workspace.defaultLocale === 'fa' ? 'persian' : 'gregorian'),
    startMonth: row?.start_month ?? 1,
    probability: row?.probability ?? 'stage',
    currency: workspace.defaultCurrency,
  };
}

/** The period a key names in the workspace's fiscal calendar, or a 400 naming the field. */
export function periodFor(settings: ForecastSettings, key: string, field = 'period'): FiscalPeriod {
  const period = typeof key === 'string' && key.length <= 16 ? periodByKey(settings, key) : undefined;
  if (!period)
    refuse([
      {
        field,
        message: `Give a fiscal period as YYYY, YYYY-Q1…Q4 or YYYY-M01…M12 in the workspace’s ${settings.calendar} calendar (1900–2200).`,
      },
    ]);
  return period!;
}

function assertManager(principal: Principal): void {
  if (!can(principal, FORECAST_MANAGE))
    throw new AppError('forbidden', `Your role may not manage the forecast (${FORECAST_MANAGE}).`);
}

/** The deal fields every forecast number is made of: a role hiding any of them may not see the forecast. */
const NEEDED_FIELDS = ['amount', 'expectedCloseDate', 'status', 'forecastCategory', 'owner', 'stage'];

/**
 * Refuses a reader whose role may not read deals or hides a field the forecast is made of; returns the owner the
 * reader is limited to (undefined: every owner; null: none, an API key under "own records only").
 */
export function forecastReader(principal: Principal): string | null | undefined {
  assertAllowed(principal, 'deals', 'read');
  const hidden = hiddenFor(principal);
  const missing = NEEDED_FIELDS.filter((f) => hidden('deals', f));
  if (missing.length > 0)
    throw new AppError(
      'forbidden',
      `Your role hides deals’ ${missing.join(', ')}, which the forecast is made of, so it may not see it.`,
    );
  return ownerLimit(principal, ruleFor(principal, 'deals'));
}

/** The workspace's forecast settings (any member may read them). */
export async function getForecastSettings(ctx: ServiceContext): Promise<ForecastSettings> {
  return inWorkspace(ctx, (trx, workspaceId) => settingsIn(trx, workspaceId));
}

/** Sets the fiscal calendar, the month its year starts and where probabilities come from (managers). */
export async function setForecastSettings(
  ctx: ServiceContext,
  input: { calendar: FiscalCalendar; startMonth: number; probability: 'stage' | 'history' },
): Promise<ForecastSettings> {
  assertManager(ctx.principal);
  const problems: FieldProblem[] = [];
  if (!['gregorian', 'persian', 'islamic-umalqura'].includes(input.calendar))
    problems.push({ field: 'calendar', message: 'Choose gregorian, persian or islamic-umalqura.' });
  if (!Number.isInteger(input.startMonth) || input.startMonth < 1 || input.startMonth > 12)
    problems.push({ field: 'startMonth', message: 'A month from 1 to 12.' });
  if (input.probability !== 'stage' && input.probability !== 'history')
    problems.push({ field: 'probability', message: 'Choose stage or history.' });
  refuse(problems);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    await forecastInputsChanged(trx, workspaceId);
    await forecastRowsChanged(trx, workspaceId);
    await upsertSettings(
      trx,
      workspaceId,
      { calendar: input.calendar, start_month: input.startMonth, probability: input.probability },
      ctx.principal.userId,
    );
    return settingsIn(trx, workspaceId);
  });
}

/** `count` fiscal periods of a kind around a day (today by default), and the one holding that day. */
export async function listPeriods(
  ctx: ServiceContext,
  input: { kind: PeriodKind; around?: string | undefined; count?: number | undefined },
  today = new Date(),
): Promise<{ data: FiscalPeriod[]; current: string }> {
  const around = input.around ?? today.toISOString().slice(0, 10);
  const count = input.count ?? 8;
  const problems: FieldProblem[] = [];
  if (!isDate(around) || around < '1900-01-01' || around > '2200-12-31')
    problems.push({ field: 'around', message: 'Give a date from 1900-01-01 to 2200-12-31 as YYYY-MM-DD.' });
  if (!Number.isInteger(count) || count < 1 || count > 60)
    problems.push({ field: 'count', message: 'From 1 to 60 periods.' });
  refuse(problems);
  const settings = await getForecastSettings(ctx);
  const { data, current } = periodsAround(settings, input.kind, around, count);
  if (!current) refuse([{ field: 'around', message: 'That day is outside the fiscal calendar’s years.' }]);
  return { data, current: current!.key };
}

/** An amount as exact decimal text with at most four places, or a problem naming the field. */
function amountText(value: unknown, field: string, problems: FieldProblem[]): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_AMOUNT) {
    problems.push({ field, message: `Give an amount from 0 to ${MAX_AMOUNT}.` });
    return undefined;
  }
  return String(Math.round(value * 10_000) / 10_000);
}

function noteText(value: unknown, problems: FieldProblem[]): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    problems.push({ field: 'note', message: 'A note is text.' });
    return '';
  }
  const problem =
    unstorableText(value) ?? (value.length > NOTE_MAX ? `At most ${NOTE_MAX} characters.` : undefined);
  if (problem) problems.push({ field: 'note', message: problem });
  return value.trim();
}

/** Refuses (404) a subject that is not a member or a team of the caller's workspace. */
async function assertSubject(
  trx: Tx,
  workspaceId: string,
  subject: { kind: SubjectKind; id: string },
  teams: TeamView[],
): Promise<void> {
  const known =
    subject.kind === 'team'
      ? teams.some((t) => t.id === subject.id)
      : (await memberIdsIn(trx, workspaceId)).includes(subject.id);
  if (!known)
    throw new AppError(
      'not_found',
      subject.kind === 'team' ? `There is no team ${subject.id}.` : `There is no member ${subject.id}.`,
    );
}

export interface QuotaView {
  subjectKind: SubjectKind;
  subjectId: string;
  amount: number;
}

/** A period's quotas; a reader limited to their own deals sees only their own quota. */
export async function listQuotas(ctx: ServiceContext, periodKey: string): Promise<{ data: QuotaView[] }> {
  const limit = ownerLimit(ctx.principal, ruleFor(ctx.principal, 'deals'));
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const period = periodFor(await settingsIn(trx, workspaceId), periodKey);
    const rows = await selectQuotas(trx, workspaceId, period.key);
    return {
      data: rows
        .filter((r) => limit === undefined || (r.subject_kind === 'user' && r.subject_id === limit))
        .map((r) => ({ subjectKind: r.subject_kind, subjectId: r.subject_id, amount: r.amount })),
    };
  });
}

/** Sets a person's or team's quota for a period (managers); an amount of null removes it. */
export async function setQuota(
  ctx: ServiceContext,
  input: { period: string; subjectKind: SubjectKind; subjectId: string; amount: number | null },
): Promise<QuotaView | null> {
  assertManager(ctx.principal);
  const problems: FieldProblem[] = [];
  const amount = input.amount === null ? null : amountText(input.amount, 'amount', problems);
  refuse(problems);
  const teams = await listTeams(ctx);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    await forecastInputsChanged(trx, workspaceId);
    await forecastRowsChanged(trx, workspaceId);
    const period = periodFor(await settingsIn(trx, workspaceId), input.period);
    await assertSubject(trx, workspaceId, { kind: input.subjectKind, id: input.subjectId }, teams);
    await writeQuota(
      trx,
      workspaceId,
      {
        period: period.key,
        subjectKind: input.subjectKind,
        subjectId: input.subjectId,
        amount: amount ?? null,
      },
      ctx.principal.userId,
    );
    return amount === undefined || amount === null
      ? null
      : { subjectKind: input.subjectKind, subjectId: input.subjectId, amount: Number(amount) };
  });
}

export interface AdjustmentView {
  category: 'commit' | 'bestCase';
  amount: number | null;
  note: string;
  by: string | null;
  at: string;
}

export function adjustmentView(row: AdjustmentRow): AdjustmentView {
  return {
    category: row.category,
    amount: row.amount,
    note: row.note,
    by: row.by_user_id,
    at: row.at.toISOString(),
  };
}

/**
 * A manager's adjustment of a person's or team's commit or best case for a period, kept with the ones before it
 * (the latest is shown); an amount of null removes the adjustment of that category.
 */
export async function adjustForecast(
  ctx: ServiceContext,
  input: {
    period: string;
    subjectKind: SubjectKind;
    subjectId: string;
    category: 'commit' | 'bestCase';
    amount: number | null;
    note?: string | null | undefined;
  },
): Promise<AdjustmentView & { subjectKind: SubjectKind; subjectId: string; period: string }> {
  assertManager(ctx.principal);
  const problems: FieldProblem[] = [];
  const amount = input.amount === null ? null : amountText(input.amount, 'amount', problems);
  const note = noteText(input.note, problems);
  if (input.category !== 'commit' && input.category !== 'bestCase')
    problems.push({ field: 'category', message: 'Choose commit or bestCase.' });
  refuse(problems);
  const teams = await listTeams(ctx);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    await forecastInputsChanged(trx, workspaceId);
    const period = periodFor(await settingsIn(trx, workspaceId), input.period);
    await assertSubject(trx, workspaceId, { kind: input.subjectKind, id: input.subjectId }, teams);
    const row = await insertAdjustment(
      trx,
      workspaceId,
      {
        period: period.key,
        subjectKind: input.subjectKind,
        subjectId: input.subjectId,
        category: input.category,
        amount: amount ?? null,
        note,
      },
      ctx.principal.userId,
    );
    return {
      ...adjustmentView(row),
      subjectKind: input.subjectKind,
      subjectId: input.subjectId,
      period: period.key,
    };
  });
}

export interface SubmissionView {
  id: string;
  period: string;
  userId: string;
  commit: number;
  bestCase: number;
  note: string;
  at: string;
}

export function submissionView(row: SubmissionRow): SubmissionView {
  return {
    id: row.seq,
    period: row.period,
    userId: row.user_id,
    commit: row.commit,
    bestCase: row.best_case,
    note: row.note,
    at: row.at.toISOString(),
  };
}

/** The signed-in person submits their own commit and best case for a period: kept with its time, never rewritten. */
export async function submitForecast(
  ctx: ServiceContext,
  input: { period: string; commit: number; bestCase: number; note?: string | null | undefined },
): Promise<SubmissionView> {
  assertAllowed(ctx.principal, 'deals', 'read');
  const userId = ctx.principal.userId;
  if (!userId) throw new AppError('forbidden', 'Only a signed-in person submits their own forecast.');
  const problems: FieldProblem[] = [];
  const commit = amountText(input.commit, 'commit', problems);
  const bestCase = amountText(input.bestCase, 'bestCase', problems);
  const note = noteText(input.note, problems);
  if (commit !== undefined && bestCase !== undefined && Number(bestCase) < Number(commit))
    problems.push({ field: 'bestCase', message: 'Best case includes commit, so it is at least as much.' });
  refuse(problems);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    await forecastInputsChanged(trx, workspaceId);
    const period = periodFor(await settingsIn(trx, workspaceId), input.period);
    return submissionView(
      await insertSubmission(trx, workspaceId, {
        period: period.key,
        userId,
        commit: commit!,
        bestCase: bestCase!,
        note,
      }),
    );
  });
}

/**
 * Submissions newest first, of a period and/or a person; a reader limited to their own deals sees only their own
 * (another person's are simply not listed).
 */
export async function listSubmissions(
  ctx: ServiceContext,
  input: { period?: string | undefined; userId?: string | undefined; limit?: number | undefined },
): Promise<{ data: SubmissionView[] }> {
  assertAllowed(ctx.principal, 'deals', 'read');
  const limit = ownerLimit(ctx.principal, ruleFor(ctx.principal, 'deals'));
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const settings = await settingsIn(trx, workspaceId);
    const period = input.period === undefined ? undefined : periodFor(settings, input.period).key;
    let users: string[] | undefined = input.userId === undefined ? undefined : [input.userId];
    if (limit !== undefined) users = (users ?? [limit ?? '']).filter((u) => u === limit);
    if (users?.length === 0) return { data: [] };
    const rows = await selectSubmissions(trx, workspaceId, { period, users, limit: input.limit ?? 100 });
    return { data: rows.map(submissionView) };
  });
}
