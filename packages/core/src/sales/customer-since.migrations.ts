import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0017-customer-since`: every deal of a company keeps the day that company became a customer (the close date
 * of its first won deal), whether the company bought again (a won deal closed after that day), and, on a won deal,
 * whether it was such a repeat sale — so the cohort matrix, retention and churn are reports over deals like any
 * other, grouped by the customer's first-won month in the reader's calendar. Filled from the deals already won.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table deals add column customer_since date,
      add column returning_customer boolean not null default false,
      add column repeat_sale boolean not null default false`.execute(db);
  await sql`
    update deals as d
    set customer_since = f.first_won,
        returning_customer = f.last_won > f.first_won,
        repeat_sale = (d.status = 'won' and d.expected_close_date > f.first_won)
    from (
      select workspace_id, company_id, min(expected_close_date) as first_won, max(expected_close_date) as last_won
      from deals
      where status = 'won' and deleted_at is null and company_id is not null
      group by workspace_id, company_id
    ) as f
    where d.workspace_id = f.workspace_id and d.company_id = f.company_id`.execute(db);
}
