import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { assertAllowed, hiddenFor } from '../records/access.ts';
import { objectScope } from '../records/expressions.ts';
import { ALIAS, openScope, ownerCondition } from '../records/scope.ts';
import { calendarDate, currencyCode, decimal, decimalText, refuse } from './currency.ts';
import { forecastInputsChanged } from './forecast-cache.ts';

export interface RateView {
  currency: string;
  date: string;
  rate: string;
}

const RATE = { int: 12, frac: 12, min: 'positive' } as const;
/** Rows one CSV import takes (a decade of daily rates for a dozen currencies). */
export const MAX_IMPORT_ROWS = 50_000;

function assertManager(ctx: ServiceContext): void {
  if (!can(ctx.principal, 'sales.rates.manage'))
    throw new AppError('forbidden', 'Your role may not manage exchange rates (sales.rates.manage).');
}

async function baseCurrency(ctx: ServiceContext): Promise<string> {
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const row = await trx
      .selectFrom('workspaces')
      .select('defaultCurrency')
      .where('id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    return row.defaultCurrency;
  });
}

/** The workspace's rates, newest first, optionally of one currency (any member may read them). */
export async function listRates(
  ctx: ServiceContext,
  options: { currency?: string | undefined; limit?: number | undefined } = {},
): Promise<{ currency: string; data: RateView[] }> {
  const base = await baseCurrency(ctx);
  const data = await inWorkspace(ctx, async (trx, workspaceId) => {
    const { rows } = await sql<{ currency: string; on_date: string; rate: string }>`
      select currency, to_char(on_date, 'YYYY-MM-DD') as on_date, rate::text as rate
      from exchange_rates
      where workspace_id = ${workspaceId} ${options.currency ? sql`and currency = ${options.currency}` : sql``}
      order by on_date desc, currency
      limit ${Math.min(options.limit ?? 500, 5000)}`.execute(trx.withoutPlugins());
    return rows.map((r) => ({ currency: r.currency, date: r.on_date, rate: decimalText(r.rate) }));
  });
  return { currency: base, data };
}

function checkRate(base: string, input: { currency: unknown; date: unknown; rate: unknown }, at = '') {
  const problems: FieldProblem[] = [];
  const currency = currencyCode(input.currency, `${at}currency`, problems);
  if (currency && currency === base)
    problems.push({
      field: `${at}currency`,
      message: `${base} is the workspace's currency; its rate is always 1.`,
    });
  const date = calendarDate(input.date, `${at}date`, problems);
  const rate = decimal(input.rate, `${at}rate`, problems, RATE);
  return { problems, row: currency && date && rate ? { currency, date, rate } : undefined };
}

/** Sets (or replaces) the rate of one currency on one day: 1 unit of it in the workspace's currency. */
export async function setRate(
  ctx: ServiceContext,
  input: { currency: unknown; date: unknown; rate: unknown },
): Promise<RateView> {
  assertManager(ctx);
  const base = await baseCurrency(ctx);
  const { problems, row } = checkRate(base, input);
  refuse(problems);
  await upsert(ctx, [row!]);
  return { ...row!, rate: decimalText(row!.rate) };
}

async function upsert(ctx: ServiceContext, rows: RateView[]): Promise<void> {
  await inWorkspace(ctx, async (trx, workspaceId) => {
    await forecastInputsChanged(trx, workspaceId);
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      await sql`
        insert into exchange_rates (workspace_id, currency, on_date, rate, updated_by)
        select ${workspaceId}, c, d::date, r::numeric, ${ctx.principal.userId}
        from unnest(${chunk.map((r) => r.currency)}::text[], ${chunk.map((r) => r.date)}::text[],
                    ${chunk.map((r) => r.rate)}::text[]) as x(c, d, r)
        on conflict (workspace_id, currency, on_date)
        do update set rate = excluded.rate, updated_by = excluded.updated_by, updated_at = excluded.updated_at`.execute(
        trx.withoutPlugins(),
      );
    }
  });
}

