import { type Database, withWorkspace } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import { assertAllowed, hiddenFor, ownerLimit, ruleFor } from '../records/access.ts';
import { objectScope } from '../records/expressions.ts';
import { ALIAS, openScope, ownerCondition, type Scope } from '../records/records.service.ts';

/** One line of a record's timeline: a change to it, an activity linked to it, or a task on it. */
export type TimelineEntry =
  | {
      kind: 'change';
      id: string;
      at: string;
      action: string;
      changes: Record<string, { from: unknown; to: unknown }>;
      actor: { userId: string | null; name: string | null; apiKeyId: string | null };
      source: string;
    }
  | {
      kind: 'activity';
      id: string;
      at: string;
      type: string;
      subject: string | null;
      body?: string | null;
      direction: string | null;
      outcome: string | null;
      durationSeconds: number | null;
      owner: string | null;
    }
  | {
      kind: 'task';
      id: string;
      at: string;
      title: string;
      dueAt: string | null;
      status: string;
      priority: string | null;
      assignee: string | null;
    };

export interface TimelineOptions {
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** The activity column that links activities to records of each object. */
const ACTIVITY_LINKS: Record<string, string> = {
  people: 'person_ids',
  companies: 'company_ids',
  deals: 'deal_ids',
  leads: 'lead_ids',
};
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
    errors: [{ field: 'querystring.cursor', message: 'Unknown cursor.' }],
  });
}

interface Row {
  kind: 'change' | 'activity' | 'task';
  id: string;
  at: Date;
  at_exact: string;
  data: Record<string, unknown>;
}

/**
 * Not found — missing, deleted, another workspace's, not the caller's own — as a read of the record would say,
 * in the timeline's own transaction.
 */
async function assertVisible(s: Scope, principal: Principal, recordId: string) {
  const found =
    isUuid(recordId) &&
    (
      await sql`select 1 from ${sql.table(s.object.table)} as ${sql.table(ALIAS)}
        where ${objectScope(s.object, ALIAS, s.workspaceId)} and ${sql.ref(`${ALIAS}.id`)} = ${recordId}
          and ${ownerCondition(principal, s.object)}`.execute(s.raw)
    ).rows.length > 0;
  if (!found) throw new AppError('not_found', `There is no ${s.object.key} record ${recordId}.`);
}

/** The merged, keyset-limited query of a record's timeline, each part read in timeline order by its index. */
function timelineQuery(
  s: Scope,
  principal: Principal,
  objectKey: string,
  recordId: string,
  limit: number,
  after: { at: string; id: string } | undefined,
) {
  const ws = s.workspaceId;
  const before = (at: RawBuilder<unknown>, id: RawBuilder<unknown>) =>
    after ? sql`and (${at}, ${id}) < (${after.at}::timestamptz, ${after.id}::uuid)` : sql``;
  const parts: RawBuilder<Row>[] = [
    sql<Row>`(select 'change' as kind, c.id, c.created_at as at,
        jsonb_build_object('action', c.action, 'changes', c.changes, 'source', c.source,
          'userId', c.actor_user_id, 'apiKeyId', c.actor_api_key_id, 'name', u.name) as data
      from record_changes c left join users u on u.id = c.actor_user_id
      where c.workspace_id = ${ws} and c.object_key = ${objectKey} and c.record_id = ${recordId}
        ${before(sql`c.created_at`, sql`c.id`)}
      order by c.created_at desc, c.id desc limit ${limit + 1})`,
  ];
  const activityRule = ruleFor(principal, 'activities');
  const activityOwner = ownerLimit(principal, activityRule);
  if (activityRule.read && activityOwner !== null) {
    // An activity's time (when it happened, else when it was logged), as each part's index holds it, so the
    // parts come out in timeline order and merge without a sort.
    const columns = (at: RawBuilder<unknown>) => sql`'activity' as kind, a.id, ${at} as at,
        jsonb_build_object('type', a.type, 'subject', a.subject, 'body', a.body, 'direction', a.direction,
          'outcome', a.outcome, 'durationSeconds', a.duration_seconds, 'owner', a.owner_id) as data`;
    const owned = activityOwner ? sql`and a.owner_id = ${activityOwner}` : sql``;
    // Activities linked through their standard columns: `rabita_derived.activity_links` holds one row per
    // (record, activity) in time order (migration 0016), so this part stops after a page.
    if (ACTIVITY_LINKS[objectKey])
      parts.push(sql<Row>`(select ${columns(sql`l.at`)}
        from rabita_derived.activity_links l
          join activities a on a.workspace_id = l.workspace_id and a.id = l.activity_id
        where l.workspace_id = ${ws} and l.record_id = ${recordId}::uuid and a.deleted_at is null ${owned}
          ${before(sql`l.at`, sql`l.activity_id`)}
        order by l.at desc, l.activity_id desc limit ${limit + 1})`);
    // Activities linked through custom relation fields an admin added to activities (any object, custom ones
    // included), found by containment through an owner-run function (it would not use its index under
    // row-level security; see migration 0013); those also linked through a standard column are counted above.
    const activityObject = s.objects.find((o) => o.key === 'activities');
    const customLinks = (activityObject?.fields ?? [])
      .filter((f) => f.custom && f.type === 'relation' && f.relation?.object === objectKey)
      .map((f) => JSON.stringify({ [f.key]: f.relation?.many ? [recordId] : recordId }));
    if (customLinks.length > 0) {
      const at = sql`coalesce(a.occurred_at, a.created_at)`;
      parts.push(sql<Row>`(select ${columns(at)}
        from activities a
        where a.workspace_id = ${ws} and a.deleted_at is null
          and a.id in (select rabita_linked_activities(null, ${recordId}::uuid, ${customLinks}::jsonb[]))
          and not exists (select 1 from rabita_derived.activity_links l where l.workspace_id = a.workspace_id
            and l.record_id = ${recordId}::uuid and l.at = ${at} and l.activity_id = a.id)
          ${owned} ${before(at, sql`a.id`)}
        order by ${at} desc, a.id desc limit ${limit + 1})`);
    }
  }
  const taskRule = ruleFor(principal, 'tasks');
  const taskOwner = ownerLimit(principal, taskRule);
  if (taskRule.read && taskOwner !== null) {
    parts.push(sql<Row>`(select 'task' as kind, k.id, k.created_at as at,
        jsonb_build_object('title', k.title, 'dueAt', k.due_at, 'status', k.status, 'priority', k.priority,
          'assignee', k.assignee_id) as data
      from tasks k
      where k.workspace_id = ${ws} and k.linked_object = ${objectKey} and k.linked_record_id = ${recordId}
        and k.deleted_at is null ${taskOwner ? sql`and k.owner_id = ${taskOwner}` : sql``}
        ${before(sql`k.created_at`, sql`k.id`)}
      order by k.created_at desc, k.id desc limit ${limit + 1})`);
  }
  // The cursor keeps the microseconds, so no entry is skipped or repeated between pages.
  return sql<Row>`
    select kind, id, at, data,
      to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at_exact
    from (${sql.join(parts, sql` union all `)}) merged
    order by at desc, id desc limit ${limit + 1}`;
}

