import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `workspaces-0001-agents-read-members`: the built-in Agent role may list the workspace's members. An agent works a
 * shared queue: the inbox, the collision warning ("Sara also has this ticket open"), a ticket's assignee and the
 * assignment screens name colleagues, and without `members.read` each said "a team member". Viewers still may not.
 * Existing workspaces' Agent roles gain it here (new workspaces from the manifest); custom roles are left as made.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions -> 'actions', '[]'::jsonb) || '["members.read"]'::jsonb)
    where key = 'agent' and not coalesce(permissions -> 'actions', '[]'::jsonb) ? 'members.read'`.execute(db);
}
