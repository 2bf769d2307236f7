import type { TimelineSource } from '../modules/manifest.ts';
import { readRecords } from '../records/gate.ts';
import { returnEventsPage } from './returns.repository.ts';

/** A ticket's return moves on its timeline: "requested → approved" with who moved it and their note. */
export const returnsTimeline: TimelineSource = {
  kind: 'return',
  entries(trx, subject, page) {
    if (subject.object !== 'tickets') return null;
    return (async () => {
      const seen = await readRecords(
        trx,
        { ...subject.reader, workspaceId: subject.workspaceId },
        'tickets',
        [subject.recordId],
        { fields: ['id'] },
      );
      if (!seen.has(subject.recordId)) return [];
      const rows = await returnEventsPage(trx, subject.workspaceId, subject.recordId, page);
      return rows.map((r) => ({
        id: r.id,
        at: r.at,
        data: { from: r.fromState, to: r.toState, note: r.note, userId: r.userId },
      }));
    })();
  },
};
