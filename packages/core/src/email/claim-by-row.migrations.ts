import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `email-0007-claim-by-row`: the sync worker's lease over mailboxes, claimed one mailbox at a time. The first form
 * locked the candidates of every workspace in one statement (`for update skip locked` in a CTE), which a Citus
 * cluster refuses across shards ("could not run distributed query with FOR UPDATE/SHARE commands"). Now the
 * candidates are read without a lock (in the same order, the holder's own first), and each is taken by an update of
 * its one row that checks again that its lease ran out or is the holder's: a worker that loses the race to another
 * waits for that row only and then finds it taken, so no mailbox is claimed twice. Each update names the workspace
 * and the mailbox, so on a cluster it runs on the one shard that holds the row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function rabita_email_claim(p_holder text, p_seconds integer, p_limit integer)
    returns table (workspace_id uuid, mailbox_id uuid, settings_version integer)
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
    #variable_conflict use_column
    declare
      c record;
      taken record;
    begin
      for c in
        select m.workspace_id as ws, m.id as mid from mailboxes m
        where m.status <> 'paused' and (m.sync_until is null or m.sync_until < now() or m.sync_holder = p_holder)
        order by (m.sync_holder is not distinct from p_holder) desc, m.sync_until nulls first
        limit least(p_limit, 1000)
      loop
        update mailboxes m set sync_holder = p_holder, sync_until = now() + make_interval(secs => p_seconds)
        where m.workspace_id = c.ws and m.id = c.mid and m.status <> 'paused'
          and (m.sync_until is null or m.sync_until < now() or m.sync_holder = p_holder)
        returning m.workspace_id, m.id, m.settings_version into taken;
        if found then
          workspace_id := taken.workspace_id;
          mailbox_id := taken.id;
          settings_version := taken.settings_version;
          return next;
        end if;
      end loop;
    end
    $$`.execute(db);
}
