import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `calls-0001-tables`: phone connections (a phone system that posts call events, its hashed API key and sealed
 * HMAC secret, its extension → member map and number rules), every call event as received (`call_events`, unique
 * per connection, provider call id, event and sequence, so a resend is a no-op) and each call folded from its
 * events (`calls`). Row-level security like every tenant table. The call-event route knows no workspace before
 * it has read the credentials, so one function, running as the table's owner, answers which workspace and
 * connection a key's hash or a connection id belongs to — and nothing else.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table call_connections (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      type text not null check (type in ('generic', 'asterisk-ami', 'asterisk-ari', 'twilio', '3cx')),
      api_key_hash bytea,
      api_key_prefix text,
      hmac_secret text,
      extensions jsonb not null default '{}',
      strip_prefixes text[] not null default '{}',
      country text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create unique index call_connections_key_idx on call_connections (api_key_hash) where api_key_hash is not null`.execute(
    db,
  );
  await sql`create unique index call_connections_id_idx on call_connections (id)`.execute(db);

  await sql`
    create table calls (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      connection_id uuid not null,
      provider_call_id text not null,
      state text not null,
      direction text,
      from_raw text,
      to_raw text,
      from_e164 text,
      from_national text,
      to_e164 text,
      to_national text,
      extension text,
      agent_user_id uuid references users (id) on delete set null,
      correlation_id text,
      ringing_at timestamptz,
      answered_at timestamptz,
      ended_at timestamptz,
      duration integer,
      outcome text,
      cause text,
      recording_url text,
      matched_number text,
      matches jsonb not null default '[]',
      person_id uuid,
      company_id uuid,
      lead_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, connection_id, provider_call_id),
      foreign key (workspace_id, connection_id) references call_connections (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index calls_list_idx on calls (workspace_id, id desc)`.execute(db);
  await sql`create index calls_agent_idx on calls (workspace_id, agent_user_id, id desc)`.execute(db);
  // The records a call matched, one row each, in timeline order: a record's calls are an index range read newest
  // first (a jsonb containment test could use no index under row-level security, where `@>` is not leakproof).
  await sql`
    create table call_records (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      object text not null,
      record_id uuid not null,
      at timestamptz not null,
      call_id uuid not null,
      primary key (workspace_id, object, record_id, at, call_id),
      foreign key (workspace_id, call_id) references calls (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index call_records_call_idx on call_records (workspace_id, call_id)`.execute(db);

  await sql`
    create table call_events (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      call_id uuid not null,
      event text not null,
      sequence integer not null,
      at timestamptz not null,
      body jsonb not null,
      received_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, call_id, event, sequence),
      foreign key (workspace_id, call_id) references calls (workspace_id, id) on delete cascade
    )`.execute(db);

  for (const table of ['call_connections', 'calls', 'call_records', 'call_events']) {
    await sql`alter table ${sql.id(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.id(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.id(table)} to rabita_app`.execute(db);
  }

  await sql`
    create function rabita_call_connection(p_key_hash bytea, p_id uuid)
    returns table (workspace_id uuid, connection_id uuid)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select c.workspace_id, c.id from call_connections c
      where (p_key_hash is not null and c.api_key_hash = p_key_hash) or (p_id is not null and c.id = p_id)
      limit 1
    $$`.execute(db);
  await sql`revoke all on function rabita_call_connection(bytea, uuid) from public`.execute(db);
  await sql`grant execute on function rabita_call_connection(bytea, uuid) to rabita_app`.execute(db);
}
