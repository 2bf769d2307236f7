import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Multi-factor sign-in and the devices a person signed in from:
// - `mfa_totp`: one authenticator (TOTP) per person; the secret is encrypted by the application before it is
//   stored (never in the clear), confirmed once a first code matched; `last_used_step` refuses a code twice.
// - `mfa_recovery_codes`: ten single-use codes per person, only their SHA-256 (each carries 80 random bits).
// - `sign_in_challenges`: the step between a right password and a session when a second factor is asked for
//   (or must first be set up); the secret is stored as its SHA-256, short-lived.
// - `known_devices`: a browser a person signed in from (cookie secret stored as its SHA-256); it passes the
//   account-wide sign-in throttle, and skips the second factor while `mfa_remembered_until` is in the future.
// - `mfa_required_roles`: roles of a workspace whose members must sign in with a second factor (tenant table).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table mfa_totp (
      user_id uuid primary key references users (id) on delete cascade,
      secret_encrypted text not null,
      confirmed_at timestamptz,
      last_used_step bigint,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table mfa_recovery_codes (
      user_id uuid not null references users (id) on delete cascade,
      code_hash bytea not null,
      used_at timestamptz,
      primary key (user_id, code_hash)
    )`.execute(db);
  await sql`
    create table sign_in_challenges (
      token_hash bytea primary key,
      user_id uuid not null references users (id) on delete cascade,
      workspace_id uuid not null references workspaces (id) on delete cascade,
      kind text not null check (kind in ('code', 'enroll')),
      remember_device boolean not null default false,
      expires_at timestamptz not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index sign_in_challenges_user_idx on sign_in_challenges (user_id)`.execute(db);
  await sql`
    create table known_devices (
      token_hash bytea primary key,
      user_id uuid not null references users (id) on delete cascade,
      mfa_remembered_until timestamptz,
      expires_at timestamptz not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index known_devices_user_idx on known_devices (user_id)`.execute(db);
  await sql`
    create table mfa_required_roles (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      role_id uuid not null,
      primary key (workspace_id, role_id),
      foreign key (workspace_id, role_id) references roles (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`alter table mfa_required_roles enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on mfa_required_roles
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`
    grant select, insert, update, delete
    on mfa_totp, mfa_recovery_codes, sign_in_challenges, known_devices, mfa_required_roles
    to rabita_app`.execute(db);
}
