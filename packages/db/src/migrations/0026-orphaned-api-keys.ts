import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Removing a member now revokes the API keys they created. Keys whose creator left before that are revoked here,
// once, so a removed person's keys stop working in existing workspaces too. Keys made by the command line (no
// creator) are left alone.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    update api_keys k set revoked_at = now()
    where k.revoked_at is null and k.created_by is not null
      and not exists (
        select 1 from memberships m where m.workspace_id = k.workspace_id and m.user_id = k.created_by
      )`.execute(db);
}
