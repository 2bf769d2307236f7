import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

interface Saved {
  id: string;
  name: string;
  ownerId: string | null;
  definition: Record<string, unknown>;
  shares: { kind: string; id: string }[];
  editable: boolean;
}

describe('saved reports', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let rep: { userId: string; cookie: string };
  let teammate: { userId: string; cookie: string };
  let blind: { userId: string; cookie: string };
  let outsider: { userId: string; cookie: string };
  let ownRoleId: string;
  let teamId: string;
  let stageId: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const save = async (body: Record<string, unknown>, as?: string) => {
    const res = await call('POST', '/reports', body, as);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Saved;
  };
  const byStatus = {
    object: 'deals',
    groupBy: [{ field: 'status' }],
    measures: [{ fn: 'count' }],
    chart: 'bar',
  };
  const total = (result: { rows: { values: (number | string | null)[] }[] }) =>
    result.rows.reduce((n, r) => n + (r.values[0] as number), 0);

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    const role = (key: string, deals: Record<string, unknown>) =>
      call('POST', '/roles', {
        key,
        name: key,
        permissions: {
          actions: [],
          objects: { deals, stages: { read: true, create: false, update: false, delete: false } },
        },
      });
    const own = await role('own_deals', {
      read: true,
      create: true,
      update: true,
      delete: false,
      ownRecordsOnly: true,
    });
    expect(own.statusCode, own.body).toBe(201);
    ownRoleId = own.json().id;
    expect(
      (
        await role('no_amounts', {
          read: true,
          create: false,
          update: false,
          delete: false,
          hiddenFields: ['amount'],
        })
      ).statusCode,
    ).toBe(201);
    const mail = (n: string) => `${n}.${admin.workspaceId.slice(0, 8)}@example.com`;
    rep = await joinByInvitation(t.app, admin.cookie, { email: mail('rep'), role: 'own_deals', name: 'Rep' });
    teammate = await joinByInvitation(t.app, admin.cookie, {
      email: mail('mate'),
      role: 'member',
      name: 'Mate',
    });
    blind = await joinByInvitation(t.app, admin.cookie, {
      email: mail('blind'),
      role: 'no_amounts',
      name: 'Blind',
    });
    outsider = await joinByInvitation(t.app, admin.cookie, {
      email: mail('out'),
      role: 'member',
      name: 'Out',
    });
    const team = await call('POST', '/teams', { name: 'Reporting', members: [teammate.userId] });
    expect(team.statusCode, team.body).toBe(201);
    teamId = team.json().id;
    const pipeline = await call('POST', '/objects/pipelines', { name: 'P', currency: 'USD' });
    const stage = await call('POST', '/objects/stages', {
      name: 'Open',
      pipeline: pipeline.json().id,
      position: 1,
    });
    stageId = stage.json().id;
    // 7 deals: 2 the rep's, 5 the admin's.
    const batch = await call('POST', '/objects/deals/batch', {
      records: Array.from({ length: 7 }, (_, i) => ({
        name: `D${i}`,
        stage: stageId,
        status: i % 2 ? 'won' : 'open',
        amount: { amount: `${(i + 1) * 100}`, currency: 'USD' },
        owner: i < 2 ? rep.userId : admin.userId,
      })),
    });
    expect(batch.statusCode, batch.body).toBeLessThan(300);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('runs a report shared with a role as each viewer, counting only what the viewer may see', async () => {
    const report = await save({
      name: 'Deals by status',
      definition: byStatus,
      shares: [{ kind: 'role', id: ownRoleId }],
    });
    expect(report).toMatchObject({
      ownerId: admin.userId,
      editable: true,
      shares: [{ kind: 'role', id: ownRoleId }],
    });
    const asOwner = await call('POST', `/reports/${report.id}/run`);
    expect(asOwner.statusCode, asOwner.body).toBe(200);
    expect(total(asOwner.json().result)).toBe(7);
    // The rep's role reads only their own deals: the same report counts 2 for them, not the owner's 7.
    const asRep = await call('POST', `/reports/${report.id}/run`, {}, rep.cookie);
    expect(asRep.statusCode, asRep.body).toBe(200);
    expect(total(asRep.json().result)).toBe(2);
    expect(asRep.json().report.editable).toBe(false);
    const listed = (await call('GET', '/reports', undefined, rep.cookie)).json().data as Saved[];
    expect(listed.map((r) => r.id)).toContain(report.id);
  });

  it('refuses to run, as a viewer with a hidden field, a report that uses it', async () => {
    const sums = await save({
      name: 'Amounts',
      definition: { object: 'deals', groupBy: [], measures: [{ fn: 'sum', field: 'amount' }] },
      shares: [{ kind: 'user', id: blind.userId }],
    });
    const asOwner = await call('POST', `/reports/${sums.id}/run`);
    expect(asOwner.json().result.rows[0].values[0]).toBe('2800');
    const asBlind = await call('POST', `/reports/${sums.id}/run`, {}, blind.cookie);
    expect(asBlind.statusCode, asBlind.body).toBe(400);
    expect(asBlind.body).not.toContain('2800');
    // The viewer cannot save a report over the field either.
    const saving = await call(
      'POST',
      '/reports',
      { name: 'Mine', definition: sums.definition },
      blind.cookie,
    );
    expect(saving.statusCode, saving.body).toBe(400);
  });

  it('shows a report to its owner, the people, teams and roles it is shared with — nobody else', async () => {
    const forTeam = await save({
      name: 'Team report',
      definition: byStatus,
      shares: [{ kind: 'team', id: teamId }],
    });
    expect((await call('GET', `/reports/${forTeam.id}`, undefined, teammate.cookie)).statusCode).toBe(200);
    expect((await call('POST', `/reports/${forTeam.id}/run`, {}, teammate.cookie)).statusCode).toBe(200);
    for (const cookie of [outsider.cookie, rep.cookie, other.cookie]) {
      expect((await call('GET', `/reports/${forTeam.id}`, undefined, cookie)).statusCode).toBe(404);
      expect((await call('POST', `/reports/${forTeam.id}/run`, {}, cookie)).statusCode).toBe(404);
      expect((await call('PATCH', `/reports/${forTeam.id}`, { name: 'x' }, cookie)).statusCode).toBe(404);
      expect((await call('DELETE', `/reports/${forTeam.id}`, undefined, cookie)).statusCode).toBe(404);
      const list = (await call('GET', '/reports', undefined, cookie)).json().data as Saved[];
      expect(list.map((r) => r.id)).not.toContain(forTeam.id);
    }
    // Unsharing takes it away.
    const unshared = await call('PATCH', `/reports/${forTeam.id}`, { shares: [] });
    expect(unshared.statusCode, unshared.body).toBe(200);
    expect((await call('GET', `/reports/${forTeam.id}`, undefined, teammate.cookie)).statusCode).toBe(404);
  });

  it('lets only the owner or an admin change or delete a report', async () => {
    const mine = await save(
      { name: 'Rep’s own', definition: byStatus, shares: [{ kind: 'user', id: teammate.userId }] },
      rep.cookie,
    );
    expect(mine.ownerId).toBe(rep.userId);
    expect((await call('PATCH', `/reports/${mine.id}`, { name: 'Taken' }, teammate.cookie)).statusCode).toBe(
      403,
    );
    expect((await call('DELETE', `/reports/${mine.id}`, undefined, teammate.cookie)).statusCode).toBe(403);
    const renamed = await call(
      'PATCH',
      `/reports/${mine.id}`,
      { name: 'Renamed', description: 'Why' },
      rep.cookie,
    );
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Renamed', description: 'Why' });
    // The admin (reports.manage) can change it too; the owner stays the rep.
    const byAdmin = await call('PATCH', `/reports/${mine.id}`, { definition: { ...byStatus, chart: 'pie' } });
    expect(byAdmin.statusCode, byAdmin.body).toBe(200);
    expect(byAdmin.json()).toMatchObject({ ownerId: rep.userId, definition: { chart: 'pie' } });
    expect((await call('DELETE', `/reports/${mine.id}`, undefined, rep.cookie)).statusCode).toBe(204);
    expect((await call('GET', `/reports/${mine.id}`, undefined, rep.cookie)).statusCode).toBe(404);
  });

  it('refuses shares with anyone, any team or role outside the workspace, and hostile input', async () => {
    const otherRoles = (await call('GET', '/roles', undefined, other.cookie)).json();
    const otherRole = (Array.isArray(otherRoles) ? otherRoles : otherRoles.data)[0].id as string;
    for (const shares of [
      [{ kind: 'user', id: other.userId }],
      [{ kind: 'role', id: otherRole }],
      [{ kind: 'team', id: '00000000-0000-4000-8000-000000000000' }],
      [{ kind: 'team', id: 'not-a-uuid' }],
      [{ kind: 'group', id: teamId }],
    ]) {
      const res = await call('POST', '/reports', { name: 'Leaky', definition: byStatus, shares });
      expect(res.statusCode, res.body).toBe(400);
    }
    for (const body of [
      { name: 'a\u0000b', definition: byStatus },
      { name: 'a\uD800b', definition: byStatus },
      { name: 'x'.repeat(201), definition: byStatus },
      { name: '   ', definition: byStatus },
      { name: 'ok', definition: { ...byStatus, filter: { field: 'name', op: 'eq', value: '\u0000' } } },
      { name: 'ok', definition: { ...byStatus, object: 'nothing' } },
      { name: 'ok' },
    ]) {
      const res = await call('POST', '/reports', body);
      expect(res.statusCode, `${JSON.stringify(body)}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    }
    expect((await call('GET', '/reports/not-an-id')).statusCode).toBe(404);
    expect((await call('GET', '/reports?after=garbage')).statusCode).toBe(400);
  });

  it('pages through the list by name with a cursor', async () => {
    for (const name of ['Zeta 1', 'Zeta 2', 'Zeta 3', 'Zeta 4', 'Zeta 5'])
      await save({ name, definition: byStatus }, outsider.cookie);
    const names: string[] = [];
    let after: string | null = null;
    do {
      const page = await call(
        'GET',
        `/reports?limit=2${after ? `&after=${after}` : ''}`,
        undefined,
        outsider.cookie,
      );
      expect(page.statusCode, page.body).toBe(200);
      names.push(...(page.json().data as Saved[]).map((r) => r.name));
      after = page.json().nextCursor;
    } while (after);
    expect(names).toEqual(['Zeta 1', 'Zeta 2', 'Zeta 3', 'Zeta 4', 'Zeta 5']);
  });

  it('runs with a range and calendar of the moment, and a filter that narrows the saved one', async () => {
    const report = await save({
      name: 'Won',
      definition: { ...byStatus, filter: { field: 'status', op: 'eq', value: 'won' } },
    });
    const narrowed = await call('POST', `/reports/${report.id}/run`, {
      filter: { field: 'owner', op: 'eq', value: rep.userId },
    });
    expect(narrowed.statusCode, narrowed.body).toBe(200);
    // The rep's deals are D0 (open) and D1 (won): one won.
    expect(total(narrowed.json().result)).toBe(1);
  });

  it('exports a report as CSV as the reader runs it, with a byte-order mark and formulas neutralised', async () => {
    const report = await save({
      name: 'By name',
      definition: { ...byStatus, groupBy: [{ field: 'status' }] },
    });
    const asOwner = await call('GET', `/reports/${report.id}/export.csv`);
    expect(asOwner.statusCode, asOwner.body).toBe(200);
    expect(asOwner.headers['content-type']).toContain('text/csv');
    expect(asOwner.headers['content-disposition']).toContain(`report-${report.id}.csv`);
    expect(asOwner.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = asOwner.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('status,count');
    // D0–D6: odd ones won (3), even ones open (4).
    expect(new Set(lines.slice(1))).toEqual(new Set(['open,4', 'won,3']));
    // Not shared with the rep: 404, as the run is.
    expect((await call('GET', `/reports/${report.id}/export.csv`, undefined, rep.cookie)).statusCode).toBe(
      404,
    );
    // A group named like a formula is written as text.
    const evil = await call('POST', '/objects/deals', { name: '=HYPERLINK("http://x")', stage: stageId });
    expect(evil.statusCode, evil.body).toBe(201);
    const byName = await save({ name: 'Names', definition: { ...byStatus, groupBy: [{ field: 'name' }] } });
    const csv = (await call('GET', `/reports/${byName.id}/export.csv`)).body;
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")",1`);
    expect((await call('DELETE', `/objects/deals/${evil.json().id}`)).statusCode).toBeLessThan(300);
    // A relation's groups by their record's title, the id beside it.
    const byStage = await save({
      name: 'Stages',
      definition: { ...byStatus, groupBy: [{ field: 'stage' }] },
    });
    const stageLines = (await call('GET', `/reports/${byStage.id}/export.csv`)).body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(stageLines[0]).toBe('stage,stage id,count');
    const stageName = (await call('GET', `/objects/stages/${stageId}`)).json().name as string;
    expect(stageLines.slice(1)).toContain(`${stageName},${stageId},7`);
  });

  it('exports a report as XLSX, counts as numbers, right to left for a Persian reader', async () => {
    const report = await save({ name: 'گزارش: وضعیت/معامله‌ها', definition: byStatus });
    const en = await call('GET', `/reports/${report.id}/export.xlsx`);
    expect(en.statusCode, en.body).toBe(200);
    expect(en.headers['content-type']).toContain('spreadsheetml');
    const read = async (bytes: Buffer) => {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
      return workbook.worksheets[0]!;
    };
    const sheet = await read(en.rawPayload);
    expect(sheet.views[0]?.rightToLeft ?? false).toBe(false);
    expect(sheet.getRow(1).values).toEqual([undefined, 'status', 'count']);
    const rows = [2, 3].map((n) => sheet.getRow(n).values as unknown[]);
    expect(new Set(rows.map((r) => `${r[1]}:${r[2]}`))).toEqual(new Set(['open:4', 'won:3']));
    expect(typeof rows[0]![2]).toBe('number');
    expect((await call('PATCH', '/me', { locale: 'fa' })).statusCode).toBe(200);
    const fa = await read((await call('GET', `/reports/${report.id}/export.xlsx`)).rawPayload);
    expect(fa.views[0]?.rightToLeft).toBe(true);
    expect(fa.name).not.toMatch(/[\\/?*[\]:]/);
    expect((await call('PATCH', '/me', { locale: 'en' })).statusCode).toBe(200);
    expect((await call('GET', `/reports/${report.id}/export.pdf`)).statusCode).toBe(400);
  });
});
