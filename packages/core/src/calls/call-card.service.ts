import type { Tx } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import { registry } from '../modules/registry.ts';
import { hiddenFor } from '../records/access.ts';
import { canRead, type RecordView, readRecords, readTitles, titleFor } from '../records/gate.ts';
import { listRecordsIn } from '../records/list-records.ts';
import { latestCsatOf } from '../service/csat.service.ts';
import { getTimeline, type TimelineEntry } from '../timeline/timeline.service.ts';
import { type CallRow, selectCall } from './calls.repository.ts';
import { seesPhonesOf } from './calls.service.ts';
import {
  type CallQueueName,
  selectWrapUpAndQueue,
  type WrapUpNames,
  type WrapUpRow,
} from './wrap-up.repository.ts';

type CardObject = 'people' | 'companies' | 'leads';

/** A record the call is about, or one of those to pick from: its title, company and flags as the reader sees them. */
export interface CardPick {
  object: CardObject;
  id: string;
  title: string | null;
  how: 'exact' | 'suffix' | 'linked';
  company: { id: string; title: string | null } | null;
  /** Absent when the object has no flags or the reader's role hides them. */
  flags?: string[];
}

/** Everything the call card shows. */
export interface CallCard {
  call: ReturnType<typeof callPart>;
  /** The record the call is about: linked by the agent, else the one record the number matched exactly. */
  record:
    | (CardPick & {
        openTickets: { id: string; number: number | null; subject: string | null; status: string | null }[];
        openDeals: { id: string; name: string | null; amount: unknown; status: string | null }[];
        recent: TimelineEntry[];
        /** A person's latest satisfaction score over the tickets the reader may read; null: none. */
        lastCsat: { rating: number; answeredAt: string; ticketId: string } | null;
      })
    | null;
  /** Several matches (or a guess by the number's last digits): the agent picks one. */
  candidates: CardPick[];
  /** No match: the caller's number for a new person's form. */
  newPerson: { phone: string | null } | null;
  /** Whether the reader may wrap the call up (its agent, or a holder of `calls.manage`). */
  canWrapUp: boolean;
}

const OPEN_TICKETS = 5;
const OPEN_DEALS = 5;
const RECENT = 5;

/**
 * The call as the card shows it: state, numbers, agent, times, outcome (the agent's over the phone system's) and
 * the queue it went through.
 */
function callPart(row: CallRow, wrap: WrapUpRow & Partial<WrapUpNames>, queue: CallQueueName | null) {
  return {
    id: row.id,
    state: row.state,
    queue,
    direction: row.direction,
    from: row.fromE164 ?? row.fromRaw,
    to: row.toE164 ?? row.toRaw,
    fromNational: row.fromNational,
    extension: row.extension,
    agentUserId: row.agentUserId,
    ringingAt: row.ringingAt,
    answeredAt: row.answeredAt,
    endedAt: row.endedAt,
    duration: row.duration,
    outcome: wrap.outcomeOverride ?? row.outcome,
    cause: row.cause,
    wrapUp: {
      notes: wrap.notes,
      wrapUpCode: wrap.wrapUpCode,
      wrapUpLabel: wrap.wrapUpLabel ?? null,
      wrapUpLabels: wrap.wrapUpLabels ?? {},
      outcome: wrap.outcomeOverride,
      ticketId: wrap.ticketId,
      taskId: wrap.taskId,
      wrappedUpAt: wrap.wrappedUpAt,
      wrappedUpBy: wrap.wrappedUpBy,
    },
    report: wrap.reportTicketId
      ? { ticketId: wrap.reportTicketId, type: wrap.reportType, runId: wrap.reportRunId }
      : null,
    selfService: wrap.selfService.map(({ channel, url, at, by }) => ({ channel, url, at, by })),
    promise:
      wrap.promiseAmount && wrap.promiseCurrency && wrap.promiseDueOn
        ? { amount: wrap.promiseAmount, currency: wrap.promiseCurrency, dueOn: wrap.promiseDueOn }
        : null,
  };
}

