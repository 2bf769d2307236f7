import { withWorkspace } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import type { TimelineItem, TimelineSource } from '../modules/manifest.ts';
import { registry } from '../modules/registry.ts';
import { assertAllowed } from '../records/access.ts';
import { readRecords } from '../records/gate.ts';
import { openScope, type Scope } from '../records/scope.ts';

/** One line of a record's timeline: its kind (`change`, `activity`, `task`, or a module's), id, time and fields. */
export type TimelineEntry = { kind: string; id: string; at: string } & Record<string, unknown>;

export interface TimelineOptions {
  limit?: number | undefined;
  cursor?: string | undefined;
}

const MAX_LIMIT = 200;
const DEFAULT_LIMIT = 50;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && ISO.test(at) && typeof id === 'string' && isUuid(id)) return { at, id };
  } catch {
    // fall through to the error below
  }
  throw new AppError('validation_failed', 'The cursor is not one this API gave out.', {
    errors: [{ field: 'cursor', message: 'Unknown cursor.' }],
  });
}

type Candidate = TimelineItem & { source: TimelineSource };

/** Newest first; entries of one instant by id, descending (as every source orders its own). */
function newestFirst(a: Candidate, b: Candidate): number {
  if (a.at !== b.at) return a.at < b.at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** The sources' candidates for one page, merged in timeline order: one more than the page, to tell if more follow. */
async function candidates(
  s: Scope,
  principal: Principal,
  recordId: string,
  limit: number,
  before: { at: string; id: string } | undefined,
): Promise<Candidate[]> {
  const subject = {
    reader: principal,
    workspaceId: s.workspaceId,
    object: s.object.key,
    recordId,
    objects: s.objects,
  };
  const all: Candidate[] = [];
  for (const source of registry().timelineSources) {
    const items = await source.entries(s.trx, subject, { limit: limit + 1, before });
    if (items) for (const item of items) all.push({ ...item, source });
  }
  return all.sort(newestFirst).slice(0, limit + 1);
}

/**
 * A record's history, newest first: what every module's timeline source finds for it — its changes (who, when,
 * through what, each field's old and new value), the activities linked to it, the tasks on it — merged and paged
 * by a keyset cursor. Entries that are records are shown through the record engine's gate, so what the caller may
 * not read (an object, another owner's record, a hidden field) is left out; a page may then hold fewer entries.
 */
export async function getTimeline(
  { db, principal }: ServiceContext,
  objectKey: string,
  recordId: string,
  options: TimelineOptions = {},
): Promise<{ data: TimelineEntry[]; nextCursor: string | null }> {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    assertAllowed(principal, objectKey, 'read');
    const subject = await readRecords(trx, principal, objectKey, [recordId], { fields: ['id'] });
    if (!subject.has(recordId))
      throw new AppError('not_found', `There is no ${objectKey} record ${recordId}.`);
    const limit = Math.min(options.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
    const before = options.cursor ? decodeCursor(options.cursor) : undefined;
    const found = await candidates(s, principal, recordId, limit, before);
    const page = found.slice(0, limit);

    // Record entries through the gate, one read per object.
    const views = new Map<string, Record<string, unknown>>();
    for (const source of new Set(page.map((c) => c.source))) {
      if (!source.object) continue;
      const ids = page.filter((c) => c.source === source).map((c) => c.id);
      for (const [id, view] of await readRecords(trx, principal, source.object, ids))
        views.set(`${source.object}:${id}`, view);
    }
    const data: TimelineEntry[] = [];
    for (const c of page) {
      const at = new Date(c.at).toISOString();
      if (!c.source.object) {
        data.push({ ...c.data, kind: c.source.kind, id: c.id, at });
        continue;
      }
      const view = views.get(`${c.source.object}:${c.id}`);
      if (!view) continue;
      const fields = c.source.present ? c.source.present(view) : view;
      data.push({ ...fields, kind: c.source.kind, id: c.id, at });
    }
    const last = page.at(-1);
    return { data, nextCursor: found.length > limit && last ? encodeCursor(last.at, last.id) : null };
  });
}
