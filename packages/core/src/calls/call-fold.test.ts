import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CALL_EVENT_KINDS, type CallEventInput, foldCall, outcomeOf } from './call-fold.ts';
import { callEvents } from './calls.test-kit.ts';

const base = Date.parse('2026-12-05T10:00:00Z');
const kindOrder = (e: CallEventInput) => CALL_EVENT_KINDS.indexOf(e.event);

describe('folding a call’s events', () => {
  it('gives the same call whatever order its events come in', () => {
    fc.assert(
      fc.property(
        callEvents().chain((events) =>
          fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length })),
        ),
        ([events, shuffled]) => {
          expect(foldCall(shuffled)).toEqual(foldCall(events));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('follows a call from ringing to answered to ended, with its duration and outcome', () => {
    const at = (s: number) => new Date(base + s * 1000).toISOString();
    const common = { callId: 'c', from: '09121234567', to: '100' };
    const ringing = { ...common, event: 'ringing' as const, sequence: 1, at: at(0), extension: '100' };
    const answered = { ...common, event: 'answered' as const, sequence: 2, at: at(5), extension: '101' };
    const ended = { ...common, event: 'ended' as const, sequence: 3, at: at(65), cause: 'normal' };
    expect(foldCall([ringing])).toMatchObject({ state: 'ringing', extension: '100', outcome: null });
    expect(foldCall([answered, ringing])).toMatchObject({ state: 'answered', extension: '101' });
    expect(foldCall([ended, ringing, answered])).toMatchObject({
      state: 'ended',
      ringingAt: at(0),
      answeredAt: at(5),
      endedAt: at(65),
      duration: 60,
      outcome: 'answered',
    });
    // Ended without an answer: missed, or what the cause says.
    expect(foldCall([ringing, { ...ended, cause: undefined }]).outcome).toBe('missed');
    expect(foldCall([ringing, { ...ended, cause: 'USER_BUSY' }]).outcome).toBe('busy');
  });

  it('derives the outcome from the answer, the direction and the cause', () => {
    expect(outcomeOf(true, 'inbound', 'normal')).toBe('answered');
    expect(outcomeOf(true, 'inbound', 'voicemail')).toBe('voicemail');
    expect(outcomeOf(false, 'inbound', null)).toBe('missed');
    expect(outcomeOf(false, 'inbound', 'ORIGINATOR_CANCEL')).toBe('abandoned');
    expect(outcomeOf(false, 'outbound', 'cancel')).toBe('missed');
    expect(outcomeOf(false, 'outbound', 'CONGESTION')).toBe('failed');
    expect(outcomeOf(false, null, 'busy')).toBe('busy');
  });

  it('puts a call in the queue its highest-ranked event names, whatever order the events come in', () => {
    fc.assert(
      fc.property(
        callEvents().chain((events) =>
          fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length })),
        ),
        ([events, shuffled]) => {
          const named = [...events]
            .filter((e) => e.queue !== undefined)
            .sort((a, b) => b.sequence - a.sequence || kindOrder(b) - kindOrder(a));
          expect(foldCall(shuffled).queue).toBe(named[0]?.queue ?? null);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps everything else as it was when events name a queue', () => {
    fc.assert(
      fc.property(callEvents(), (events) => {
        const { queue: _, ...withQueue } = foldCall(events);
        const { queue: none, ...without } = foldCall(events.map(({ queue: _q, ...e }) => e));
        expect(none).toBeNull();
        expect(withQueue).toEqual(without);
      }),
      { numRuns: 300 },
    );
  });

  it('follows a caller who waits in a queue, moves on to another and is answered there', () => {
    const at = (s: number) => new Date(base + s * 1000).toISOString();
    const common = { callId: 'q', from: '09121234567', to: '800' };
    const rang = { ...common, event: 'ringing' as const, sequence: 1, at: at(0) };
    const joined = { ...common, event: 'ringing' as const, sequence: 2, at: at(1), queue: 'support' };
    const overflow = { ...common, event: 'transferred' as const, sequence: 3, at: at(30), queue: 'overflow' };
    const answered = { ...common, event: 'answered' as const, sequence: 4, at: at(40), extension: '201' };
    expect(foldCall([rang]).queue).toBeNull();
    expect(foldCall([joined, rang])).toMatchObject({ state: 'ringing', queue: 'support', ringingAt: at(0) });
    expect(foldCall([overflow, rang, joined])).toMatchObject({ state: 'ringing', queue: 'overflow' });
    // The answer names no queue: the call stays in the last one named, even when the answer came first.
    expect(foldCall([answered, overflow, joined, rang])).toMatchObject({
      state: 'answered',
      queue: 'overflow',
      extension: '201',
    });
  });
});
