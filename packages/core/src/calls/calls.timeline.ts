import type { Tx } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import type { TimelineItem, TimelineSource } from '../modules/manifest.ts';
import { type RecordView, readRecords } from '../records/gate.ts';
import { type CallRow, callOfRecord, callsOfRecordPage } from './calls.repository.ts';
import { seesPhonesOf } from './calls.service.ts';
import { selectWrapUps, type WrapUpNames, type WrapUpRow } from './wrap-up.repository.ts';

const OBJECTS = new Set(['people', 'companies', 'leads']);

/** A call's wrap-up on its timeline entry: notes, code, the agent's outcome, the ticket (if the reader sees it). */
function wrapUpOf(wrap: (WrapUpRow & WrapUpNames) | undefined, tickets: Map<string, RecordView>) {
  if (!wrap) return {};
  const ticket = wrap.ticketId ? tickets.get(wrap.ticketId) : undefined;
  return {
    ...(wrap.outcomeOverride ? { outcome: wrap.outcomeOverride } : {}),
    notes: wrap.notes,
    wrapUpCode: wrap.wrapUpCode,
    // The label of the list the code came from (the queue's own, else the workspace's); null: show the code.
    wrapUpLabel: wrap.wrapUpLabel,
    // And its labels per language: a timeline source knows the reader's role, not their language, so the web picks.
    wrapUpLabels: wrap.wrapUpLabels,
    ticket: ticket ? { id: ticket.id, number: ticket.number ?? null, subject: ticket.subject ?? null } : null,
    taskId: wrap.taskId,
    report: wrap.reportTicketId
      ? {
          type: wrap.reportType,
          ticket: tickets.has(wrap.reportTicketId)
            ? {
                id: wrap.reportTicketId,
                number: tickets.get(wrap.reportTicketId)!.number ?? null,
                subject: tickets.get(wrap.reportTicketId)!.subject ?? null,
              }
            : null,
        }
      : null,
    // Where each link went is the person's address or number: left out, as a role may hide them.
    selfService: wrap.selfService.map(({ channel, url, at }) => ({ channel, url, at })),
    promise:
      wrap.promiseAmount && wrap.promiseDueOn
        ? { amount: wrap.promiseAmount, currency: wrap.promiseCurrency, dueOn: wrap.promiseDueOn }
        : null,
  };
}

/** The reader's view of a record's calls: none unless they may read the record and see its phones. */
async function mayReadCallsOf(trx: Tx, reader: Principal, subject: { object: string; recordId: string }) {
  // A call's number on the record's timeline would show a phone the reader's role hides.
  if (!OBJECTS.has(subject.object) || !seesPhonesOf(reader, subject.object)) return false;
  const seen = await readRecords(trx, reader, subject.object, [subject.recordId], { fields: ['id'] });
  return seen.has(subject.recordId);
}

/** Calls as timeline entries: with what the agent wrote after each, and the tickets opened as the reader sees them. */
async function callEntries(
  trx: Tx,
  reader: Principal,
  workspaceId: string,
  rows: (CallRow & { at: string })[],
) {
  const wraps = await selectWrapUps(
    trx,
    workspaceId,
    rows.map((r) => r.id),
  );
  const ticketIds = [...wraps.values()].flatMap((w) =>
    [w.ticketId, w.reportTicketId].filter((x): x is string => x !== null),
  );
  const tickets = await readRecords(trx, reader, 'tickets', ticketIds, { fields: ['number', 'subject'] });
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
      // Played through GET /calls/:id/recording, never the phone system's URL.
      hasRecording: r.recordingUrl !== null,
      agentUserId: r.agentUserId,
      answeredAt: r.answeredAt,
      endedAt: r.endedAt,
      ...wrapUpOf(wraps.get(r.id), tickets),
    },
  }));
}

/** Calls on the timeline of each record the caller's number matched: direction, numbers, outcome, agent. */
export const callsTimeline: TimelineSource = {
  kind: 'call',
  entries(trx, subject, page) {
    if (!OBJECTS.has(subject.object)) return null;
    return (async () => {
      const reader = { ...subject.reader, workspaceId: subject.workspaceId };
      if (!(await mayReadCallsOf(trx, reader, subject))) return [];
      const rows = await callsOfRecordPage(
        trx,
        subject.workspaceId,
        { object: subject.object, recordId: subject.recordId },
        page,
      );
      return callEntries(trx, reader, subject.workspaceId, rows);
    })();
  },
};

/** A call's entry on a record's timeline, as the timeline shows it; undefined when the reader finds none there. */
export async function callTimelineEntry(
  trx: Tx,
  reader: Principal,
  subject: { object: string; recordId: string },
  callId: string,
): Promise<TimelineItem | undefined> {
  if (!(await mayReadCallsOf(trx, reader, subject))) return undefined;
  const row = await callOfRecord(trx, reader.workspaceId, subject, callId);
  if (!row) return undefined;
  return (await callEntries(trx, reader, reader.workspaceId, [row]))[0];
}
