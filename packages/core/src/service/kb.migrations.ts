import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0006-kb`: the service desk's knowledge base. Categories (ordered, one level of nesting), articles in a
 * category, each article's translations (en/ar/fa: title, Markdown body, draft or published, who changed it and
 * when) with their folded title and a tsvector for search (`english` for en, `simple` for ar and fa: PostgreSQL has
 * no Persian stemmer), attachments kept in the database, and each workspace's public help-centre id. A help centre
 * is found by its public id before a workspace is known, through one small `SECURITY DEFINER` function that
 * answers only for the id the caller holds. Existing admins get `service.kb.manage`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table kb_categories (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      parent_id uuid,
      position integer not null default 0,
      names jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, parent_id) references kb_categories (workspace_id, id)
    )`.execute(db);
  await sql`create index kb_categories_order_idx on kb_categories (workspace_id, parent_id, position, id)`.execute(
    db,
  );
  await sql`
    create table kb_articles (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      category_id uuid,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, category_id) references kb_categories (workspace_id, id)
    )`.execute(db);
  await sql`create index kb_articles_recent_idx on kb_articles (workspace_id, updated_at desc, id desc)`.execute(
    db,
  );
  await sql`
    create index kb_articles_category_idx on kb_articles (workspace_id, category_id, updated_at desc, id desc)`.execute(
    db,
  );
  await sql`
    create table kb_translations (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      article_id uuid not null,
      locale text not null check (locale in ('en', 'ar', 'fa')),
      title text not null,
      body text not null,
      status text not null check (status in ('draft', 'published')),
      published_at timestamptz,
      updated_by uuid references users (id) on delete set null,
      updated_at timestamptz not null default now(),
      title_folded text not null,
      search tsvector not null,
      primary key (workspace_id, article_id, locale),
      foreign key (workspace_id, article_id) references kb_articles (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index kb_translations_search_idx on kb_translations using gin (search)`.execute(db);
  await sql`create index kb_translations_title_idx on kb_translations using gin (title_folded gin_trgm_ops)`.execute(
    db,
  );
  await sql`
    create table kb_attachments (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      article_id uuid not null,
      filename text not null,
      content_type text not null,
      size integer not null,
      content bytea not null,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, article_id) references kb_articles (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index kb_attachments_article_idx on kb_attachments (workspace_id, article_id, created_at)`.execute(
    db,
  );
  await sql`
    create table kb_sites (
      workspace_id uuid primary key references workspaces (id) on delete cascade,
      public_id text not null check (public_id ~ '^[A-Za-z0-9_-]{22}$'),
      enabled boolean not null default false,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create unique index kb_sites_public_id on kb_sites (public_id)`.execute(db);

  for (const table of ['kb_categories', 'kb_articles', 'kb_translations', 'kb_attachments', 'kb_sites']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
  // A help centre's workspace by its public id, only while the workspace publishes it.
  await sql`
    create function rabita_kb_workspace(p_public_id text) returns uuid
    language sql stable security definer set search_path = public, pg_temp
    as $$ select workspace_id from kb_sites where public_id = p_public_id and enabled $$`.execute(db);
  await sql`revoke all on function rabita_kb_workspace(text) from public`.execute(db);
  await sql`grant execute on function rabita_kb_workspace(text) to rabita_app`.execute(db);
  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions -> 'actions', '[]'::jsonb) || '["service.kb.manage"]'::jsonb)
    where key = 'admin' and not coalesce(permissions -> 'actions', '[]'::jsonb) ? 'service.kb.manage'`.execute(
    db,
  );
}