/** Removes one day's rate of a currency (404 when there is none). */
export async function deleteRate(ctx: ServiceContext, currency: string, date: string): Promise<void> {
  assertManager(ctx);
  const problems: FieldProblem[] = [];
  currencyCode(currency, 'currency', problems);
  calendarDate(date, 'date', problems);
  refuse(problems);
  const deleted = await inWorkspace(ctx, async (trx, workspaceId) => {
    await forecastInputsChanged(trx, workspaceId);
    const r = await sql`
      delete from exchange_rates where workspace_id = ${workspaceId} and currency = ${currency}
        and on_date = ${date}::date`.execute(trx.withoutPlugins());
    return Number(r.numAffectedRows ?? 0);
  });
  if (deleted === 0) throw new AppError('not_found', `There is no ${currency} rate on ${date}.`);
}

/**
 * Imports rates from CSV text with the header `date,currency,rate` (in any order, any case). All or nothing: any
 * bad row refuses the whole file with every bad row's line number.
 */
export async function importRatesCsv(ctx: ServiceContext, text: string): Promise<{ imported: number }> {
  assertManager(ctx);
  const base = await baseCurrency(ctx);
  if (text.includes('\u0000')) throw new AppError('validation_failed', 'The file holds a NUL character.');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      max_record_size: 10_000,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    throw new AppError('validation_failed', `The file is not CSV we can read: ${(e as Error).message}`);
  }
  const [header, ...body] = records;
  const names = (header?.record ?? []).map((h) => h.toLowerCase());
  const at = {
    date: names.indexOf('date'),
    currency: names.indexOf('currency'),
    rate: names.indexOf('rate'),
  };
  if (at.date < 0 || at.currency < 0 || at.rate < 0)
    throw new AppError('validation_failed', 'The first line must name the columns: date,currency,rate.');
  if (body.length === 0) throw new AppError('validation_failed', 'The file has no rates after its header.');
  if (body.length > MAX_IMPORT_ROWS)
    throw new AppError('validation_failed', `A file takes at most ${MAX_IMPORT_ROWS} rates.`);
  const problems: FieldProblem[] = [];
  const rows = new Map<string, RateView>();
  for (const { record, info } of body) {
    const checked = checkRate(
      base,
      { date: record[at.date], currency: record[at.currency]?.toUpperCase(), rate: record[at.rate] },
      `csv.${info.lines}.`,
    );
    problems.push(...checked.problems.map((p) => ({ ...p, message: `Line ${info.lines}: ${p.message}` })));
    if (checked.row) rows.set(`${checked.row.currency} ${checked.row.date}`, checked.row);
  }
  if (problems.length > 0)
    throw new AppError(
      'validation_failed',
      `${new Set(problems.map((p) => p.field.split('.')[1])).size} bad rows; nothing was imported. ${problems
        .slice(0, 20)
        .map((p) => p.message)
        .join(' ')}`,
      { errors: problems.slice(0, 200) },
    );
  await upsert(ctx, [...rows.values()]);
  return { imported: rows.size };
}

export type TotalsKey = 'stage' | 'owner' | 'pipeline';
const KEY_COLUMNS: Record<TotalsKey, string> = {
  stage: 'stage_id',
  owner: 'owner_id',
  pipeline: 'pipeline_id',
};

export interface CurrencyFigure {
  currency: string;
  deals: number;
  amount: string;
  /** In the workspace's currency at each deal's rate; null when some deal of this currency has no rate. */
  converted: string | null;
}
export interface MissingRate {
  currency: string;
  /** A rate on or before this day (the earliest deal's date lacking one) covers every deal of the group. */
  onOrBefore: string;
}
export interface MoneyTotal {
  key: string | null;
  deals: number;
  /** Every currency converted and added, or null when a rate is missing (then see `missingRates`). */
  total: string | null;
  byCurrency: CurrencyFigure[];
  missingRates: MissingRate[];
}

