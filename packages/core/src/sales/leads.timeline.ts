import { sql } from 'kysely';
import type { TimelineItem, TimelineSource } from '../modules/manifest.ts';
import { taskTimeline } from '../records/records.timeline.ts';

/** The column of `lead_conversions` naming the record of each object a lead became. */
const BECAME: Record<string, string> = { people: 'person_id', companies: 'company_id', deals: 'deal_id' };

/**
 * The tasks of the leads a person, company or deal was converted from. A task links to one record, so it stays
 * on its lead; this source finds those leads in `lead_conversions` and asks the record engine's task source for
 * each lead's tasks (the gate then shows them as for any task).
 */
export const convertedLeadTasksTimeline: TimelineSource = {
  kind: 'task',
  object: 'tasks',
  entries(trx, subject, page) {
    const column = BECAME[subject.object];
    if (!column) return null;
    return (async () => {
      const { rows } = await sql<{ leadId: string }>`
        select lead_id as "leadId" from lead_conversions
        where workspace_id = ${subject.workspaceId} and ${sql.ref(column)} = ${subject.recordId}::uuid
        order by lead_id limit 100`.execute(trx.withoutPlugins());
      const found: TimelineItem[] = [];
      for (const { leadId } of rows) {
        const items = await taskTimeline.entries(
          trx,
          { ...subject, object: 'leads', recordId: leadId },
          page,
        );
        if (items) found.push(...items);
      }
      return found
        .sort((a, b) => (a.at !== b.at ? (a.at < b.at ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .slice(0, page.limit);
    })();
  },
  present: (view) => taskTimeline.present?.(view) ?? view,
};
