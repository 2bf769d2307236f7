import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `reports-0004-schedules`: what exporting a report in the background needs — the exports themselves (a job's
 * status and, once done, the file, kept for a short time), the single-use print tokens the server's browser opens a
 * print view with, and schedules that mail a report on a recurrence in their owner's calendar and time zone.
 * Row-level security like every tenant table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table report_exports (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      report_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      format text not null check (format in ('pdf', 'xlsx', 'csv')),
      status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
      error text check (length(error) <= 1000),
      filename text,
      content_type text,
      file bytea,
      size integer,
      created_at timestamptz not null default now(),
      finished_at timestamptz,
      expires_at timestamptz not null,
      primary key (workspace_id, id),
      foreign key (workspace_id, report_id) references saved_reports (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index report_exports_user on report_exports (workspace_id, user_id, created_at)`.execute(
    db,
  );
  // A token names what it opens by kind and id ('report', later 'dashboard'), so another print view needs no new table.
  await sql`
    create table report_print_tokens (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      token_hash bytea not null,
      user_id uuid not null references users (id) on delete cascade,
      target text not null check (target ~ '^[a-z]{1,40}$'),
      target_id uuid not null,
      expires_at timestamptz not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, token_hash)
    )`.execute(db);
  await sql`
    create table report_schedules (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      report_id uuid not null,
      owner_id uuid not null references users (id) on delete cascade,
      mailbox_id uuid not null,
      format text not null check (format in ('pdf', 'xlsx', 'csv')),
      recurrence jsonb not null,
      member_ids uuid[] not null default '{}',
      addresses text[] not null default '{}',
      enabled boolean not null default true,
      next_run_at timestamptz,
      last_run_at timestamptz,
      last_error text check (length(last_error) <= 1000),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, report_id) references saved_reports (workspace_id, id) on delete cascade,
      check (cardinality(member_ids) + cardinality(addresses) between 1 and 50)
    )`.execute(db);
  await sql`create index report_schedules_report on report_schedules (workspace_id, report_id)`.execute(db);
  for (const table of ['report_exports', 'report_print_tokens', 'report_schedules']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
}
