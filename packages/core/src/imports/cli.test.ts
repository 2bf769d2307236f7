import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

const run = promisify(execFile);
const MAIN = path.resolve(import.meta.dirname, '../../../../apps/cli/src/main.ts');

describe('rabita import and rabita export', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let dir: string;
  const rabita = (args: string[]) =>
    run(process.execPath, [MAIN, ...args], {
      env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'silent' },
      timeout: 60_000,
    });

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rabita-cli-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
    await t?.close();
  });

  it('imports a file, dry run first, then exports it back as CSV and XLSX', async () => {
    const file = path.join(dir, 'people.csv');
    await fs.writeFile(file, 'First Name,Email\nRania,rania@example.com\nBad,not-an-email\n');
    const dry = await rabita([
      'import',
      file,
      '--workspace',
      admin.workspaceId,
      '--object',
      'people',
      '--dry-run',
    ]);
    expect(dry.stdout).toMatch(/Dry run: would create 1, update 0, skipped 0, rejected 1 of 2 rows/);
    expect(dry.stdout).toMatch(/row 2: emails/);
    const real = await rabita([
      'import',
      file,
      '--workspace',
      admin.workspaceId,
      '--object',
      'people',
      '--match-by',
      'emails',
    ]);
    expect(real.stdout).toMatch(/Created 1, updated 0, skipped 0, rejected 1 of 2 rows/);

    const csv = path.join(dir, 'out.csv');
    const exported = await rabita(['export', csv, '--workspace', admin.workspaceId, '--object', 'people']);
    expect(exported.stdout).toMatch(/Exported 1 people records/);
    expect(await fs.readFile(csv, 'utf8')).toContain('rania@example.com');
    const xlsx = path.join(dir, 'out.xlsx');
    await rabita(['export', xlsx, '--workspace', admin.workspaceId, '--object', 'people']);
    expect((await fs.readFile(xlsx)).subarray(0, 2).toString()).toBe('PK');
  }, 90_000);

  it('exports the whole workspace as an archive and restores it into an empty workspace', async () => {
    const zip = path.join(dir, 'workspace.zip');
    const out = await rabita(['export', zip, '--workspace', admin.workspaceId]);
    expect(out.stdout).toMatch(/Exported \d+ objects, metadata and timeline/);
    const empty = await signUp(t.app);
    const restored = await rabita(['import', zip, '--workspace', empty.workspaceId]);
    expect(restored.stdout).toMatch(/Restored .*1 people/);
    const again = await rabita(['import', zip, '--workspace', empty.workspaceId]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(again).toMatchObject({ code: 1 });
    expect((again as { stderr: string }).stderr).toMatch(/restore into an empty workspace/);
  }, 90_000);

  it('says what is wrong in one sentence and exits 1', async () => {
    const error = await rabita([
      'import',
      '/nope.csv',
      '--workspace',
      admin.workspaceId,
      '--object',
      'people',
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({ code: 1 });
    expect((error as { stderr: string }).stderr).toMatch(/There is no file \/nope.csv/);
    const file = path.join(dir, 'x.csv');
    await fs.writeFile(file, 'a\n1\n');
    const unknown = await rabita([
      'import',
      file,
      '--workspace',
      admin.workspaceId,
      '--object',
      'martians',
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(unknown).toMatchObject({ code: 1 });
    expect((unknown as { stderr: string }).stderr).toMatch(/no object "martians"/);
  });
});