/** Whether the reader may write the call's wrap-up: the agent who took it, or whoever manages calls. */
export const mayWrapUp = (reader: Principal, row: CallRow) =>
  can(reader, 'calls.manage') || (reader.userId !== null && reader.userId === row.agentUserId);

const titleFieldsOf = (object: CardObject) => registry().objects.find((o) => o.key === object)!;

/**
 * The records the card names, read through the gate with the reader's rights, one read per object (at most three,
 * however many matched): only records the reader may read whose phones their role shows — "this number belongs to
 * that record" would otherwise tell a hidden phone — with their title, company and flags where visible.
 */
async function readPicks(
  trx: Tx,
  reader: Principal,
  wanted: readonly { object: CardObject; recordId: string; how: CardPick['how'] }[],
): Promise<CardPick[]> {
  const byObject = new Map<CardObject, Set<string>>();
  for (const w of wanted) byObject.set(w.object, (byObject.get(w.object) ?? new Set()).add(w.recordId));
  const views = new Map<string, RecordView>();
  for (const [object, ids] of byObject) {
    if (!seesPhonesOf(reader, object)) continue;
    const def = titleFieldsOf(object);
    const fields = [...def.titleFields, object === 'people' ? 'company' : '', 'flags', 'companyName'].filter(
      (f) => f !== '' && def.fields.some((d) => d.key === f),
    );
    for (const [id, view] of await readRecords(trx, reader, object, [...ids], { fields }))
      views.set(`${object}:${id}`, view);
  }
  // People's companies' names, in one read.
  const companyIds = [...views.values()]
    .map((v) => v.company)
    .filter((c): c is string => typeof c === 'string');
  const companies =
    companyIds.length > 0
      ? await readTitles(trx, reader, titleFieldsOf('companies'), companyIds)
      : new Map<string, string | null>();
  const picks: CardPick[] = [];
  const seen = new Set<string>();
  for (const w of wanted) {
    const key = `${w.object}:${w.recordId}`;
    const view = views.get(key);
    if (!view || seen.has(key)) continue;
    seen.add(key);
    const companyId = typeof view.company === 'string' ? view.company : null;
    const pick: CardPick = {
      object: w.object,
      id: w.recordId,
      title: titleFor(reader, titleFieldsOf(w.object), view),
      how: w.how,
      company:
        w.object === 'leads'
          ? typeof view.companyName === 'string' && view.companyName
            ? { id: '', title: view.companyName }
            : null
          : companyId && companies.has(companyId)
            ? { id: companyId, title: companies.get(companyId) ?? null }
            : null,
    };
    if ('flags' in view) pick.flags = Array.isArray(view.flags) ? (view.flags as string[]) : [];
    picks.push(pick);
  }
  return picks;
}

/** A list read through the record engine, or nothing when the reader may not filter by these fields. */
async function listIfVisible(
  trx: Tx,
  reader: Principal,
  object: string,
  filterFields: readonly string[],
  options: { filter: unknown; fields: string[]; limit: number },
): Promise<RecordView[]> {
  const hidden = hiddenFor(reader);
  if (!canRead(reader, object) || filterFields.some((f) => hidden(object, f))) return [];
  return (
    await listRecordsIn(trx, reader, object, {
      ...options,
      fields: options.fields.filter((f) => !hidden(object, f)),
      sort: '-createdAt',
    })
  ).data;
}

/** The customer's side of the call: who called in, or who was called. */
const customerNumber = (row: CallRow) =>
  row.direction === 'outbound' ? (row.toE164 ?? row.toRaw) : (row.fromE164 ?? row.fromRaw);

const text = (v: unknown) => (typeof v === 'string' ? v : null);

