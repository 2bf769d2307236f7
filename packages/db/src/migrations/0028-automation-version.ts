import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// A counter every process checks when a workspace transaction opens (it is read in the same round trip as the
// workspace's other settings): bumped, in the same transaction, whenever something changes what automation a
// write in the workspace must start (a workflow turned on or off, published or deleted). A process that learnt
// "this workspace has no automation" keeps that answer only while the counter is unchanged, so a workflow turned
// on through one instance is seen by the next write through any other.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table workspaces add column automation_version bigint not null default 0`.execute(db);
}
