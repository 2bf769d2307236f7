import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0009-territories`: the `territory` strategy (each pool member's territory lives in the pool's jsonb, so
 * only the strategy's check changes), the round-robin turn of each group of equally specific members
 * (`territory_turns`), and re-assignment when untouched: a rule's hours and business calendar (the service desk's,
 * by id), and on each lead's assignment when it falls due, who had it before, and when its owner touched it. The
 * one-minute sweep lists due re-assignments across workspaces through `rabita_lead_reassign_due` (security
 * definer, ids only, like `rabita_sla_due`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table assignment_rules drop constraint assignment_rules_strategy_check`.execute(db);
  await sql`
    alter table assignment_rules
      add constraint assignment_rules_strategy_check
        check (strategy in ('roundRobin', 'weighted', 'leastLoad', 'fixed', 'territory')),
      add column territory_turns jsonb not null default '{}',
      add column reassign_after_hours integer check (reassign_after_hours between 1 and 720),
      add column calendar_id uuid`.execute(db);
  await sql`
    alter table lead_assignments
      add column reassign_due_at timestamptz,
      add column owners_before uuid[] not null default '{}',
      add column touched_at timestamptz`.execute(db);
  await sql`
    create index lead_assignments_reassign_due on lead_assignments (reassign_due_at)
    where reassign_due_at is not null`.execute(db);
  await sql`
    create function rabita_lead_reassign_due(p_before timestamptz, p_limit integer)
    returns table (workspace_id uuid, lead_id uuid)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select a.workspace_id, a.lead_id from lead_assignments a
      where a.reassign_due_at is not null and a.reassign_due_at <= p_before
      order by a.reassign_due_at
      limit least(p_limit, 1000)
    $$`.execute(db);
  await sql`revoke all on function rabita_lead_reassign_due(timestamptz, integer) from public`.execute(db);
  await sql`grant execute on function rabita_lead_reassign_due(timestamptz, integer) to rabita_app`.execute(
    db,
  );
}
