import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Webhooks: subscriptions per object and event type, and the delivery log (an outbox the job worker drains).

const TENANT_TABLES = ['webhooks', 'webhook_deliveries'];

export async function up(db: Kysely<unknown>): Promise<void> {
  // `secret` signs every delivery (HMAC-SHA256), so it is kept as issued, not hashed; the API shows it once.
  await sql`
    create table webhooks (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      url text not null,
      objects text[] not null,
      events text[] not null,
      description text,
      secret text not null,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);

  // One row per event and subscription, written in the transaction that changed the record; `attempts` holds
  // every try ({at, statusCode, durationMs, error}); `next_attempt_at` is when it is next due (null once done).
  await sql`
    create table webhook_deliveries (
      workspace_id uuid not null,
      id uuid not null,
      webhook_id uuid not null,
      event text not null,
      object_key text not null,
      record_id uuid not null,
      payload jsonb not null,
      status text not null default 'pending',
      attempt_count integer not null default 0,
      attempts jsonb not null default '[]',
      next_attempt_at timestamptz default now(),
      delivered_at timestamptz,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, webhook_id) references webhooks (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index webhook_deliveries_webhook_idx on webhook_deliveries (workspace_id, webhook_id, id desc)`.execute(
    db,
  );
  await sql`create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending'`.execute(
    db,
  );

  for (const table of TENANT_TABLES) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }

  // The worker finds due deliveries across workspaces; it learns only their keys, then works on each inside
  // its workspace.
  await sql`
    create function rabita_due_webhook_deliveries(p_limit integer)
    returns table (workspace_id uuid, id uuid)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select d.workspace_id, d.id from webhook_deliveries d
      where d.status = 'pending' and d.next_attempt_at <= now()
      order by d.next_attempt_at
      limit p_limit
    $$`.execute(db);

  await sql`
    create function rabita_next_webhook_attempt() returns timestamptz
    language sql stable security definer set search_path = public, pg_temp
    as $$ select min(next_attempt_at) from webhook_deliveries where status = 'pending' $$`.execute(db);

  // Asks graphile-worker (whose schema its owner creates when the worker first starts, and which the app role
  // may not touch) to run the delivery task once this transaction commits. At most once per transaction; a
  // missing or failing worker schema never fails the caller's write: the minutely cron picks the rows up.
  await sql`
    create function rabita_kick_webhooks() returns void
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
    begin
      if current_setting('rabita.webhooks_kicked', true) = 'yes' then
        return;
      end if;
      perform set_config('rabita.webhooks_kicked', 'yes', true);
      if to_regprocedure('graphile_worker.add_job(text, json, text, timestamptz, integer, text, integer, text[], text)') is null then
        return;
      end if;
      begin
        perform graphile_worker.add_job(identifier => 'rabita:webhook-deliver', payload => '{}'::json, max_attempts => 5);
      exception when others then
        raise warning 'rabita: could not queue webhook delivery: %', sqlerrm;
      end;
    end
    $$`.execute(db);

  for (const fn of [
    'rabita_due_webhook_deliveries(integer)',
    'rabita_next_webhook_attempt()',
    'rabita_kick_webhooks()',
  ]) {
    await sql.raw(`revoke all on function ${fn} from public`).execute(db);
    await sql.raw(`grant execute on function ${fn} to rabita_app`).execute(db);
  }
}
