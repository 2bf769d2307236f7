import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// The record engine: metadata for custom objects and fields, one typed table per standard object, one
// generic table for custom objects' records, the change log, and search documents.

const RECORD_TABLES = ['people', 'companies', 'leads', 'deals', 'activities', 'tasks', 'pipelines', 'stages'];
const OTHER_TENANT_TABLES = [
  'custom_objects',
  'custom_fields',
  'field_options',
  'records',
  'record_changes',
  'search_documents',
];

/** Columns every record table has, after workspace_id and id. */
const COMMON = sql.raw(`
  custom jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  deleted_at timestamptz`);

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  // Bumped by every metadata change, so app processes can cache a workspace's objects and notice changes.
  await sql`alter table workspaces add column metadata_version bigint not null default 0`.execute(db);

  await sql`
    create table custom_objects (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      key text not null,
      labels jsonb not null,
      title_field text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, key)
    )`.execute(db);

  // Custom fields of any object (standard ones by key, custom ones by key too); `settings` holds the
  // type-specific parts (options, relation target, currency, max length).
  await sql`
    create table custom_fields (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      object_key text not null,
      key text not null,
      type text not null,
      labels jsonb not null,
      required boolean not null default false,
      is_unique boolean not null default false,
      default_value jsonb,
      settings jsonb not null default '{}',
      searchable boolean not null default true,
      position integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, object_key, key)
    )`.execute(db);

  // Admin-added options for standard select fields (e.g. more person flags).
  await sql`
    create table field_options (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      object_key text not null,
      field_key text not null,
      options jsonb not null,
      primary key (workspace_id, object_key, field_key)
    )`.execute(db);

  await sql`
    create table pipelines (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      currency text,
      is_default boolean not null default false,
      ${COMMON},
      primary key (workspace_id, id)
    )`.execute(db);

  await sql`
    create table stages (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      pipeline_id uuid not null,
      name text not null,
      position integer not null default 0,
      probability numeric,
      kind text not null default 'open',
      ${COMMON},
      primary key (workspace_id, id),
      foreign key (workspace_id, pipeline_id) references pipelines (workspace_id, id) on delete cascade
    )`.execute(db);

  await sql`
    create table companies (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      domains text[] not null default '{}',
      industry text,
      employees numeric,
      annual_revenue jsonb,
      phones jsonb not null default '[]',
      phone_numbers text[] not null default '{}',
      address jsonb,
      owner_id uuid,
      tags text[] not null default '{}',
      ${COMMON},
      primary key (workspace_id, id)
    )`.execute(db);

  await sql`
    create table people (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      first_name text,
      last_name text,
      emails jsonb not null default '[]',
      email_addresses text[] not null default '{}',
      phones jsonb not null default '[]',
      phone_numbers text[] not null default '{}',
      job_title text,
      company_id uuid,
      address jsonb,
      location jsonb,
      lifecycle_stage text,
      owner_id uuid,
      tags text[] not null default '{}',
      preferred_language text,
      preferred_channel text,
      flags text[] not null default '{}',
      source text,
      ${COMMON},
      primary key (workspace_id, id)
    )`.execute(db);

  await sql`
    create table leads (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      company_name text,
      email text,
      phone jsonb,
      phone_numbers text[] not null default '{}',
      source text,
      status text not null default 'new',
      score numeric,
      owner_id uuid,
      ${COMMON},
      primary key (workspace_id, id)
    )`.execute(db);

  await sql`
    create table deals (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      amount jsonb,
      amount_value numeric generated always as ((amount ->> 'amount')::numeric) stored,
      pipeline_id uuid,
      stage_id uuid,
      probability numeric,
      expected_close_date date,
      status text not null default 'open',
      loss_reason text,
      company_id uuid,
      primary_person_id uuid,
      owner_id uuid,
      ${COMMON},
      primary key (workspace_id, id)
    )`.execute(db);

  await sql`
    create table activities (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      type text not null,
      subject text,
      body text,
      occurred_at timestamptz,
      duration_seconds numeric,
      direction text,
      outcome text,
      person_ids uuid[] not null default '{}',
      company_ids uuid[] not null default '{}',
      deal_ids uuid[] not null default '{}',
      lead_ids uuid[] not null default '{}',
      owner_id uuid,
      ${COMMON},
      primary key (workspace_id, id)
    )`.execute(db);

  await sql`
    create table tasks (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      title text not null,
      due_at timestamptz,
      status text not null default 'open',
      priority text,
      assignee_id uuid,
      linked_object text,
      linked_record_id text,
      owner_id uuid,
      ${COMMON},
      primary key (workspace_id, id)
    )`.execute(db);

  // Custom objects' records: every field in `custom`.
  await sql`
    create table records (
      workspace_id uuid not null,
      object_id uuid not null,
      id uuid not null,
      owner_id uuid,
      ${COMMON},
      primary key (workspace_id, object_id, id),
      foreign key (workspace_id, object_id) references custom_objects (workspace_id, id) on delete cascade
    )`.execute(db);

  // The audit trail: every create, change and delete, with who, when and through what.
  await sql`
    create table record_changes (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      object_key text not null,
      record_id uuid not null,
      action text not null,
      changes jsonb not null default '{}',
      actor_user_id uuid,
      actor_api_key_id uuid,
      source text not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index record_changes_record_idx on record_changes (workspace_id, object_key, record_id, id desc)`.execute(
    db,
  );

  // One search document per record: normalised text, its compact (spaceless) form, and a title/subtitle.
  await sql`
    create table search_documents (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      object_key text not null,
      record_id uuid not null,
      title text not null,
      subtitle text,
      content text not null,
      compact text not null,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, object_key, record_id)
    )`.execute(db);
  await sql`create index search_documents_content_trgm on search_documents using gin (content gin_trgm_ops)`.execute(
    db,
  );
  await sql`create index search_documents_compact_trgm on search_documents using gin (compact gin_trgm_ops)`.execute(
    db,
  );

  for (const table of RECORD_TABLES) {
    await sql`create index ${sql.id(`${table}_live_idx`)} on ${sql.table(table)} (workspace_id, id) where deleted_at is null`.execute(
      db,
    );
    await sql`create index ${sql.id(`${table}_updated_idx`)} on ${sql.table(table)} (workspace_id, updated_at, id)`.execute(
      db,
    );
  }
  await sql`create index records_live_idx on records (workspace_id, object_id, id) where deleted_at is null`.execute(
    db,
  );
  await sql`create index people_phone_numbers_idx on people using gin (phone_numbers)`.execute(db);
  await sql`create index people_email_addresses_idx on people using gin (email_addresses)`.execute(db);
  await sql`create index people_company_idx on people (workspace_id, company_id)`.execute(db);
  await sql`create index people_name_idx on people (workspace_id, last_name, first_name, id)`.execute(db);
  await sql`create index companies_phone_numbers_idx on companies using gin (phone_numbers)`.execute(db);
  await sql`create index companies_name_idx on companies (workspace_id, name, id)`.execute(db);
  await sql`create index leads_phone_numbers_idx on leads using gin (phone_numbers)`.execute(db);
  await sql`create index deals_stage_idx on deals (workspace_id, pipeline_id, stage_id)`.execute(db);
  await sql`create index deals_company_idx on deals (workspace_id, company_id)`.execute(db);
  await sql`create index deals_person_idx on deals (workspace_id, primary_person_id)`.execute(db);
  await sql`create index activities_people_idx on activities using gin (person_ids)`.execute(db);
  await sql`create index activities_companies_idx on activities using gin (company_ids)`.execute(db);
  await sql`create index activities_deals_idx on activities using gin (deal_ids)`.execute(db);
  await sql`create index tasks_linked_idx on tasks (workspace_id, linked_object, linked_record_id)`.execute(
    db,
  );

  for (const table of [...RECORD_TABLES, ...OTHER_TENANT_TABLES]) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
}
