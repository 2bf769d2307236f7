import { type RawBuilder, sql } from 'kysely';

/**
 * One unit of `currency` in the workspace's currency on a day, as SQL another module's query can hold: the latest
 * rate on or before the day (a look-up on the rates' primary key), 1 for the workspace's own currency, null when
 * there is none. The sales module owns the rates; this is its way of lending them without handing out its table
 * (the reports module converts money measures with it inside the report's one statement).
 */
export function rateOn(
  workspaceId: string,
  baseCurrency: string,
  currency: RawBuilder<unknown>,
  day: RawBuilder<unknown>,
): RawBuilder<unknown> {
  return sql`(case when ${currency} = ${baseCurrency} then 1::numeric else (
    select e.rate from exchange_rates as e
    where e.workspace_id = ${workspaceId} and e.currency = ${currency} and e.on_date <= ${day}
    order by e.on_date desc limit 1) end)`;
}
