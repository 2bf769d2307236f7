// A call's row is folded from the whole set of its events, never from the order they came in: the same events in
// any order give the same row (the property test in call-fold.test.ts). Events are ranked by the provider's
// sequence, then by a fixed order of kinds, which is a total order since (event, sequence) is unique per call.

export const CALL_EVENT_KINDS = [
  'ringing',
  'answered',
  'held',
  'resumed',
  'transferred',
  'recording',
  'ended',
] as const;
export type CallEventKind = (typeof CALL_EVENT_KINDS)[number];
export type CallState = 'ringing' | 'answered' | 'held' | 'ended';
export type CallOutcome = 'answered' | 'missed' | 'voicemail' | 'abandoned' | 'busy' | 'failed';

/** One event as a phone system sends it (checked by the route's schema). */
export interface CallEventInput {
  callId: string;
  event: CallEventKind;
  sequence: number;
  at: string;
  from: string;
  to: string;
  direction?: 'inbound' | 'outbound' | undefined;
  extension?: string | undefined;
  duration?: number | undefined;
  cause?: string | undefined;
  recordingUrl?: string | undefined;
  correlationId?: string | undefined;
  /** The queue the phone system says the call is in: its queue key (an Asterisk queue, a Twilio queue's name). */
  queue?: string | undefined;
}

/** What the events say about a call (before numbers are normalised and the extension is mapped to a member). */
export interface FoldedCall {
  state: CallState;
  direction: 'inbound' | 'outbound' | null;
  fromRaw: string;
  toRaw: string;
  extension: string | null;
  correlationId: string | null;
  ringingAt: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  duration: number | null;
  outcome: CallOutcome | null;
  cause: string | null;
  recordingUrl: string | null;
  /** The queue named last (a call moved on to another queue is in that one), mapped to a queue by the service. */
  queue: string | null;
}

const rank = (e: CallEventInput) => e.sequence * 16 + CALL_EVENT_KINDS.indexOf(e.event);
const ms = (iso: string) => new Date(iso).getTime();
const iso = (t: number) => new Date(t).toISOString();
const earliest = (events: readonly CallEventInput[]) =>
  events.length === 0 ? null : iso(Math.min(...events.map((e) => ms(e.at))));

/** The outcome of an ended call, from whether it was answered, its direction and the hang-up cause. */
export function outcomeOf(answered: boolean, direction: string | null, cause: string | null): CallOutcome {
  const c = (cause ?? '').toLowerCase();
  if (/voice\s*mail|voicemail/.test(c)) return 'voicemail';
  if (answered) return 'answered';
  if (/busy/.test(c)) return 'busy';
  if (/fail|congest|unavailable|unreachable|reject|error|invalid|not.?found/.test(c)) return 'failed';
  if (direction !== 'outbound' && /abandon|cancel|caller.?hang/.test(c)) return 'abandoned';
  return 'missed';
}

/** Folds a call's events (at least one, in any order) into what its row says. */
export function foldCall(events: readonly CallEventInput[]): FoldedCall {
  if (events.length === 0) throw new Error('A call has at least one event.');
  const sorted = [...events].sort((a, b) => rank(a) - rank(b));
  const first = sorted[0]!;
  const last = <T>(pick: (e: CallEventInput) => T | undefined): T | null => {
    for (let i = sorted.length - 1; i >= 0; i -= 1) {
      const v = pick(sorted[i]!);
      if (v !== undefined) return v;
    }
    return null;
  };
  const firstOf = <T>(pick: (e: CallEventInput) => T | undefined): T | null => {
    for (const e of sorted) {
      const v = pick(e);
      if (v !== undefined) return v;
    }
    return null;
  };
  const of = (kind: CallEventKind) => sorted.filter((e) => e.event === kind);
  const answered = of('answered');
  const ended = of('ended');
  const lastEnded = ended.at(-1);
  const direction = firstOf((e) => e.direction);
  const answeredAt = earliest(answered);
  const endedAt = lastEnded ? lastEnded.at : null;
  const cause = lastEnded?.cause ?? null;

  let state: CallState;
  if (lastEnded) state = 'ended';
  else {
    const live = last((e) => (e.event === 'recording' ? undefined : e.event));
    state =
      live === 'held'
        ? 'held'
        : live === 'ringing' || (live === 'transferred' && answered.length === 0)
          ? 'ringing'
          : 'answered';
  }
  let duration = last((e) => (e.event === 'ended' ? e.duration : undefined));
  if (duration === null && answeredAt && endedAt)
    duration = Math.max(0, Math.round((ms(endedAt) - ms(answeredAt)) / 1000));

  return {
    state,
    direction,
    fromRaw: first.from,
    toRaw: first.to,
    extension: last((e) => e.extension),
    correlationId: firstOf((e) => e.correlationId),
    ringingAt: earliest(of('ringing')),
    answeredAt,
    endedAt: endedAt === null ? null : iso(ms(endedAt)),
    duration,
    outcome: lastEnded ? outcomeOf(answered.length > 0, direction, cause) : null,
    cause,
    recordingUrl: last((e) => e.recordingUrl),
    queue: last((e) => e.queue),
  };
}