/**
 * A record's history, newest first: its changes (who, when, through what, each field's old and new value),
 * the activities linked to it and the tasks on it, merged and paginated by a keyset cursor. What the
 * caller may not read — the record itself, activities or tasks, other owners' items under "own records
 * only", hidden fields — is left out.
 */
export async function getTimeline(
  db: Database,
  principal: Principal,
  objectKey: string,
  recordId: string,
  options: TimelineOptions = {},
): Promise<{ data: TimelineEntry[]; nextCursor: string | null }> {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    assertAllowed(principal, objectKey, 'read');
    await assertVisible(s, principal, recordId);
    const limit = Math.min(options.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
    const after = options.cursor ? decodeCursor(options.cursor) : undefined;
    const hidden = hiddenFor(principal);
    // Without the camel-case plugin: the JSON documents carry users' field keys and values as stored.
    const { rows } = await timelineQuery(s, principal, objectKey, recordId, limit, after).execute(s.raw);

    const page = rows.slice(0, limit);
    const data = page.map((row): TimelineEntry => {
      const at = row.at.toISOString();
      const d = row.data;
      if (row.kind === 'change') {
        const changes = Object.fromEntries(
          Object.entries((d.changes ?? {}) as Record<string, { from: unknown; to: unknown }>).filter(
            ([field]) => !hidden(objectKey, field),
          ),
        );
        return {
          kind: 'change',
          id: row.id,
          at,
          action: String(d.action),
          changes,
          actor: {
            userId: (d.userId as string | null) ?? null,
            name: (d.name as string | null) ?? null,
            apiKeyId: (d.apiKeyId as string | null) ?? null,
          },
          source: String(d.source),
        };
      }
      const visible = (object: string) =>
        Object.fromEntries(Object.entries(d).filter(([field]) => !hidden(object, field)));
      if (row.kind === 'activity') {
        const v = visible('activities');
        return {
          kind: 'activity',
          id: row.id,
          at,
          type: String(d.type),
          subject: (v.subject as string | null) ?? null,
          ...('body' in v ? { body: (v.body as string | null) ?? null } : {}),
          direction: (v.direction as string | null) ?? null,
          outcome: (v.outcome as string | null) ?? null,
          durationSeconds: v.durationSeconds == null ? null : Number(v.durationSeconds),
          owner: (v.owner as string | null) ?? null,
        };
      }
      const v = visible('tasks');
      return {
        kind: 'task',
        id: row.id,
        at,
        title: String(d.title),
        dueAt: typeof v.dueAt === 'string' ? new Date(v.dueAt).toISOString() : null,
        status: String(d.status),
        priority: (v.priority as string | null) ?? null,
        assignee: (v.assignee as string | null) ?? null,
      };
    });
    const last = page[page.length - 1];
    return {
      data,
      nextCursor: rows.length > limit && last ? encodeCursor(last.at_exact, last.id) : null,
    };
  });
}

/** The SQL and parameters of a timeline's first page, as `getTimeline` runs it (benchmarks replay it). */
export async function compileTimelineQuery(
  db: Database,
  principal: Principal,
  objectKey: string,
  recordId: string,
  options: { limit?: number } = {},
) {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    const limit = Math.min(options.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
    return timelineQuery(s, principal, objectKey, recordId, limit, undefined).compile(s.raw);
  });
}
