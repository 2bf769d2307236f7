import type { TimelineSource } from '../modules/manifest.ts';
import { readRecords } from '../records/gate.ts';
import { callsOfRecordPage } from './calls.repository.ts';
import { seesPhonesOf } from './calls.service.ts';

const OBJECTS = new Set(['people', 'companies', 'leads']);

/** Calls on the timeline of each record the caller's number matched: direction, numbers, outcome, agent. */
export const callsTimeline: TimelineSource = {
  kind: 'call',
  entries(trx, subject, page) {
    if (!OBJECTS.has(subject.object)) return null;
    return (async () => {
      const reader = { ...subject.reader, workspaceId: subject.workspaceId };
      // A call's number on the record's timeline would show a phone the reader's role hides.
      if (!seesPhonesOf(reader, subject.object)) return [];
      const seen = await readRecords(trx, reader, subject.object, [subject.recordId], { fields: ['id'] });
      if (!seen.has(subject.recordId)) return [];
      const rows = await callsOfRecordPage(
        trx,
        subject.workspaceId,
        { object: subject.object, recordId: subject.recordId },
        page,
      );
      return rows.map((r) => ({
        id: r.id,
        at: r.at,
        data: {
          callId: r.id,
          state: r.state,
          direction: r.direction,
          from: r.fromE164 ?? r.fromRaw,
          to: r.toE164 ?? r.toRaw,
          outcome: r.outcome,
          duration: r.duration,
          agentUserId: r.agentUserId,
          answeredAt: r.answeredAt,
          endedAt: r.endedAt,
        },
      }));
    })();
  },
};
