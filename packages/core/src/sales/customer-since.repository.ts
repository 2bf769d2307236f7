import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

/**
 * Brings the customer-since day and the returning-customer and repeat-sale marks up to date on every deal of the
 * companies named, and of the companies of the deals named (the deals themselves too, when they lost their
 * company): from the close dates of the company's live won deals. Only rows whose values change are written.
 */
export async function keepCustomerSince(
  trx: Tx,
  workspaceId: string,
  dealIds: readonly string[],
  companyIds: readonly string[],
): Promise<void> {
  if (dealIds.length === 0 && companyIds.length === 0) return;
  await sql`
    with touched as (
      select d.company_id from deals as d
      where d.workspace_id = ${workspaceId} and d.id = any(${dealIds}::uuid[]) and d.company_id is not null
      union
      select c from unnest(${companyIds}::uuid[]) as c
    ), won as (
      select t.company_id, w.first_won, coalesce(w.last_won > w.first_won, false) as returning
      from touched as t
      cross join lateral (
        select min(x.expected_close_date) as first_won, max(x.expected_close_date) as last_won from deals as x
        where x.workspace_id = ${workspaceId} and x.company_id = t.company_id and x.status = 'won'
          and x.deleted_at is null
      ) as w
    ), kept as (
      select d.id, f.first_won, f.returning,
             coalesce(d.status = 'won' and d.expected_close_date > f.first_won, false) as repeat
      from deals as d join won as f on d.company_id = f.company_id
      where d.workspace_id = ${workspaceId}
    )
    update deals as d
    set customer_since = k.first_won, returning_customer = k.returning, repeat_sale = k.repeat
    from kept as k
    where d.workspace_id = ${workspaceId} and d.id = k.id
      and (d.customer_since is distinct from k.first_won or d.returning_customer <> k.returning
        or d.repeat_sale <> k.repeat)`.execute(trx);
  if (dealIds.length > 0)
    await sql`
      update deals set customer_since = null, returning_customer = false, repeat_sale = false
      where workspace_id = ${workspaceId} and id = any(${dealIds}::uuid[]) and company_id is null
        and (customer_since is not null or returning_customer or repeat_sale)`.execute(trx);
}
