import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { operatorPrincipal } from '../imports/imports.service.ts';
import { restoreWorkspaceArchive, writeWorkspaceArchive } from './archive.service.ts';

/** Every entry of a zip file, as text. */
async function unzip(file: string): Promise<Map<string, string>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (e, z) => (e || !z ? reject(e) : resolve(z))),
  );
  const out = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error || !stream) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          out.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
          zip.readEntry();
        });
      });
    });
    zip.on('end', resolve);
    zip.readEntry();
  });
  return out;
}

const sortedLines = (text: string | undefined) =>
  (text ?? '')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));

describe('whole-workspace archive', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof signUp>>;
  let b: Awaited<ReturnType<typeof signUp>>;
  let dir: string;
  const call = async (method: 'POST' | 'PATCH', url: string, payload: unknown, cookie = a.cookie) => {
    const res = await t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      payload: payload as object,
    });
    expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
    return res.json() as Record<string, unknown> & { id: string };
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    a = await signUp(t.app);
    b = await signUp(t.app);
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rabita-archive-'));
    await call('POST', '/metadata/objects', {
      key: 'projects',
      labels: { singular: { en: 'Project' }, plural: { en: 'Projects' } },
    });
    await call('POST', '/metadata/objects/projects/fields', {
      key: 'budget',
      type: 'money',
      labels: { en: 'Budget' },
    });
    await call('POST', '/metadata/objects/projects/fields', {
      key: 'lead',
      type: 'relation',
      labels: { en: 'Lead' },
      relation: { object: 'people', many: false },
    });
    await call('POST', '/metadata/objects/people/fields', {
      key: 'birthday',
      type: 'date',
      labels: { en: 'Birthday' },
    });
    const acme = await call('POST', '/objects/companies', { name: 'Acme', domains: ['acme.example'] });
    const sara = await call('POST', '/objects/people', {
      firstName: 'سارا',
      emails: ['sara@acme.example'],
      phones: ['+989123456789'],
      company: acme.id,
      birthday: '1990-01-02',
      tags: ['vip'],
    });
    await call('PATCH', `/objects/people/${sara.id}`, { jobTitle: 'CTO' });
    await call('POST', '/objects/deals', {
      name: 'Big deal',
      amount: { amount: '1000.00', currency: 'SAR' },
      company: acme.id,
    });
    await call('POST', '/objects/tasks', { title: 'Call Sara' });
    await call('POST', '/objects/projects', {
      name: 'Launch',
      budget: { amount: '50.00', currency: 'USD' },
      lead: sara.id,
    });
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
    await t?.close();
  });

  it('exports every object, the metadata and the timeline, and an empty workspace restored from it matches', async () => {
    const first = path.join(dir, 'a.zip');
    const principalA = await operatorPrincipal(t.handle.db, a.workspaceId);
    await writeWorkspaceArchive({ db: t.handle.db, principal: principalA }, fs.createWriteStream(first));
    const archiveA = await unzip(first);
    expect(JSON.parse(archiveA.get('manifest.json')!)).toMatchObject({
      format: 'rabita-workspace',
      version: 1,
    });
    for (const key of ['people', 'companies', 'deals', 'tasks', 'pipelines', 'stages', 'projects'])
      expect(archiveA.has(`records/${key}.jsonl`) && archiveA.has(`records/${key}.csv`), key).toBe(true);
    expect(archiveA.get('records/people.csv')).toContain('سارا');
    expect(sortedLines(archiveA.get('timeline/record_changes.jsonl')).length).toBeGreaterThanOrEqual(6);

    const principalB = await operatorPrincipal(t.handle.db, b.workspaceId);
    const counts = await restoreWorkspaceArchive({ db: t.handle.db, principal: principalB }, first);
    expect(counts).toMatchObject({
      people: 1,
      companies: 1,
      deals: 1,
      tasks: 1,
      projects: 1,
      pipelines: 1,
      stages: 6,
    });

    const second = path.join(dir, 'b.zip');
    await writeWorkspaceArchive({ db: t.handle.db, principal: principalB }, fs.createWriteStream(second));
    const archiveB = await unzip(second);
    for (const [name, text] of archiveA) {
      if (!name.startsWith('records/') || !name.endsWith('.jsonl')) continue;
      expect(sortedLines(archiveB.get(name)), name).toEqual(sortedLines(text));
    }
    const metaA = JSON.parse(archiveA.get('metadata.json')!).objects;
    const metaB = JSON.parse(archiveB.get('metadata.json')!).objects;
    const shape = (objects: { key: string; fields: { key: string; type: string }[] }[]) =>
      objects.map((o) => ({ key: o.key, fields: o.fields.map((f) => `${f.key}:${f.type}`) }));
    expect(shape(metaB)).toEqual(shape(metaA));
    // The restored audit trail holds every change of the original.
    const changesB = new Set(sortedLines(archiveB.get('timeline/record_changes.jsonl')).map((c) => c.id));
    for (const c of sortedLines(archiveA.get('timeline/record_changes.jsonl')))
      expect(changesB.has(c.id)).toBe(true);
    // Search works on restored records.
    const search = await t.app.inject({
      method: 'GET',
      url: '/api/v1/search?q=acme',
      headers: { cookie: b.cookie },
    });
    expect(search.json().data.length).toBeGreaterThan(0);
  });

  it('refuses to restore into a workspace that has records, and refuses files that are not archives', async () => {
    const file = path.join(dir, 'again.zip');
    const principalA = await operatorPrincipal(t.handle.db, a.workspaceId);
    await writeWorkspaceArchive({ db: t.handle.db, principal: principalA }, fs.createWriteStream(file));
    await expect(restoreWorkspaceArchive({ db: t.handle.db, principal: principalA }, file)).rejects.toThrow(
      /empty workspace/,
    );
    const junk = path.join(dir, 'junk.zip');
    await fsp.writeFile(junk, 'not a zip');
    await expect(restoreWorkspaceArchive({ db: t.handle.db, principal: principalA }, junk)).rejects.toThrow(
      /not a Rabita workspace archive/,
    );
  });
});
