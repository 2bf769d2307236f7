import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0018-priority-rank`: the inbox's "priority, then time left" order (`sort=-priority,slaDueAt,createdAt,id`)
 * from an index. Lists sort a select by its options' order; for `priority` that is a stored generated column,
 * `priority_rank`, the value's position among the field's built-in options (low 1, normal 2, high 3, urgent 4; an
 * option an admin added is null here, and such a workspace sorts by the computed position instead, unindexed). A
 * plain smallint compared with `=`/`<` is leakproof, so under row-level security it is an index condition for the
 * keyset parts of later pages, which an expression over the options (`array_position`) would not be. The two
 * indexes are those of `service-0016-bench-indexes` with the rank first, under the same conditions (written as the
 * list API compiles the views' status filters), so every view of the inbox reads its page in this order too.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table tickets add column priority_rank smallint generated always as (
      case priority when 'low' then 1 when 'normal' then 2 when 'high' then 3 when 'urgent' then 4 end
    ) stored`.execute(db);
  await sql`
    create index tickets_inbox_priority_open_idx
      on tickets (workspace_id, priority_rank desc, sla_due_at, created_at, id)
    where deleted_at is null
      and coalesce(not coalesce(status = any('{resolved,closed}'::text[]), false), false)`.execute(db);
  await sql`
    create index tickets_inbox_priority_pending_idx
      on tickets (workspace_id, priority_rank desc, sla_due_at, created_at, id)
    where deleted_at is null
      and coalesce(status = any('{pending_customer,pending_third_party,on_hold}'::text[]), false)`.execute(
    db,
  );
}
