import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldCall, outcomeOf } from './call-fold.ts';
import { callEvents } from './calls.test-kit.ts';

const base = Date.parse('2026-12-05T10:00:00Z');

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
});
