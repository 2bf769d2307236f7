import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// WebAuthn passkeys. Accounts are global (no workspace), like the two-step sign-in tables of 0025, so these are
// platform tables without row-level security, reached only through the accounts module.
// - `passkeys`: one row per registered credential: its id (base64url, as the browser names it), its COSE public
//   key, the authenticator's signature counter (a counter that goes back is refused), the transports the browser
//   reported, the name its owner gave it, and when it was made and last used.
// - `passkey_challenges`: the random challenge of one ceremony, kept server-side: single use (deleted when
//   answered), short-lived, bound to the person for registration and the second step (no person for the
//   usernameless sign-in, which learns the person from the credential).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table passkeys (
      id uuid primary key,
      user_id uuid not null references users (id) on delete cascade,
      credential_id text not null unique,
      public_key bytea not null,
      counter bigint not null default 0,
      transports text[] not null default '{}',
      name text not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz
    )`.execute(db);
  await sql`create index passkeys_user_idx on passkeys (user_id)`.execute(db);
  await sql`
    create table passkey_challenges (
      challenge text primary key,
      user_id uuid references users (id) on delete cascade,
      purpose text not null check (purpose in ('register', 'second_step', 'sign_in')),
      expires_at timestamptz not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index passkey_challenges_expires_idx on passkey_challenges (expires_at)`.execute(db);
  await sql`grant select, insert, update, delete on passkeys, passkey_challenges to rabita_app`.execute(db);
}
