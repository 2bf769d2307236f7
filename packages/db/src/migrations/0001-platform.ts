import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const TENANT_TABLES = ['roles', 'memberships', 'invitations', 'api_keys'];

export async function up(db: Kysely<unknown>): Promise<void> {
  // The role the application's queries run as: neither superuser nor owner of any table, so row-level
  // security applies to it. The migrating user is made a member so it can SET ROLE to it.
  await sql`
    do $$
    begin
      if not exists (select from pg_roles where rolname = 'rabita_app') then
        create role rabita_app nologin nosuperuser nobypassrls;
      end if;
      if not pg_has_role(current_user, 'rabita_app', 'member') then
        execute format('grant rabita_app to %I', current_user);
      end if;
    end
    $$`.execute(db);
  await sql`grant usage on schema public to rabita_app`.execute(db);

  await sql`
    create function rabita_current_workspace() returns uuid
    language sql stable parallel safe
    as $$ select nullif(current_setting('rabita.workspace_id', true), '')::uuid $$`.execute(db);

  await sql`
    create table users (
      id uuid primary key,
      email text not null,
      email_normalized text not null unique,
      password_hash text,
      name text not null,
      locale text not null default 'en',
      calendar text not null default 'gregory',
      time_zone text not null default 'UTC',
      digits text not null default 'latn',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table workspaces (
      id uuid primary key,
      name text not null,
      default_country text not null default 'US',
      default_currency text not null default 'USD',
      default_locale text not null default 'en',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table roles (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      key text not null,
      name text not null,
      permissions jsonb not null default '{}',
      is_system boolean not null default false,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, key)
    )`.execute(db);

  await sql`
    create table memberships (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      role_id uuid not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, user_id),
      foreign key (workspace_id, role_id) references roles (workspace_id, id)
    )`.execute(db);
  await sql`create index memberships_user_idx on memberships (user_id)`.execute(db);

  await sql`
    create table sessions (
      id uuid primary key,
      token_hash bytea not null unique,
      user_id uuid not null references users (id) on delete cascade,
      workspace_id uuid not null references workspaces (id) on delete cascade,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null,
      ip text,
      user_agent text
    )`.execute(db);
  await sql`create index sessions_user_idx on sessions (user_id)`.execute(db);
  await sql`create index sessions_expires_idx on sessions (expires_at)`.execute(db);

  await sql`
    create table invitations (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      email text not null,
      role_id uuid not null,
      token_hash bytea not null unique,
      invited_by uuid references users (id) on delete set null,
      expires_at timestamptz not null,
      accepted_at timestamptz,
      accepted_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, role_id) references roles (workspace_id, id)
    )`.execute(db);

  await sql`
    create table api_keys (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      role_id uuid not null,
      token_hash bytea not null unique,
      token_prefix text not null,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz,
      primary key (workspace_id, id),
      foreign key (workspace_id, role_id) references roles (workspace_id, id)
    )`.execute(db);

  // Counters for rate limits (sign-in per account and per address), shared by every app process.
  await sql`
    create table rate_limits (
      key varchar(255) primary key,
      points integer not null default 0,
      expire bigint
    )`.execute(db);

  // Tenant isolation: the second wall behind the services' own checks.
  await sql`alter table workspaces enable row level security`.execute(db);
  await sql`
    create policy workspace_isolation on workspaces
    using (id = rabita_current_workspace()) with check (id = rabita_current_workspace())`.execute(db);
  for (const table of TENANT_TABLES) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
  }

  await sql`grant select, insert, update, delete on users, workspaces, sessions, rate_limits to rabita_app`.execute(
    db,
  );
  for (const table of TENANT_TABLES) {
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }

  // The few lookups that must cross workspaces before one is known. Each returns only what the caller
  // proves it holds (a token hash or its own user id).
  await sql`
    create function rabita_workspace_exists() returns boolean
    language sql stable security definer set search_path = public, pg_temp
    as $$ select exists (select 1 from workspaces) $$`.execute(db);

  await sql`
    create function rabita_user_memberships(p_user_id uuid)
    returns table (workspace_id uuid, workspace_name text, role_key text, joined_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select m.workspace_id, w.name, r.key, m.created_at
      from memberships m
      join workspaces w on w.id = m.workspace_id
      join roles r on r.workspace_id = m.workspace_id and r.id = m.role_id
      where m.user_id = p_user_id
      order by m.created_at, m.workspace_id
    $$`.execute(db);

  await sql`
    create function rabita_invitation_workspace(p_token_hash bytea) returns uuid
    language sql stable security definer set search_path = public, pg_temp
    as $$ select workspace_id from invitations where token_hash = p_token_hash $$`.execute(db);

  // A request's caller in one round trip: the session (or API key) with its member's role.
  await sql`
    create function rabita_session_principal(p_token_hash bytea, p_idle_since timestamptz)
    returns table (session_id uuid, user_id uuid, workspace_id uuid, last_seen_at timestamptz,
                   role_id uuid, role_key text, role_name text, permissions jsonb)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select s.id, s.user_id, s.workspace_id, s.last_seen_at, r.id, r.key, r.name, r.permissions
      from sessions s
      join memberships m on m.workspace_id = s.workspace_id and m.user_id = s.user_id
      join roles r on r.workspace_id = m.workspace_id and r.id = m.role_id
      where s.token_hash = p_token_hash and s.expires_at > now() and s.last_seen_at > p_idle_since
    $$`.execute(db);

  await sql`
    create function rabita_api_key_principal(p_token_hash bytea)
    returns table (api_key_id uuid, workspace_id uuid, last_used_at timestamptz,
                   role_id uuid, role_key text, role_name text, permissions jsonb)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select k.id, k.workspace_id, k.last_used_at, r.id, r.key, r.name, r.permissions
      from api_keys k
      join roles r on r.workspace_id = k.workspace_id and r.id = k.role_id
      where k.token_hash = p_token_hash and k.revoked_at is null
    $$`.execute(db);

  for (const fn of [
    'rabita_session_principal(bytea, timestamptz)',
    'rabita_api_key_principal(bytea)',
    'rabita_workspace_exists()',
    'rabita_user_memberships(uuid)',
    'rabita_invitation_workspace(bytea)',
  ]) {
    await sql.raw(`revoke all on function ${fn} from public`).execute(db);
    await sql.raw(`grant execute on function ${fn} to rabita_app`).execute(db);
  }
  await sql`grant execute on function rabita_current_workspace() to rabita_app`.execute(db);
  // Readiness checks compare applied migrations with the code's list.
  await sql`grant select on rabita_migration to rabita_app`.execute(db);
}