/**
 * Deals' amounts summed per group (stage, owner or pipeline) and converted into the workspace's currency, each deal
 * at the latest rate on or before its date (expected close date, else the day it was created). Never adds
 * currencies blindly: a group with a missing rate has no total, only its per-currency figures and the rates it
 * lacks. Exact: numeric in PostgreSQL, decimal strings out. Same permissions as the record engine's aggregates
 * (the role must read deals and see their amount; "own records only" counts only the caller's).
 */
export async function dealMoneyTotals(
  ctx: ServiceContext,
  options: { groupBy: TotalsKey; pipelineId?: string | undefined },
): Promise<{ currency: string; groups: MoneyTotal[] }> {
  const { principal } = ctx;
  assertAllowed(principal, 'deals', 'read');
  if (hiddenFor(principal)('deals', 'amount'))
    throw new AppError('forbidden', 'Your role may not see deals’ amounts.');
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const s = await openScope(trx, workspaceId, 'deals');
    const base = s.ctx.defaultCurrency;
    const key = sql.ref(`${ALIAS}.${KEY_COLUMNS[options.groupBy]}`);
    const { rows } = await sql<{
      k: string | null;
      currency: string;
      deals: string;
      amount: string;
      converted: string | null;
      missing_from: string | null;
    }>`
      with d as (
        select ${key}::text as k, ${sql.ref(`${ALIAS}.amount_currency`)} as currency,
               ${sql.ref(`${ALIAS}.amount_value`)} as amount,
               coalesce(${sql.ref(`${ALIAS}.expected_close_date`)}, (${sql.ref(`${ALIAS}.created_at`)} at time zone 'UTC')::date) as on_date
        from deals as ${sql.table(ALIAS)}
        where ${objectScope(s.object, ALIAS, workspaceId)} and ${ownerCondition(principal, s.object)}
          and ${sql.ref(`${ALIAS}.amount_value`)} is not null
          ${options.pipelineId ? sql`and ${sql.ref(`${ALIAS}.pipeline_id`)} = ${options.pipelineId}::uuid` : sql``}
      ), r as (
        select d.*, case when d.currency = ${base} then 1::numeric else (
          select e.rate from exchange_rates e
          where e.workspace_id = ${workspaceId} and e.currency = d.currency and e.on_date <= d.on_date
          order by e.on_date desc limit 1) end as rate
        from d
      )
      select k, currency, count(*)::text as deals, sum(amount)::text as amount,
             case when bool_and(rate is not null) then sum(amount * rate)::text end as converted,
             to_char(min(on_date) filter (where rate is null), 'YYYY-MM-DD') as missing_from
      from r group by k, currency order by k nulls last, currency`.execute(s.raw);
    const groups = new Map<string | null, MoneyTotal>();
    for (const row of rows) {
      const g = groups.get(row.k) ?? { key: row.k, deals: 0, total: null, byCurrency: [], missingRates: [] };
      groups.set(row.k, g);
      g.deals += Number(row.deals);
      g.byCurrency.push({
        currency: row.currency,
        deals: Number(row.deals),
        amount: decimalText(row.amount),
        converted: row.converted === null ? null : decimalText(row.converted),
      });
      if (row.missing_from) g.missingRates.push({ currency: row.currency, onOrBefore: row.missing_from });
    }
    for (const g of groups.values())
      g.total = g.missingRates.length > 0 ? null : addDecimals(g.byCurrency.map((c) => c.converted!));
    return { currency: base, groups: [...groups.values()] };
  });
}

/** Adds decimal strings exactly (scaled BigInts). */
export function addDecimals(values: readonly string[]): string {
  const scale = Math.max(0, ...values.map((v) => v.split('.')[1]?.length ?? 0));
  let sum = 0n;
  for (const v of values) {
    const negative = v.startsWith('-');
    const [whole = '0', frac = ''] = v.replace(/^-/, '').split('.');
    const n = BigInt(whole + frac.padEnd(scale, '0'));
    sum += negative ? -n : n;
  }
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return (negative ? '-' : '') + decimalText(text);
}
