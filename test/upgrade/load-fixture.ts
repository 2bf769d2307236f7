// Loads the upgrade fixture (plain SQL from pg_dump, gzipped) into a database through the `pg` driver, so the test
// needs no psql on the machine: statements go as simple queries, each `COPY … FROM stdin` block through
// pg-copy-streams, all in one transaction.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export const FIXTURE_DIR = path.resolve(import.meta.dirname, 'fixture');

/** What the previous version answered, recorded when the fixture was made (test/upgrade/capture-answers.ts). */
export interface Answers {
  admin: { email: string; password: string; workspaceId: string };
  second: { email: string; password: string; workspaceId: string; people: number };
  counts: Record<string, number>;
  records: Record<string, Record<string, unknown>[]>;
  search: { q: string; personId: string; hits: { object: string; id: string }[] };
  timeline: { object: string; id: string; entries: { kind: string; id: string }[] };
}

export function readAnswers(): Answers {
  return JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, 'previous.answers.json'), 'utf8')) as Answers;
}

const COPY_START = /^COPY .+ FROM stdin;$/;

/** Loads `previous.sql.gz` into the (empty) database at `connectionString`, as a superuser or the database owner. */
export async function loadFixture(connectionString: string): Promise<void> {
  const lines = gunzipSync(fs.readFileSync(path.join(FIXTURE_DIR, 'previous.sql.gz')))
    .toString('utf8')
    .split('\n');
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('begin');
    let statements: string[] = [];
    const flush = async () => {
      const text = statements.join('\n').trim();
      statements = [];
      if (text) await client.query(text);
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (!COPY_START.test(line)) {
        // pg_dump's psql meta-commands (`\restrict`, since the 2025 minor releases) guard psql, not SQL.
        if (/^\\(un)?restrict /.test(line)) continue;
        statements.push(line);
        continue;
      }
      await flush();
      const end = lines.indexOf('\\.', i + 1);
      if (end < 0) throw new Error(`The fixture's COPY at line ${i + 1} has no end.`);
      const data = lines.slice(i + 1, end);
      const stream = client.query(copyFrom(line.replace(/;$/, '')));
      await pipeline(
        (async function* () {
          if (data.length > 0) yield Buffer.from(`${data.join('\n')}\n`, 'utf8');
        })(),
        stream,
      );
      i = end;
    }
    await flush();
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}
