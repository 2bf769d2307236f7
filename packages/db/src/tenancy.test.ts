import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../test/harness.ts';
import { transactionWorkspaceSettings, withWorkspace, workspaceSettingsChanged } from './tenancy.ts';

describe('row-level security', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof signUp>>;
  let b: Awaited<ReturnType<typeof signUp>>;

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    a = await signUp(t.app);
    b = await signUp(t.app);
  });
  afterAll(() => t?.close());

  it('runs application queries as a role that is neither superuser nor table owner', async () => {
    const { rows } = await sql<{ role: string; superuser: boolean; bypass: boolean; owner: string }>`
      select current_user as role, r.rolsuper as superuser, r.rolbypassrls as bypass,
             (select tableowner from pg_tables where tablename = 'roles') as owner
      from pg_roles r where r.rolname = current_user`.execute(t.handle.db);
    expect(rows[0]).toMatchObject({ role: 'rabita_app', superuser: false, bypass: false });
    expect(rows[0]?.owner).not.toBe('rabita_app');
  });

  it('enables row-level security on every table that has a workspace_id', async () => {
    const { rows } = await sql<{ relname: string; relrowsecurity: boolean }>`
      select c.relname, c.relrowsecurity from pg_class c
      join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
      where c.relkind = 'r' and exists (
        select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'workspace_id' and not a.attisdropped)
        -- Read by their token before anyone, or any workspace, is known: a session, and the step between a right
        -- password and a session when a second factor is asked for.
        and c.relname not in ('sessions', 'sign_in_challenges')`.execute(t.handle.db);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const row of rows) expect(row, row.relname).toMatchObject({ relrowsecurity: true });
  });

  it('shows no tenant rows to a query run without the workspace setting', async () => {
    const db = t.handle.db;
    expect(await db.selectFrom('roles').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('memberships').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('workspaces').selectAll().execute()).toEqual([]);
  });

  it('shows workspace A only its own rows, never B’s', async () => {
    const rolesOfA = await withWorkspace(t.handle.db, a.workspaceId, (trx) =>
      trx.selectFrom('roles').select(['workspaceId', 'key']).execute(),
    );
    expect(rolesOfA).toHaveLength(5);
    expect(new Set(rolesOfA.map((r) => r.workspaceId))).toEqual(new Set([a.workspaceId]));
    const bSeenFromA = await withWorkspace(t.handle.db, a.workspaceId, (trx) =>
      trx.selectFrom('workspaces').selectAll().where('id', '=', b.workspaceId).execute(),
    );
    expect(bSeenFromA).toEqual([]);
  });

  it('refuses to write a row into another workspace', async () => {
    await expect(
      withWorkspace(t.handle.db, a.workspaceId, (trx) =>
        trx
          .insertInto('roles')
          .values({ workspaceId: b.workspaceId, id: crypto.randomUUID(), key: 'intruder', name: 'Intruder' })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('opens a workspace transaction in one round trip with the setting and the workspace’s settings', async () => {
    const sent: unknown[] = [];
    const client = await t.handle.pool.connect();
    const query = client.query;
    client.query = ((...args: unknown[]) => {
      sent.push(args[0]);
      return (query as (...a: unknown[]) => unknown).apply(client, args);
    }) as typeof client.query;
    client.release();
    // The pool hands the same idle client out next.
    const seen = await withWorkspace(t.handle.db, a.workspaceId, async (trx) => {
      const settings = transactionWorkspaceSettings(a.workspaceId);
      const again = transactionWorkspaceSettings(a.workspaceId);
      const roles = await trx.selectFrom('roles').select('workspaceId').execute();
      const setting = await sql<{ ws: string }>`select current_setting('rabita.workspace_id') as ws`.execute(
        trx,
      );
      return { settings, again, roles, ws: setting.rows[0]?.ws };
    });
    client.query = query;
    expect(seen.settings).toMatchObject({
      defaultCountry: expect.any(String),
      metadataVersion: expect.any(String),
    });
    expect(seen.again).toBe(seen.settings);
    expect(seen.ws).toBe(a.workspaceId);
    expect(new Set(seen.roles.map((r) => r.workspaceId))).toEqual(new Set([a.workspaceId]));
    expect(sent).toHaveLength(4);
    // begin (carrying the setting and the settings' read), the two queries, commit: nothing else was sent.
    expect(sent[0]).toBe('begin');
    expect(sent.some((text) => /set_config|from "workspaces"/.test(String(text)))).toBe(false);
    expect(sent.at(-1)).toBe('commit');
  });

  it('keeps the settings for the whole transaction until it changes them, and gives none of another workspace', async () => {
    const seen = await withWorkspace(t.handle.db, a.workspaceId, async (trx) => {
      await trx.selectFrom('roles').select('id').execute();
      const later = transactionWorkspaceSettings(a.workspaceId);
      workspaceSettingsChanged(b.workspaceId);
      const afterOther = transactionWorkspaceSettings(a.workspaceId);
      workspaceSettingsChanged(a.workspaceId);
      return { later, afterOther, changed: transactionWorkspaceSettings(a.workspaceId) };
    });
    expect(seen.later).toMatchObject({ metadataVersion: expect.any(String) });
    expect(seen.afterOther).toBe(seen.later);
    expect(seen.changed).toBeUndefined();
    // The next transaction reads them again.
    const next = await withWorkspace(t.handle.db, a.workspaceId, async () =>
      transactionWorkspaceSettings(a.workspaceId),
    );
    expect(next).toEqual(seen.later);
    const other = await withWorkspace(t.handle.db, a.workspaceId, async () =>
      transactionWorkspaceSettings(b.workspaceId),
    );
    expect(other).toBeUndefined();
    expect(transactionWorkspaceSettings(a.workspaceId)).toBeUndefined();
  });

  it('never inlines a workspace id that is not a UUID, and leaves the pool usable after a failed opening', async () => {
    const hostile = "00000000-0000-0000-0000-000000000000', true); drop table roles; --";
    await expect(
      withWorkspace(t.handle.db, hostile, (trx) => trx.selectFrom('roles').selectAll().execute()),
    ).rejects.toThrow(/uuid/i);
    const roles = await withWorkspace(t.handle.db, a.workspaceId, (trx) =>
      trx.selectFrom('roles').select('id').execute(),
    );
    expect(roles).toHaveLength(5);
    // An unknown (well-formed) workspace opens, sees nothing and offers no settings.
    const nobody = await withWorkspace(t.handle.db, crypto.randomUUID(), async (trx) => ({
      settings: transactionWorkspaceSettings(a.workspaceId),
      roles: await trx.selectFrom('roles').selectAll().execute(),
    }));
    expect(nobody).toEqual({ settings: undefined, roles: [] });
  });
});