/** The record a call is about for this reader: the one they linked it to, else its one exact match. */
export async function subjectOf(
  trx: Tx,
  reader: Principal,
  row: CallRow,
  wrap: WrapUpRow,
): Promise<{ subject: CardPick | null; candidates: CardPick[] }> {
  const wanted: { object: CardObject; recordId: string; how: CardPick['how'] }[] = [];
  if (wrap.linkedObject && wrap.linkedRecordId)
    wanted.push({ object: wrap.linkedObject, recordId: wrap.linkedRecordId, how: 'linked' });
  for (const m of row.matches) wanted.push(m);
  const picks = await readPicks(trx, reader, wanted);
  const linked = picks.find((p) => p.how === 'linked');
  if (linked) return { subject: linked, candidates: [] };
  if (picks.length === 1 && picks[0]!.how === 'exact') return { subject: picks[0]!, candidates: [] };
  return { subject: null, candidates: picks };
}

/**
 * Everything the agent's call card shows, in a fixed number of reads whatever the number matched: the call, the
 * record it is about (title, company, flags, open tickets and deals, the last timeline entries) or the records to
 * pick from, or the number for a new person. Every record is read through the gate with the reader's rights.
 * A person's last satisfaction score comes from the service desk's `latestCsatOf` (one statement, tickets the
 * reader may read only).
 */
export async function getCallCard(ctx: ServiceContext, id: string): Promise<CallCard> {
  if (!isUuid(id)) throw new AppError('not_found', 'There is no such call.');
  const card = await inWorkspace(ctx, async (trx, ws) => {
    const row = await selectCall(trx, ws, id);
    // The queue's name comes with the wrap-up (a subquery of the same statement): the card's reads stay fixed.
    const wrap = row && (await selectWrapUpAndQueue(trx, ws, id));
    if (!row || !wrap) throw new AppError('not_found', 'There is no such call.');
    const { subject, candidates } = await subjectOf(trx, ctx.principal, row, wrap);
    let openTickets: NonNullable<CallCard['record']>['openTickets'] = [];
    let openDeals: NonNullable<CallCard['record']>['openDeals'] = [];
    let lastCsat: NonNullable<CallCard['record']>['lastCsat'] = null;
    if (subject && subject.object !== 'leads') {
      const by = subject.object === 'people' ? 'requester' : 'company';
      const tickets = await listIfVisible(trx, ctx.principal, 'tickets', [by, 'status'], {
        filter: {
          and: [
            { field: by, op: 'eq', value: subject.id },
            { field: 'status', op: 'nin', value: ['resolved', 'closed'] },
          ],
        },
        fields: ['number', 'subject', 'status'],
        limit: OPEN_TICKETS,
      });
      openTickets = tickets.map((t) => ({
        id: t.id,
        number: typeof t.number === 'number' ? t.number : null,
        subject: text(t.subject),
        status: text(t.status),
      }));
      const dealBy = subject.object === 'people' ? 'primaryPerson' : 'company';
      const deals = await listIfVisible(trx, ctx.principal, 'deals', [dealBy, 'status'], {
        filter: {
          and: [
            { field: dealBy, op: 'eq', value: subject.id },
            { field: 'status', op: 'eq', value: 'open' },
          ],
        },
        fields: ['name', 'amount', 'status'],
        limit: OPEN_DEALS,
      });
      openDeals = deals.map((d) => ({
        id: d.id,
        name: text(d.name),
        amount: d.amount ?? null,
        status: text(d.status),
      }));
      if (subject.object === 'people') lastCsat = await latestCsatOf(trx, ctx.principal, subject.id);
    }
    return {
      call: callPart(row, wrap, wrap.queue),
      subject,
      candidates,
      openTickets,
      openDeals,
      lastCsat,
      newPerson: !subject && candidates.length === 0 ? { phone: customerNumber(row) } : null,
      canWrapUp: mayWrapUp(ctx.principal, row),
    };
  });
  // The timeline reads in a transaction of its own, through each module's source and the gate.
  const recent = card.subject
    ? (await getTimeline(ctx, card.subject.object, card.subject.id, { limit: RECENT })).data
    : [];
  return {
    call: card.call,
    record: card.subject
      ? {
          ...card.subject,
          openTickets: card.openTickets,
          openDeals: card.openDeals,
          recent,
          lastCsat: card.lastCsat,
        }
      : null,
    candidates: card.candidates,
    newPerson: card.newPerson,
    canWrapUp: card.canWrapUp,
  };
}
