import { onCitus } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';
import type { TimelineItem, TimelineSource } from '../modules/manifest.ts';
import { ownerLimit, ruleFor } from './access.ts';
import { visibleChanges } from './gate.ts';

// The record engine's timeline sources: a record's own changes, the activities linked to it and the tasks on it.
// Activities and tasks are records, so only their ids and times are found here; their fields reach the reader
// through the gate.

/** The activity column that links activities to records of each object. */
const ACTIVITY_LINKS: Record<string, string> = {
  people: 'person_ids',
  companies: 'company_ids',
  deals: 'deal_ids',
  leads: 'lead_ids',
};

const EXACT = (at: RawBuilder<unknown>) =>
  sql`to_char(${at} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

function beforeCondition(
  at: RawBuilder<unknown>,
  id: RawBuilder<unknown>,
  before: { at: string; id: string } | undefined,
) {
  return before ? sql`and (${at}, ${id}) < (${before.at}::timestamptz, ${before.id}::uuid)` : sql``;
}

/** The record's own changes: who, when, through what, each visible field's old and new value. */
export const changeTimeline: TimelineSource = {
  kind: 'change',
  async entries(trx, subject, page) {
    const { rows } = await sql<{
      id: string;
      at: string;
      action: string;
      changes: Record<string, { from: unknown; to: unknown }>;
      source: string;
      cause: { kind?: unknown; runId?: unknown; name?: unknown } | null;
      userId: string | null;
      apiKeyId: string | null;
      name: string | null;
    }>`
      select c.id, ${EXACT(sql`c.created_at`)} as at, c.action, c.changes, c.source, c.cause,
             c.actor_user_id as "userId", c.actor_api_key_id as "apiKeyId", u.name
      from record_changes c left join users u on u.id = c.actor_user_id
      where c.workspace_id = ${subject.workspaceId} and c.object_key = ${subject.object}
        and c.record_id = ${subject.recordId}
        ${beforeCondition(sql`c.created_at`, sql`c.id`, page.before)}
      order by c.created_at desc, c.id desc limit ${page.limit}`.execute(trx.withoutPlugins());
    return rows.map(
      (r): TimelineItem => ({
        id: r.id,
        at: r.at,
        data: {
          action: r.action,
          changes: visibleChanges(subject.reader, subject.object, r.changes ?? {}),
          actor: { userId: r.userId, name: r.name, apiKeyId: r.apiKeyId },
          source: r.source,
          // The automation behind the write, if any (`{kind: 'workflow', runId, name}`): a workflow acting as a
          // service role has no user, so its name is what the history shows as the actor.
          cause: r.cause ? { kind: r.cause.kind, runId: r.cause.runId, name: r.cause.name ?? null } : null,
        },
      }),
    );
  },
};

/** Activities linked to the record: through their standard link columns, and custom relation fields. */
export const activityTimeline: TimelineSource = {
  kind: 'activity',
  object: 'activities',
  entries(trx, subject, page) {
    const rule = ruleFor(subject.reader, 'activities');
    const owner = ownerLimit(subject.reader, rule);
    if (!rule.read || owner === null) return null;
    const raw = trx.withoutPlugins();
    const ws = subject.workspaceId;
    const owned = owner ? sql`and a.owner_id = ${owner}` : sql``;
    const parts: RawBuilder<TimelineItem>[] = [];
    // `rabita_derived.activity_links` holds one row per (record, activity) in time order (migration 0016), so
    // this part stops after a page.
    if (ACTIVITY_LINKS[subject.object])
      parts.push(sql<TimelineItem>`(select l.activity_id as id, l.at as ts
        from rabita_derived.activity_links l
          join activities a on a.workspace_id = l.workspace_id and a.id = l.activity_id
        where l.workspace_id = ${ws} and l.record_id = ${subject.recordId}::uuid and a.deleted_at is null ${owned}
          ${beforeCondition(sql`l.at`, sql`l.activity_id`, page.before)}
        order by l.at desc, l.activity_id desc limit ${page.limit})`);
    // Custom relation fields an admin added to activities (any object, custom ones included), found by
    // containment through an owner-run function (see migration 0013); those also linked above are left out.
    const activityObject = subject.objects.find((o) => o.key === 'activities');
    const customLinks = (activityObject?.fields ?? [])
      .filter((f) => f.custom && f.type === 'relation' && f.relation?.object === subject.object)
      .map((f) => JSON.stringify({ [f.key]: f.relation?.many ? [subject.recordId] : subject.recordId }));
    if (parts.length === 0 && customLinks.length === 0) return null;
    return (async () => {
      if (customLinks.length > 0) {
        const at = sql`coalesce(a.occurred_at, a.created_at)`;
        const linked = sql`rabita_linked_activities(null, ${subject.recordId}::uuid, ${customLinks}::jsonb[])`;
        // On a Citus cluster the function may not read activities from inside this query, which runs on the
        // workspace's shard: its form named by the workspace runs first, on the workspace's worker, and its ids
        // are bound (records-0003, compile-filter-bound.ts).
        const onWorker = sql<{ id: string }>`
          select l.id from rabita_custom_linked_activities(${ws}::uuid, ${customLinks}::jsonb[]) as l(id)`;
        const custom = (await onCitus(raw))
          ? sql`a.id = any(${(await onWorker.execute(raw)).rows.map((r) => r.id)}::uuid[])`
          : sql`a.id in (select ${linked})`;
        parts.push(sql<TimelineItem>`(select a.id, ${at} as ts
          from activities a
          where a.workspace_id = ${ws} and a.deleted_at is null
            and ${custom}
            and not exists (select 1 from rabita_derived.activity_links l where l.workspace_id = a.workspace_id
              and l.record_id = ${subject.recordId}::uuid and l.at = ${at} and l.activity_id = a.id)
            ${owned} ${beforeCondition(at, sql`a.id`, page.before)}
          order by ${at} desc, a.id desc limit ${page.limit})`);
      }
      const { rows } = await sql<TimelineItem>`
        select id, ${EXACT(sql`ts`)} as at from (${sql.join(parts, sql` union all `)}) merged
        order by ts desc, id desc limit ${page.limit}`.execute(raw);
      return rows;
    })();
  },
  present: (v) => ({
    ...pick(v, ['type', 'subject', 'body', 'direction', 'outcome', 'durationSeconds', 'owner']),
  }),
};

/** Tasks on the record. */
export const taskTimeline: TimelineSource = {
  kind: 'task',
  object: 'tasks',
  entries(trx, subject, page) {
    const rule = ruleFor(subject.reader, 'tasks');
    const owner = ownerLimit(subject.reader, rule);
    if (!rule.read || owner === null) return null;
    return sql<TimelineItem>`
      select k.id, ${EXACT(sql`k.created_at`)} as at
      from tasks k
      where k.workspace_id = ${subject.workspaceId} and k.linked_object = ${subject.object}
        and k.linked_record_id = ${subject.recordId} and k.deleted_at is null
        ${owner ? sql`and k.owner_id = ${owner}` : sql``}
        ${beforeCondition(sql`k.created_at`, sql`k.id`, page.before)}
      order by k.created_at desc, k.id desc limit ${page.limit}`
      .execute(trx.withoutPlugins())
      .then((r) => r.rows);
  },
  present: (v) => pick(v, ['title', 'dueAt', 'status', 'priority', 'assignee']),
};

/** The fields of a record view that are present (a field hidden from the reader is absent, and stays so). */
function pick(view: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in view).map((k) => [k, view[k]]));
}
