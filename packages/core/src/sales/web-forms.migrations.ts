import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0005-web-forms`: lead capture web forms (fields of the lead object with labels in en/ar/fa, a thank-you
 * message or redirect, the origins allowed to embed them), every submission kept with its status (accepted or
 * quarantined) and the reasons it was held, a proof-of-work key per workspace (sealed at rest) and the
 * challenges already spent. A form is found by its public id before a workspace is known, through one small
 * `SECURITY DEFINER` function that answers only for the id the caller holds. Existing admins get
 * `sales.forms.manage`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table web_forms (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      public_id text not null check (public_id ~ '^[A-Za-z0-9_-]{22}$'),
      name text not null,
      locale text not null check (locale in ('en', 'ar', 'fa')),
      fields jsonb not null,
      thank_you jsonb not null default '{}'::jsonb,
      redirect_url text check (redirect_url ~ '^https?://'),
      allowed_origins text[] not null default '{}',
      min_fill_seconds integer not null default 3 check (min_fill_seconds between 0 and 3600),
      max_per_minute integer not null default 30 check (max_per_minute between 1 and 10000),
      enabled boolean not null default true,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create unique index web_forms_public_id on web_forms (public_id)`.execute(db);
  await sql`
    create table web_form_submissions (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      form_id uuid not null,
      status text not null check (status in ('accepted', 'quarantined')),
      reasons text[] not null default '{}',
      submitted jsonb not null,
      utm_source text,
      utm_medium text,
      utm_campaign text,
      referrer text,
      ip text,
      user_agent text,
      lead_id uuid,
      released_by uuid references users (id) on delete set null,
      released_at timestamptz,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, form_id) references web_forms (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create index web_form_submissions_status on web_form_submissions (workspace_id, status, id desc)`.execute(
    db,
  );
  await sql`
    create index web_form_submissions_lead on web_form_submissions (workspace_id, lead_id)
    where lead_id is not null`.execute(db);
  await sql`
    create table web_form_keys (
      workspace_id uuid primary key references workspaces (id) on delete cascade,
      sealed_key text not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table web_form_spent_challenges (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      signature text not null,
      expires_at timestamptz not null,
      primary key (workspace_id, signature)
    )`.execute(db);
  await sql`
    create index web_form_spent_challenges_expiry on web_form_spent_challenges (workspace_id, expires_at)`.execute(
    db,
  );
  for (const table of ['web_forms', 'web_form_submissions', 'web_form_keys', 'web_form_spent_challenges']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
  await sql`
    create function rabita_web_form_workspace(p_public_id text) returns uuid
    language sql stable security definer set search_path = public, pg_temp
    as $$ select workspace_id from web_forms where public_id = p_public_id $$`.execute(db);
  await sql`revoke all on function rabita_web_form_workspace(text) from public`.execute(db);
  await sql`grant execute on function rabita_web_form_workspace(text) to rabita_app`.execute(db);
  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions->'actions', '[]'::jsonb) || jsonb_build_array('sales.forms.manage'::text))
    where key = 'admin' and not coalesce(permissions->'actions', '[]'::jsonb) ? 'sales.forms.manage'`.execute(
    db,
  );
}
