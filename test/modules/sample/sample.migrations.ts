import { type Kysely, sql } from 'kysely';

// Frozen in time: the sample module's own tables. Sightings are records (a standard object of the module), the
// log is the module's own outbox its in-transaction subscriber writes.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table sample_sightings (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      note text,
      person_id uuid,
      owner_id uuid,
      custom jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      deleted_at timestamptz,
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`
    create table sample_log (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id bigint generated always as identity,
      record_id uuid not null,
      kind text not null,
      depth int,
      primary key (workspace_id, id)
    )`.execute(db);
  for (const table of ['sample_sightings', 'sample_log']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
}
